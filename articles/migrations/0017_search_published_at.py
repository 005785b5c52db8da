"""
PostgreSQL's search rows carry their post's publication time, so search can
take the newest matches without reading their posts (docs/search.md).
SQLite's FTS5 table is left as it is.
"""

from django.db import migrations

ADD = (
    "ALTER TABLE articles_post_search ADD COLUMN IF NOT EXISTS published_at timestamptz"
)
FILL = (
    "UPDATE articles_post_search AS s SET published_at = p.published_at "
    "FROM articles_post AS p WHERE p.id = s.post_id"
)
DROP = "ALTER TABLE articles_post_search DROP COLUMN IF EXISTS published_at"


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)
        schema_editor.execute(FILL)


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_kept_counts"),
    ]

    operations = [migrations.RunPython(add_column, drop_column)]
