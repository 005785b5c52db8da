from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PageCacheConfig(AppConfig):
    """The shared page cache for anonymous readers: its middleware and purges."""

    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from . import store

        store.connect_signals()
        post_migrate.connect(
            store.purge_after_migrate, dispatch_uid="pagecache-migrate"
        )
