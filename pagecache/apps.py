from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    """
    The shared page cache for anonymous readers. It purges only what apps
    register (pagecache/registry.py); it imports no content app.
    """

    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_migrate

        from . import store

        request_started.connect(store.request_started, dispatch_uid="pagecache-start")
        request_finished.connect(
            store.request_finished, dispatch_uid="pagecache-finish"
        )
        post_migrate.connect(
            store.purge_after_migrate, dispatch_uid="pagecache-migrate"
        )
