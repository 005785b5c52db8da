from django.contrib.auth.management import create_permissions
from django.db import migrations

from articles.roles import sync_roles


def grant(apps, schema_editor):
    """
    Editors open Site settings (view and change): existing databases, the
    demo's included, get it with the roles' current permissions.
    """
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_review_notes_preview_links"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
