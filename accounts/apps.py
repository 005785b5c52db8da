from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Reader accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(
            give_device_cookie, dispatch_uid="accounts-device-cookie"
        )


def give_device_cookie(sender, request, user, **kwargs):
    """Every sign-in (reader, admin, confirmed sign-up) trusts this browser."""
    from . import devices

    devices.issue(request, user.get_username())
