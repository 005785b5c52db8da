"""The full-text index of posts: FTS5 on SQLite, a weighted tsvector + GIN on PostgreSQL."""

import django.contrib.postgres.search
from django.db import migrations, models

SQLITE_CREATE = """
CREATE VIRTUAL TABLE IF NOT EXISTS articles_post_search USING fts5(
    title, labels, summary, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""
POSTGRES_CREATE = [
    """
    CREATE TABLE IF NOT EXISTS articles_post_search (
        post_id bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        labels text NOT NULL DEFAULT '',
        summary text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, title), 'A')
            || setweight(to_tsvector('english'::regconfig, labels), 'B')
            || setweight(to_tsvector('english'::regconfig, summary), 'C')
            || setweight(to_tsvector('english'::regconfig, body), 'D')
        ) STORED
    )
    """,
    "CREATE INDEX IF NOT EXISTS articles_post_search_document_gin "
    "ON articles_post_search USING GIN (document)",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)
    else:
        return
    from articles.search import rebuild_search_index

    # Historical models: the current ones may have columns added later.
    rebuild_search_index(
        using=schema_editor.connection.alias,
        post_model=apps.get_model("articles", "Post"),
        labeled_model=apps.get_model("articles", "LabeledPost"),
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        schema_editor.execute("DROP TABLE IF EXISTS articles_post_search")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_newsroom_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="PostSearchDocument",
            fields=[
                (
                    "post",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="articles.post",
                    ),
                ),
                ("title", models.TextField()),
                ("labels", models.TextField()),
                ("summary", models.TextField()),
                ("body", models.TextField()),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "db_table": "articles_post_search",
                "managed": False,
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
