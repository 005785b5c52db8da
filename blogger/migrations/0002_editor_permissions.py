from django.contrib.auth.management import create_permissions
from django.db import migrations

# Editors read and clear the 404 log and make, change and delete redirects.
EDITOR_CODENAMES = [
    "view_missedaddress",
    "delete_missedaddress",
    "add_redirect",
    "change_redirect",
    "delete_redirect",
    "view_redirect",
]


def grant_editors(apps, schema_editor):
    # Permissions are normally made after all migrations; make ours now.
    app_config = apps.get_app_config("blogger")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="blogger", codename__in=EDITOR_CODENAMES
        )
    )


def revoke_editors(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Editors"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="blogger", codename__in=EDITOR_CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("articles", "0003_newsroom_roles"),
        ("blogger", "0001_missed_addresses_redirects"),
    ]

    operations = [migrations.RunPython(grant_editors, revoke_editors)]
