"""
Spam defences that need no outside service: a honeypot field, a signed,
single-use form token (minimum fill time, maximum age), a per-address rate
limit, a link limit and exact-duplicate detection. Each refusal carries the
message the reader sees.

The form token is never part of a page that may be cached: an anonymous
reader's form fetches it with its CSRF token when the reader starts writing
(`/csrf-token?for=post-12`, static/js/csrf.js); a reader without JavaScript
gets it from the "Please confirm" page (newsroom/csrf.py), issued when the
server saw the first attempt. Signed-in readers' pages, never cached, carry
it directly. Each token holds a random nonce that is spent, atomically across
workers and servers (newsroom/ratelimit.py: Redis, else the database), when
its comment is stored.

Counts and nonces go through newsroom/ratelimit.py, the project's one limiter.
"""

import secrets
import time
from dataclasses import dataclass, replace

from django.core import signing
from django.utils.translation import gettext_lazy as _

from newsroom import ratelimit
from newsroom.conf import comments_setting

from .models import Block, Comment, target_kind

TOKEN_SALT = "comments.form-token"  # noqa: S105 - a signing salt, not a secret
TARGET_KINDS = ("post", "page")
RATE_SCOPE = "comments"
NONCE_SCOPE = "comment-token"
# Clocks of several app servers may differ a little: a token's nonce is kept
# from a while before its issue time.
CLOCK_SLACK = 300


def conf(name):
    """A comment setting from COMMENTS (defaults and meanings: newsroom/conf.py)."""
    return comments_setting(name)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    # Bot-like submissions are kept in the spam state for a moderator to check.
    store_as_spam: bool = False
    status: int = 200
    # For a 429: seconds until the reader may send again (Retry-After).
    retry_after: int = 0


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
REUSED = Refusal(
    "reused",
    _(
        "This form has already been sent once, so it was not sent again. "
        "If this is a new comment, please send it again."
    ),
)
RATE_LIMITED = Refusal(
    "rate-limited",
    _(
        "You have sent several comments in a short time. "
        "Please wait a few minutes and send this one again."
    ),
    status=429,
)
# A blocked commenter (account, e-mail or address) is not told so: their
# comment is kept as spam for the moderators, as a robot's would be, and the
# message is the same whoever sends it.
BLOCKED = Refusal(
    "blocked",
    _(
        "Your comment could not be published. It has been kept for the "
        "moderators to look at."
    ),
    store_as_spam=True,
)
DUPLICATE = Refusal(
    "duplicate", _("You have already posted this comment on this post.")
)
DUPLICATE_ON_PAGE = Refusal(
    "duplicate", _("You have already posted this comment on this page.")
)


def target_name(target):
    """What a form names its post or page by for `/csrf-token?for=`: "post-12"."""
    return "%s-%d" % (target_kind(target), target.pk)


def make_token(kind, pk, *, at=None):
    """
    A signed token for the comment form of post or page `pk` (`kind`): issued
    at `at` (now by default), with a random nonce that makes it single-use.
    """
    return signing.dumps(
        {
            kind: int(pk),
            "at": time.time() if at is None else float(at),
            "n": secrets.token_urlsafe(16),
        },
        salt=TOKEN_SALT,
    )


def form_token(target, *, at=None):
    """A fresh form token for the form of `target` (a post or a page)."""
    return make_token(target_kind(target), target.pk, at=at)


def token_for_name(name):
    """
    A fresh form token for a form named like "post-12", or None for any other
    value. The post need not exist: a token for nothing is refused there.
    """
    kind, _sep, pk = str(name).partition("-")
    if kind not in TARGET_KINDS or not pk.isdigit() or len(pk) > 18:
        return None
    return make_token(kind, int(pk))


@dataclass(frozen=True)
class Token:
    issued_at: float
    nonce: str

    @property
    def age(self):
        return time.time() - self.issued_at


def read_token(token, target):
    """
    `(token, None)` for a sound, unexpired token for `target`'s form, else
    `(None, refusal)`. Whether it is spent is only known by `spend()`.
    """
    if not token:
        return None, FORGED
    max_age = conf("MAX_FORM_AGE")
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        return None, EXPIRED
    except signing.BadSignature:
        return None, FORGED
    if not isinstance(data, dict) or data.get(target_kind(target)) != target.pk:
        return None, FORGED
    try:
        issued_at = float(data["at"])
    except (KeyError, TypeError, ValueError):
        return None, FORGED
    nonce = data.get("n")
    if not isinstance(nonce, str) or not nonce:
        # Made before tokens were single-use: sound, but too old to trust.
        return None, EXPIRED
    token = Token(issued_at, nonce)
    if token.age > max_age:
        return None, EXPIRED
    return token, None


def check_token(token, target):
    """The refusal a form token earns before it is spent, or None when it is sound."""
    token, refusal = read_token(token, target)
    if refusal is not None:
        return refusal
    if token.age < conf("MIN_FILL_SECONDS"):
        return TOO_FAST
    return None


def spend(token):
    """
    Spend the token's nonce: True the first time, False for every later use,
    atomically across workers and servers. It is remembered for the token's
    whole life, and CLOCK_SLACK either side of it.
    """
    return ratelimit.once(
        NONCE_SCOPE, token.nonce, ttl=conf("MAX_FORM_AGE") + 2 * CLOCK_SLACK
    )


def count_comment(request):
    """Count one comment from the reader's address; the limiter's decision."""
    return ratelimit.hit(
        RATE_SCOPE,
        ratelimit.client_group(request),
        limit=conf("RATE_LIMIT"),
        window=conf("RATE_WINDOW"),
    )


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


def is_blocked(request, email):
    """Whether the sender's account, e-mail or address is blocked (one query)."""
    user = getattr(request, "user", None)
    return Block.objects.matching(
        user=user if user is not None and user.is_authenticated else None,
        email=email,
        address=ratelimit.client_address(request) or "",
    ).exists()


def screen(request, *, target, cleaned_data):
    """
    The first refusal a valid form on `target` earns, or None to accept it.
    A comment that will be stored (accepted, or kept as spam) spends its
    token; a token already spent earns REUSED and nothing is stored.
    """
    decision = count_comment(request)
    if not decision.allowed:
        return replace(RATE_LIMITED, retry_after=decision.retry_after)
    token, refusal = read_token(cleaned_data.get("token"), target)
    if is_blocked(request, cleaned_data.get("email", "")):
        refusal = BLOCKED
    elif cleaned_data.get("website"):
        refusal = HONEYPOT
    elif refusal is None and token.age < conf("MIN_FILL_SECONDS"):
        refusal = TOO_FAST
    elif refusal is None and is_duplicate(target, cleaned_data["text"]):
        refusal = DUPLICATE if target_kind(target) == "post" else DUPLICATE_ON_PAGE
    stored = refusal is None or refusal.store_as_spam
    if stored and token is not None and not spend(token):
        return REUSED
    return refusal
