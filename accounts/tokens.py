"""Signed, time-limited links in account e-mails: sign-up confirmation, unlock."""

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .limits import setting

SIGNUP_SALT = "accounts.signup-confirm"
UNLOCK_SALT = "accounts.unlock"


class InvalidLink(Exception):
    """A link that was tampered with or is malformed."""


class ExpiredLink(InvalidLink):
    pass


def _state(user):
    # Changes when the account is confirmed (or its address or password
    # changes), so a confirmation link works once.
    value = "%s|%s|%s|%s" % (user.pk, user.is_active, user.email, user.password)
    return salted_hmac(SIGNUP_SALT, value, algorithm="sha256").hexdigest()[:24]


def make_signup_token(user):
    return signing.dumps({"u": user.pk, "s": _state(user)}, salt=SIGNUP_SALT)


def _loads(token, salt, max_age):
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredLink
    except signing.BadSignature:
        raise InvalidLink


def read_signup_token(token):
    """(user id, state) from a confirmation link."""
    data = _loads(token, SIGNUP_SALT, int(setting("SIGNUP_CONFIRM_MAX_AGE_SECONDS")))
    if not isinstance(data, dict):
        raise InvalidLink
    user_id, state = data.get("u"), data.get("s")
    if not isinstance(user_id, int) or not isinstance(state, str):
        raise InvalidLink
    return user_id, state


def signup_token_matches(user, state):
    return constant_time_compare(_state(user), state)


def make_unlock_token(nonce):
    return signing.dumps({"n": nonce}, salt=UNLOCK_SALT)


def read_unlock_token(token):
    data = _loads(
        token, UNLOCK_SALT, int(setting("SIGNIN_UNLOCK_LINK_MAX_AGE_SECONDS"))
    )
    nonce = data.get("n") if isinstance(data, dict) else None
    if not isinstance(nonce, str) or not nonce:
        raise InvalidLink
    return nonce
