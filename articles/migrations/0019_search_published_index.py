"""
A btree on the search rows' publication time (PostgreSQL): for a common word
the planner walks it newest first and stops at SEARCH_CANDIDATES matches,
instead of reading every match's row (336 ms at a million posts -> 40 ms);
a rare word still goes through the GIN index.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS articles_post_search_published_idx "
    "ON articles_post_search (published_at)"
)
DROP = "DROP INDEX IF EXISTS articles_post_search_published_idx"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0018_scheduled_labels"),
    ]

    operations = [migrations.RunPython(add_index, drop_index)]
