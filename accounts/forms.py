from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import throttle


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing further tries after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed sign-in attempts. Please wait %(minutes)d minutes "
            "and try again, or reset your password."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = throttle.client_ip(self.request)
        if username and throttle.is_locked(username, ip):
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, throttle.window_seconds() // 60)},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                throttle.record_failure(username, ip)
            raise
        throttle.clear(username, ip)
        return cleaned

    @property
    def is_throttled(self):
        return any(
            error.code == "throttled"
            for error in self.errors.as_data().get("__all__", [])
        )


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("For resetting your password. Never shown to anyone."),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _(
                    "An account with this e-mail already exists. Sign in or reset "
                    "your password."
                ),
                code="duplicate_email",
            )
        return email
