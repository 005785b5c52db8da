from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordResetForm,
    UserCreationForm,
)
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import devices, limits
from .middleware import mark_refused


def wait_message(refusal_or_decision, kind="signin"):
    """'Too many ...; please wait N minutes' for a refused request."""
    from newsroom.ratelimit import retry_after_minutes

    decision = getattr(refusal_or_decision, "decision", refusal_or_decision)
    minutes = retry_after_minutes(decision)
    if kind == "signin":
        text = ngettext(
            "Too many sign-in attempts. Please wait %(minutes)d minute and try again.",
            "Too many sign-in attempts. Please wait %(minutes)d minutes and try again.",
            minutes,
        )
    else:
        text = ngettext(
            "Too many requests from your network. Please wait %(minutes)d minute "
            "and try again.",
            "Too many requests from your network. Please wait %(minutes)d minutes "
            "and try again.",
            minutes,
        )
    return text % {"minutes": minutes}


class SignInForm(AuthenticationForm):
    """
    Django's sign-in form, counting each attempt before the password is checked
    (accounts/limits.py) and refusing, without checking it, when a limit holds.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "unconfirmed": _(
            "Please confirm your e-mail address first: open the link in the e-mail "
            "we sent you when you signed up. No e-mail? Sign up again with the same "
            "address and we will send it again."
        ),
    }
    refusal = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        device = devices.nonce_for(self.request, username)
        refusal = limits.count_signin_attempt(self.request, username, device)
        if refusal is not None:
            self.refusal = refusal
            mark_refused(self.request, refusal)
            raise ValidationError(self.refusal_message(refusal), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            self._check_unconfirmed(username, password)
            raise
        limits.signin_succeeded(device)
        return cleaned

    def refusal_message(self, refusal):
        return wait_message(refusal)

    def _check_unconfirmed(self, username, password):
        """An account whose address is not confirmed yet says so, to its owner."""
        field = get_user_model().USERNAME_FIELD
        user = (
            get_user_model()
            ._default_manager.filter(**{field: username}, is_active=False)
            .first()
        )
        if user is not None and user.check_password(password):
            raise ValidationError(
                self.error_messages["unconfirmed"], code="unconfirmed"
            )

    @property
    def is_throttled(self):
        return self.refusal is not None

    @property
    def offers_unlock(self):
        return self.refusal is not None and self.refusal.kind == "username"


class UnlockForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)


# The longest name a comment shows (comments.forms.NAME_MAX_LENGTH).
DISPLAY_NAME_MAX_LENGTH = 100


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=_(
            "Shown with your comments: your first name, your full name or a "
            "name you choose."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_(
            "We send a link to this address to confirm it; also for resetting "
            "your password. Never shown to anyone."
        ),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "display_name", "email")

    def clean_email(self):
        # Whether the address already has an account is never said here: its
        # owner gets an e-mail instead (accounts/services.py).
        return self.cleaned_data["email"].strip()

    def clean_display_name(self):
        # CharField strips it; a name of spaces alone is no name.
        return " ".join(self.cleaned_data["display_name"].split())

    def save(self, commit=True):
        # The one place names are read from (articles.people.display_name)
        # reads the full name: the display name is kept whole as first_name.
        user = super().save(commit=False)
        user.first_name = self.cleaned_data["display_name"]
        user.last_name = ""
        if commit:
            user.save()
        return user


class SignalingPasswordResetForm(PasswordResetForm):
    """Django's reset form, but a mail that cannot be sent raises (OSError)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(
            loader.render_to_string(subject_template_name, context).splitlines()
        )
        body = loader.render_to_string(email_template_name, context)
        EmailMultiAlternatives(subject, body, from_email, [to_email]).send()
