from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

from accounts.roles import EDITOR_PERMISSIONS, MEMBERS, sync_membership_managers


def grant_editors(apps, schema_editor):
    # Permissions are normally made after all migrations; make ours now.
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    sync_membership_managers(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    )
    # Readers made members by hand in the Members group get their record.
    Membership = apps.get_model("accounts", "Membership")
    MembershipEvent = apps.get_model("accounts", "MembershipEvent")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    now = timezone.now()
    for user in User.objects.filter(groups__name=MEMBERS, membership=None):
        membership = Membership.objects.create(
            user=user, state="member", since=now, granted_at=now
        )
        MembershipEvent.objects.create(
            membership=membership, from_state="", to_state="member", created_at=now
        )


def revoke_editors(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Editors"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="accounts", codename__in=EDITOR_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("articles", "0003_newsroom_roles"),
        ("accounts", "0002_membership"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(grant_editors, revoke_editors)]
