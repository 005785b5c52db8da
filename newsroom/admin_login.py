"""The admin's sign-in form, throttled like the readers' one (accounts.throttle)."""

from django.contrib.admin.forms import AdminAuthenticationForm

from accounts.forms import SignInForm


class ThrottledAdminLoginForm(SignInForm, AdminAuthenticationForm):
    """Refuses further tries for a username from an address after repeated failures."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": SignInForm.error_messages["throttled"],
    }
