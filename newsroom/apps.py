from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NewsroomConfig(AppConfig):
    """Project-wide wiring: page cache purge signals, the admin's throttled sign-in."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from django.contrib import admin

        from . import pagecache
        from .admin_login import ThrottledAdminLoginForm

        admin.site.login_form = ThrottledAdminLoginForm

        pagecache.connect_signals()
        post_migrate.connect(
            pagecache.purge_after_migrate, dispatch_uid="pagecache-migrate"
        )
