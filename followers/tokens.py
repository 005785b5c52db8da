"""Signed links in followers' e-mails: confirm (expires) and unfollow (never does)."""

from django.core import signing

from newsroom.conf import newsroom_setting

CONFIRM_SALT = "followers.confirm"
UNFOLLOW_SALT = "followers.unfollow"


class InvalidLink(Exception):
    """A link that was tampered with or is malformed."""


class ExpiredLink(InvalidLink):
    pass


def confirm_max_age():
    return newsroom_setting("FOLLOW_CONFIRM_MAX_AGE")


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
    # Short on purpose: the link also goes in the List-Unsubscribe header.
    return signing.Signer(salt=UNFOLLOW_SALT).sign(str(follower.pk))


def read_unfollow_token(token):
    """The follower id in an unfollow link; it works for as long as mails do."""
    try:
        return int(signing.Signer(salt=UNFOLLOW_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise InvalidLink
