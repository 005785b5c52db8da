"""
Account e-mails and the work behind them: sign-up with a confirmed address,
the unlock link for a held username. Sending goes through Django's mailer;
a failure raises OSError (smtplib's errors included) for the view to report.
"""

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from articles.models import SiteSettings

from . import limits, tokens
from .models import UnlockLink


def _send(request, to, subject, template_name, context):
    site = SiteSettings.load()
    body = render_to_string(template_name, {**context, "site": site}, request=None)
    send_mail(subject % {"site": site.name}, body, None, [to])


def _reset_url(request, user):
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)


def _confirm_url(request, user, next_url=""):
    path = reverse("signup_confirm", args=[tokens.make_signup_token(user)])
    if next_url:
        path += "?" + urlencode({"next": next_url})
    return request.build_absolute_uri(path)


def send_confirmation(request, user, next_url=""):
    _send(
        request,
        user.email,
        _("Confirm your e-mail address on %(site)s"),
        "registration/signup_confirm_email.txt",
        {
            "user": user,
            "confirm_url": _confirm_url(request, user, next_url),
            "max_age_days": max(
                1, int(limits.setting("SIGNUP_CONFIRM_MAX_AGE_SECONDS")) // 86400
            ),
        },
    )


def sign_up(request, form, next_url=""):
    """
    Make an inactive account and mail its confirmation link; for an address
    that already has an account, make none and mail that account's owner
    instead. Either way the caller answers the same. Past the per-address
    mail cap nothing is made or sent.
    """
    email = form.cleaned_data["email"]
    users = get_user_model()._default_manager
    known = list(users.filter(email__iexact=email).order_by("pk")[:5])
    if not limits.may_mail_address(email):
        return
    if known:
        active = [user for user in known if user.is_active]
        if not active:
            # Signed up before, never confirmed: the same link again.
            send_confirmation(request, known[0], next_url)
            return
        _send(
            request,
            known[0].email,
            _("You already have an account on %(site)s"),
            "registration/signup_existing_email.txt",
            {
                "accounts": [
                    {
                        "username": user.get_username(),
                        "reset_url": _reset_url(request, user),
                    }
                    for user in active
                ],
                "signin_url": request.build_absolute_uri(reverse("login")),
            },
        )
        return
    user = form.save(commit=False)
    user.email = email
    user.is_active = False
    user.save()
    try:
        send_confirmation(request, user, next_url)
    except OSError:
        user.delete()
        raise


class ConfirmResult:
    CONFIRMED = "confirmed"
    ALREADY = "already"


def confirm_sign_up(token):
    """(result, user) for a confirmation link; raises tokens.InvalidLink / ExpiredLink."""
    user_id, state = tokens.read_signup_token(token)
    users = get_user_model()._default_manager
    user = users.filter(pk=user_id).first()
    if user is None:
        raise tokens.InvalidLink
    if user.is_active:
        return ConfirmResult.ALREADY, user
    if not tokens.signup_token_matches(user, state):
        raise tokens.InvalidLink
    # Conditional: two clicks at once confirm (and sign in) once.
    if not users.filter(pk=user.pk, is_active=False).update(is_active=True):
        return ConfirmResult.ALREADY, user
    user.is_active = True
    return ConfirmResult.CONFIRMED, user


def _unlock_max_age():
    return timedelta(seconds=int(limits.setting("SIGNIN_UNLOCK_LINK_MAX_AGE_SECONDS")))


def request_unlock(request, username):
    """
    Mail an unlock link to the owner of `username` if that username is held
    now and its owner has had fewer than the hourly cap of such mails.
    Otherwise nothing; the caller answers the same.
    """
    if not username or not limits.username_is_held(username):
        return
    field = get_user_model().USERNAME_FIELD
    candidates = get_user_model()._default_manager.filter(
        **{"%s__iexact" % field: username.strip(), "is_active": True}
    )[:5]
    key = limits.username_key(username)
    for user in candidates:
        if limits.username_key(user.get_username()) != key or not user.email:
            continue
        if not limits.may_send_unlock_mail(user):
            continue
        now = timezone.now()
        UnlockLink.objects.filter(created_at__lt=now - _unlock_max_age()).delete()
        link = UnlockLink.objects.create(
            user=user, nonce=secrets.token_urlsafe(24), created_at=now
        )
        url = request.build_absolute_uri(
            reverse(
                "signin_unlock_confirm", args=[tokens.make_unlock_token(link.nonce)]
            )
        )
        try:
            _send(
                request,
                user.email,
                _("Unlock sign-in on %(site)s"),
                "registration/unlock_email.txt",
                {
                    "user": user,
                    "unlock_url": url,
                    "max_age_minutes": max(
                        1, int(_unlock_max_age().total_seconds()) // 60
                    ),
                },
            )
        except OSError:
            link.delete()
            raise


class UsedLink(tokens.InvalidLink):
    pass


def use_unlock_link(token):
    """The user an unlock link is for, marking it used; raises InvalidLink & co."""
    nonce = tokens.read_unlock_token(token)
    now = timezone.now()
    with transaction.atomic():
        used = UnlockLink.objects.filter(
            nonce=nonce, used_at=None, created_at__gte=now - _unlock_max_age()
        ).update(used_at=now)
    link = UnlockLink.objects.select_related("user").filter(nonce=nonce).first()
    if link is None:
        raise tokens.InvalidLink
    if not used:
        raise UsedLink
    return link.user


def mail_error_message():
    return _(
        "We could not send the e-mail just now. Please try again in a few minutes."
    )
