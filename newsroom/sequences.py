"""
Id sequences past the rows, after rows were written with their own ids.

PostgreSQL hands out new ids from a sequence that knows nothing of rows
inserted with explicit ids (a restore, an import, a bulk load by COPY): the
next insert would then take an id a row already has, a primary-key clash.
SQLite needs nothing: it numbers past the largest id in the table.
"""

from django.apps import apps
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections


def reset_sequences(models=None, using=DEFAULT_DB_ALIAS):
    """
    Move the id sequence of each of `models` (every installed model when
    None) past its table's largest id: Django's `sqlsequencereset`, one
    statement per table, each an index lookup. A no-op on SQLite.
    """
    connection = connections[using]
    if connection.vendor == "sqlite":
        return
    if models is None:
        models = apps.get_models(include_auto_created=True)
    # Only tables that exist (a model whose migration has not run yet has none).
    tables = set(connection.introspection.table_names())
    models = [
        model
        for model in models
        if model._meta.db_table in tables and not model._meta.proxy
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if not statements:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
