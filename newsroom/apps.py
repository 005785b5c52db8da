from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NewsroomConfig(AppConfig):
    """Project-wide wiring: the page cache's purge signals."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from . import pagecache

        pagecache.connect_signals()
        post_migrate.connect(
            pagecache.purge_after_migrate, dispatch_uid="pagecache-migrate"
        )
