"""
Device cookies (OWASP's "slow down online guessing attacks with device
cookies"): after a successful sign-in the browser gets a signed cookie naming
the user and a random nonce. A sign-in for that username from that browser is
then counted against the device's own limit, not the username's, so whoever
guesses a reader's password from elsewhere cannot lock the reader out.

The cookie is set by accounts.middleware.SignInMiddleware on the response to
any sign-in (reader, admin, confirmed sign-up), from the `user_logged_in`
signal, and by an unlock link (accounts/unlock.py).
"""

import secrets

from django.conf import settings
from django.core import signing

from .limits import setting, username_key

COOKIE_NAME = "newsroom_device"
SALT = "accounts.device-cookie"
# What the middleware writes on the response (a signed value).
REQUEST_ATTRIBUTE = "_newsroom_device_cookie"


def max_age_seconds():
    return int(setting("SIGNIN_DEVICE_COOKIE_DAYS")) * 24 * 3600


def make_value(username):
    return signing.dumps(
        {"u": username_key(username), "n": secrets.token_urlsafe(16)}, salt=SALT
    )


def nonce_for(request, username):
    """The nonce of the request's valid device cookie for `username`, or None."""
    if request is None or not username:
        return None
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=SALT, max_age=max_age_seconds())
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    nonce = data.get("n")
    if data.get("u") != username_key(username) or not isinstance(nonce, str):
        return None
    return nonce or None


def issue(request, username):
    """Have the middleware give this browser a device cookie for `username`."""
    if request is not None:
        setattr(request, REQUEST_ATTRIBUTE, make_value(username))


def write(request, response):
    value = getattr(request, REQUEST_ATTRIBUTE, None)
    if value is None:
        return
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=max_age_seconds(),
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
