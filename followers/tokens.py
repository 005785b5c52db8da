"""Signed links in followers' e-mails: confirm (expires) and unfollow (never does)."""

from datetime import timedelta

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "followers.confirm"
UNFOLLOW_SALT = "followers.unfollow"
DEFAULT_CONFIRM_MAX_AGE = timedelta(days=3)


class InvalidLink(Exception):
    """A link that was tampered with or is malformed."""


class ExpiredLink(InvalidLink):
    pass


def confirm_max_age():
    return getattr(settings, "NEWSROOM", {}).get(
        "FOLLOW_CONFIRM_MAX_AGE", DEFAULT_CONFIRM_MAX_AGE
    )


def make_confirm_token(follower, label_ids):
    return signing.dumps(
        {"f": follower.pk, "n": follower.confirm_nonce, "l": sorted(label_ids)},
        salt=CONFIRM_SALT,
        compress=True,
    )


def read_confirm_token(token):
    """(follower id, nonce, label ids) from a confirmation link."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=confirm_max_age())
    except signing.SignatureExpired:
        raise ExpiredLink
    except signing.BadSignature:
        raise InvalidLink
    try:
        follower_id, nonce, label_ids = data["f"], data["n"], data["l"]
    except (KeyError, TypeError):
        raise InvalidLink
    if not isinstance(follower_id, int) or not all(
        isinstance(pk, int) for pk in label_ids
    ):
        raise InvalidLink
    return follower_id, str(nonce), list(label_ids)


def make_unfollow_token(follower):
    return signing.dumps({"f": follower.pk, "e": follower.email}, salt=UNFOLLOW_SALT)


def read_unfollow_token(token):
    """(follower id, e-mail) from an unfollow link; it works for as long as mails do."""
    try:
        data = signing.loads(token, salt=UNFOLLOW_SALT)
        return int(data["f"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidLink
