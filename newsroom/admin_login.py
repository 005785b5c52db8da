"""The admin's sign-in form, limited like the readers' one (accounts/limits.py)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.urls import reverse
from django.utils.translation import gettext

from accounts.forms import SignInForm


class ThrottledAdminLoginForm(SignInForm, AdminAuthenticationForm):
    """
    Counts each attempt before the password is checked and refuses when a limit
    holds; accounts.middleware.SignInMiddleware makes that answer a 429 with
    Retry-After, and sets the device cookie after a success.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "unconfirmed": SignInForm.error_messages["unconfirmed"],
    }

    def refusal_message(self, refusal):
        message = super().refusal_message(refusal)
        if refusal.kind != "username" or self.request is None:
            return message
        url = self.request.build_absolute_uri(reverse("signin_unlock"))
        return "%s %s" % (
            message,
            gettext(
                "If this is your account, you can ask for an e-mail with a link "
                "that lets this browser in now: %(url)s"
            )
            % {"url": url},
        )
