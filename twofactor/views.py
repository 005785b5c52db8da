"""
Set up, verify and manage two-factor sign-in (django-otp devices).

Every page is for staff only (`policy.is_staff`), never cached, and each form
carries a CSRF token. Wrong codes count in the project's rate limiter
(newsroom/ratelimit.py) per user: past the limit the pages answer 429 with
Retry-After, whatever the code. django-otp's own per-device throttling
(OTP_TOTP_THROTTLE_FACTOR) stays on as well.
"""

from base64 import b32encode
from functools import wraps
from urllib.parse import quote, urlencode

import segno
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.models import SiteSettings
from newsroom import ratelimit

from . import policy
from .forms import CodeForm

APP_CODE_LENGTH = 6


def staff_only(view):
    """Anonymous: the admin's sign-in; signed-in readers: 404; staff: the view."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), login_url=reverse("admin:login")
            )
        if not policy.is_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _with_next(name, target):
    url = reverse(name)
    return "%s?%s" % (url, urlencode({"next": target})) if target else url


def _render(request, template, context, status=200):
    context = {"robots": "noindex, nofollow", "required": policy.required(), **context}
    return render(request, template, context, status=status)


# Rate limit: wrong codes per user.


def _locked(request):
    return ratelimit.peek(
        policy.RATE_SCOPE,
        request.user.pk,
        limit=policy.failure_limit(),
        window=policy.failure_window(),
    )


def _count_failure(request):
    return ratelimit.hit(
        policy.RATE_SCOPE,
        request.user.pk,
        limit=policy.failure_limit(),
        window=policy.failure_window(),
    )


def _too_many(request, decision, template, context):
    minutes = ratelimit.retry_after_minutes(decision)
    context["form"].add_error(
        None,
        ngettext(
            "Too many wrong codes. Try again in %(minutes)d minute.",
            "Too many wrong codes. Try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
    )
    response = _render(request, template, context, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


def _wrong_code(request, form, template, context):
    """Count a wrong code; 429 once past the limit, else the form with its error."""
    decision = _count_failure(request)
    if not decision:
        return _too_many(request, decision, template, context)
    form.add_error("code", _("That code is not right. Try again."))
    return _render(request, template, context, status=200)


def _verified(request, device):
    """Mark this session verified by `device` (a new session key, as at sign-in)."""
    request.session.cycle_key()
    otp_login(request, device)
    ratelimit.reset(policy.RATE_SCOPE, request.user.pk, window=policy.failure_window())


# Recovery codes (a django-otp static device, one per user).


def make_recovery_codes(user):
    """Replace the user's recovery codes with `RECOVERY_CODES` new ones; return them."""
    with transaction.atomic():
        StaticDevice.objects.filter(user_id=user.pk).delete()
        device = StaticDevice.objects.create(
            user=user, name=policy.RECOVERY_DEVICE_NAME, confirmed=True
        )
        codes = [StaticToken.random_token() for _ in range(policy.RECOVERY_CODES)]
        StaticToken.objects.bulk_create(
            [StaticToken(device=device, token=code) for code in codes]
        )
    return codes


def recovery_codes_left(user):
    return StaticToken.objects.filter(
        device__user_id=user.pk, device__confirmed=True
    ).count()


def _show_codes(request, codes, target=""):
    return _render(
        request, "twofactor/recovery_codes.html", {"codes": codes, "next": target}
    )


# The authenticator app (a django-otp TOTP device).


def provisioning_uri(device, issuer):
    """The otpauth:// address an authenticator app reads from the QR code."""
    secret = b32encode(device.bin_key).decode()
    issuer = issuer.replace(":", "")
    label = "%s:%s" % (issuer, device.user.get_username())
    params = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        },
        quote_via=quote,
    )
    return "otpauth://totp/%s?%s" % (quote(label), params)


def _pending_app(user):
    """The app being set up: the unconfirmed device (kept across reloads) or a new one."""
    device = (
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=policy.APP_DEVICE_NAME, confirmed=False
        )
    return device


def _grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _code_step(request, form, template, context, *, accept):
    """
    The code step setup and verify share: the page on GET; on POST the
    per-user limit first, then the form, then `accept(code)`, which gives the
    device that took the code or None. Returns (device, None) when a code was
    taken, else (None, the response to send).
    """
    if request.method != "POST":
        return None, _render(request, template, context)
    locked = _locked(request)
    if not locked:
        return None, _too_many(request, locked, template, context)
    if not form.is_valid():
        return None, _render(request, template, context)
    device = accept(form.cleaned_data["code"])
    if device is None:
        return None, _wrong_code(request, form, template, context)
    return device, None


@staff_only
@require_http_methods(["GET", "HEAD", "POST"])
def setup(request):
    """The secret as a QR code and as text; the first code confirms it."""
    user = request.user
    target = _next(request)
    if policy.has_app(user):
        name = "twofactor:manage" if policy.is_verified(user) else "twofactor:verify"
        return HttpResponseRedirect(_with_next(name, target))
    device = _pending_app(user)
    secret = b32encode(device.bin_key).decode()
    uri = provisioning_uri(device, SiteSettings.load().name or "Newsroom")
    form = CodeForm(
        request.POST if request.method == "POST" else None,
        help_text=_("The 6-digit code your app shows now."),
    )
    context = {
        "form": form,
        "next": target,
        "qr_data_uri": segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
        "secret": _grouped(secret),
    }
    confirmed, response = _code_step(
        request,
        form,
        "twofactor/setup.html",
        context,
        accept=lambda code: device if device.verify_token(code) else None,
    )
    if confirmed is None:
        return response
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    _verified(request, device)
    return _show_codes(request, make_recovery_codes(user), target)


def _verify_with(user, code):
    """The device that accepts `code`: the app for 6 digits, else a recovery code."""
    if code.isdigit() and len(code) == APP_CODE_LENGTH:
        devices = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user_id=user.pk, confirmed=True)
    with transaction.atomic():
        for device in devices.select_for_update():
            if device.verify_token(code):
                return device
    return None


@staff_only
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    """A code from the app, or a recovery code (each works once)."""
    user = request.user
    target = _next(request)
    if policy.is_verified(user):
        return HttpResponseRedirect(target or reverse("admin:index"))
    if not policy.has_app(user):
        return HttpResponseRedirect(_with_next("twofactor:setup", target))
    form = CodeForm(
        request.POST if request.method == "POST" else None,
        help_text=_(
            "The 6-digit code your authenticator app shows, or one of your "
            "recovery codes."
        ),
    )
    context = {"form": form, "next": target}
    device, response = _code_step(
        request,
        form,
        "twofactor/verify.html",
        context,
        accept=lambda code: _verify_with(user, code),
    )
    if device is None:
        return response
    _verified(request, device)
    return HttpResponseRedirect(target or reverse("admin:index"))


def _verified_or_redirect(request):
    """None when the session may change two-factor settings, else where to go."""
    if policy.has_app(request.user) and not policy.is_verified(request.user):
        return HttpResponseRedirect(
            _with_next("twofactor:verify", reverse("twofactor:manage"))
        )
    return None


@staff_only
@require_http_methods(["GET", "HEAD"])
def manage(request):
    """Whether two-factor sign-in is on, recovery codes left, and what can change."""
    redirect = _verified_or_redirect(request)
    if redirect is not None:
        return redirect
    enabled = policy.has_app(request.user)
    return _render(
        request,
        "twofactor/manage.html",
        {
            "enabled": enabled,
            "codes_left": recovery_codes_left(request.user) if enabled else 0,
            "can_turn_off": enabled and not policy.required(),
        },
    )


@staff_only
@require_POST
def new_recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    redirect = _verified_or_redirect(request)
    if redirect is not None:
        return redirect
    if not policy.has_app(request.user):
        return HttpResponseRedirect(reverse("twofactor:setup"))
    return _show_codes(request, make_recovery_codes(request.user))


@staff_only
@require_POST
def turn_off(request):
    """Remove the user's app and recovery codes; only when the site does not require them."""
    if policy.required():
        raise PermissionDenied
    redirect = _verified_or_redirect(request)
    if redirect is not None:
        return redirect
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=request.user.pk).delete()
        StaticDevice.objects.filter(user_id=request.user.pk).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    return HttpResponseRedirect(reverse("twofactor:manage"))
