from django.contrib.auth.management import create_permissions
from django.db import migrations

from comments.roles import MODERATORS, sync_moderators


def create_moderators(apps, schema_editor):
    # Permissions are normally made after all migrations; make ours now.
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    sync_moderators(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MODERATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("comments", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
