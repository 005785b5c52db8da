"""
Spam defences that need no outside service: a honeypot field, a signed form
timestamp (minimum fill time, maximum age), a per-IP rate limit kept in the
cache (shared by every process through Redis), a link limit and exact-duplicate
detection. Each refusal carries the message the reader sees.
"""

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _

from .models import Comment, target_kind

DEFAULTS = {
    # Seconds a person needs at least to write a comment; bots post at once.
    "MIN_FILL_SECONDS": 3,
    # A form older than this is refused (replayed or left open for days).
    "MAX_FORM_AGE": 24 * 3600,
    # At most RATE_LIMIT comments per RATE_WINDOW seconds from one address.
    "RATE_LIMIT": 5,
    "RATE_WINDOW": 600,
    "RATE_CACHE": "default",
    "MAX_LINKS": 2,
    "MAX_LENGTH": 4096,
    # Behind a proxy, the request header holding the reader's address
    # (for example "HTTP_X_REAL_IP"); REMOTE_ADDR otherwise.
    "CLIENT_IP_HEADER": "",
}
TOKEN_SALT = "comments.form-token"  # noqa: S105 - a signing salt, not a secret


def conf(name):
    """A comment setting: settings.COMMENTS[name], else the default above."""
    return getattr(settings, "COMMENTS", {}).get(name, DEFAULTS[name])


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    # Bot-like submissions are kept in the spam state for a moderator to check.
    store_as_spam: bool = False
    status: int = 200


HONEYPOT = Refusal(
    "honeypot",
    _(
        "Your comment was held as possible spam. If you wrote it yourself, "
        "leave the last field empty and send it again."
    ),
    store_as_spam=True,
)
TOO_FAST = Refusal(
    "too-fast",
    _(
        "That was very quick, so your comment was held as possible spam. "
        "Please read it over and send it again."
    ),
    store_as_spam=True,
)
FORGED = Refusal(
    "forged",
    _(
        "This form could not be checked, so your comment was held as possible "
        "spam. Please send it again."
    ),
    store_as_spam=True,
)
EXPIRED = Refusal(
    "expired",
    _("This form was open too long and has expired. Please send your comment again."),
)
RATE_LIMITED = Refusal(
    "rate-limited",
    _(
        "You have sent several comments in a short time. "
        "Please wait a few minutes and send this one again."
    ),
    status=429,
)
DUPLICATE = Refusal(
    "duplicate", _("You have already posted this comment on this post.")
)
DUPLICATE_ON_PAGE = Refusal(
    "duplicate", _("You have already posted this comment on this page.")
)


def form_token(target):
    """A signed token recording which post's or page's form was shown, and when."""
    return signing.dumps(
        {target_kind(target): target.pk, "at": time.time()}, salt=TOKEN_SALT
    )


def check_token(token, target):
    """The refusal a form token earns, or None when it is sound."""
    if not token:
        return FORGED
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=conf("MAX_FORM_AGE"))
    except signing.SignatureExpired:
        return EXPIRED
    except signing.BadSignature:
        return FORGED
    if not isinstance(data, dict) or data.get(target_kind(target)) != target.pk:
        return FORGED
    try:
        age = time.time() - float(data["at"])
    except (KeyError, TypeError, ValueError):
        return FORGED
    if age < conf("MIN_FILL_SECONDS"):
        return TOO_FAST
    return None


def client_ip(request):
    """The reader's address, or None when it is not a valid IP address."""
    header = conf("CLIENT_IP_HEADER") or "REMOTE_ADDR"
    value = request.META.get(header, "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def rate_limit_exceeded(ip, *, cache=None):
    """
    Count one comment from `ip` in the current window and say whether it goes
    over the limit. add() and incr() are atomic in Redis, so every process
    shares one count.
    """
    if not ip:
        return False
    cache = cache if cache is not None else caches[conf("RATE_CACHE")]
    window = conf("RATE_WINDOW")
    key = "comments:rate:%s" % ip
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ended between add() and incr(): start a new one.
        cache.set(key, 1, timeout=window)
        count = 1
    return count > conf("RATE_LIMIT")


def is_duplicate(target, text):
    """
    Whether the same text is already on the post or page. Spam does not
    count, so a person whose first try was taken for a bot can send it again.
    """
    return (
        Comment.objects.on(target)
        .filter(text=text)
        .exclude(status=Comment.Status.SPAM)
        .exists()
    )


def screen(*, target, cleaned_data, ip):
    """The first refusal a valid form on `target` earns, or None to accept it."""
    if rate_limit_exceeded(ip):
        return RATE_LIMITED
    if cleaned_data.get("website"):
        return HONEYPOT
    refusal = check_token(cleaned_data.get("token"), target)
    if refusal is not None:
        return refusal
    if is_duplicate(target, cleaned_data["text"]):
        return DUPLICATE if target_kind(target) == "post" else DUPLICATE_ON_PAGE
    return None
