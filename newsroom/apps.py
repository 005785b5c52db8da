from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """Project-wide wiring: the admin's throttled sign-in, the check of Newsroom's
    own settings (newsroom/conf.py)."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from django.contrib import admin
        from django.core import checks

        from .conf import check_settings

        checks.register(check_settings)

        from .admin_login import ThrottledAdminLoginForm

        admin.site.login_form = ThrottledAdminLoginForm
