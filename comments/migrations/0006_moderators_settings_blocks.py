from django.contrib.auth.management import create_permissions
from django.db import migrations

from comments.roles import sync_moderators


def grant(apps, schema_editor):
    """
    Moderators open Comment settings, block commenters and read reports:
    existing databases get the group's new permissions (the demo's moderator
    too, whose database was made before them).
    """
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    sync_moderators(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0005_blocks_and_reports"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
