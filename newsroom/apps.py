from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """Project-wide wiring: the admin's throttled sign-in."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from django.contrib import admin

        from .admin_login import ThrottledAdminLoginForm

        admin.site.login_form = ThrottledAdminLoginForm
