"""
The one reader of Newsroom's own settings: the `NEWSROOM` and `COMMENTS`
dictionaries in Django's settings.

Every key is listed here once, with its default and what it does. A deployer
sets only the keys they change; the rest keep their defaults:

    NEWSROOM = {"PAGE_SIZE": 30}            # every other key: its default

Read a value with `newsroom_setting("PAGE_SIZE")` or `comments_setting(...)`.
A key that is not listed here is a system check warning naming it
(newsroom.W001 / newsroom.W002), never a KeyError in the middle of a request;
reading an unlisted key in code is a programming error (KeyError at once, in
tests too).

The image settings (`NEWSROOM_IMAGE_*`, `NEWSROOM_IFRAME_HOSTS`) are separate
top-level settings read by articles/thumbnails.py, articles/forms.py and
articles/sanitize.py; the sizes' ladder, crop aspects and the most files one
image may have (`NEWSROOM_IMAGE_LADDER`, `_ASPECTS`, `_MAX_VARIANTS`) are
checked at start-up (articles.E002-E004).
"""

import os
from datetime import timedelta

from django.conf import settings
from django.core import checks

HOUR = 3600

NEWSROOM_DEFAULTS = {
    # -- Pages and feeds (articles) --------------------------------------
    # Posts per page, as on Blogger.
    "PAGE_SIZE": 20,
    # Entries per feed when max-results is not given.
    "FEED_SIZE": 25,
    # The largest max-results a page or feed accepts.
    "MAX_RESULTS": 150,
    # The site's address in e-mails sent outside a request (followers' digest).
    "SITE_URL": "http://127.0.0.1:8000",
    # How long an editor's preview link works.
    "PREVIEW_MAX_AGE": timedelta(days=3),
    # -- Page cache (pagecache/) -----------------------------------------
    # Cache whole pages for anonymous readers.
    "PAGE_CACHE": True,
    # How long a cached page is kept when nothing changes.
    "PAGE_CACHE_SECONDS": 600,
    # Addresses never cached.
    "PAGE_CACHE_EXCLUDED_PREFIXES": (
        "/admin/",
        "/accounts/",
        "/comments/",
        "/csrf-token",
        "/i18n/",
        "/img/",
        "/media/",
        "/static/",
        "/two-factor/",
        "/healthz",
    ),
    # Cookies that never change what a page shows to an anonymous reader (the
    # language cookie is part of the cache key instead).
    "PAGE_CACHE_HARMLESS_COOKIES": ("csrftoken", "django_language"),
    # Query strings longer than this are not cached.
    "PAGE_CACHE_MAX_QUERY": 512,
    # Entries kept for one address with different query parameters (search
    # words, pages of a feed): past this many, further ones are drawn uncached.
    "PAGE_CACHE_ENTRIES_PER_PATH": 200,
    # The HTTP cache in front of the app (the edge: Varnish with xkey, see
    # docs/production.md): after each purge, every address here receives a
    # PURGE request naming the purged tags in an `xkey-purge` header, e.g.
    # ("http://127.0.0.1:6081/",). Empty: no edge, nothing is sent. The
    # environment variable DJANGO_EDGE_PURGE_URLS (comma-separated) sets the
    # default, so `make serve-edge` needs no settings module of its own.
    "EDGE_PURGE_URLS": tuple(
        url.strip()
        for url in os.environ.get("DJANGO_EDGE_PURGE_URLS", "").split(",")
        if url.strip()
    ),
    # -- Clients and rate limits (newsroom/ratelimit.py) ------------------
    # Behind a proxy: the request header holding the client's address (for
    # example "HTTP_X_REAL_IP"); REMOTE_ADDR when empty.
    "CLIENT_IP_HEADER": "",
    # In a list header (X-Forwarded-For), how many entries from the right
    # were added by our own proxies.
    "TRUSTED_PROXY_COUNT": 1,
    # -- Accounts (accounts/limits.py; see docs/readers.md) ---------------
    "SIGNIN_THROTTLE_FAILURES": 5,
    "SIGNIN_THROTTLE_ADDRESS_FAILURES": 20,
    "SIGNIN_THROTTLE_DEVICE_FAILURES": 10,
    "SIGNIN_THROTTLE_WINDOW_SECONDS": 15 * 60,
    "SIGNIN_DEVICE_COOKIE_DAYS": 180,
    "SIGNIN_UNLOCK_LINK_MAX_AGE_SECONDS": HOUR,
    "SIGNIN_UNLOCK_MAILS_PER_HOUR": 3,
    "SIGNIN_UNLOCK_REQUESTS_PER_ADDRESS_PER_HOUR": 10,
    "SIGNUP_PER_ADDRESS_PER_HOUR": 10,
    "SIGNUP_CONFIRM_MAX_AGE_SECONDS": 3 * 24 * HOUR,
    "PASSWORD_RESET_PER_ADDRESS_PER_HOUR": 10,
    "ACCOUNT_MAILS_PER_EMAIL_PER_HOUR": 3,
    # -- Followers (followers/) -------------------------------------------
    # How long a follow confirmation link works.
    "FOLLOW_CONFIRM_MAX_AGE": timedelta(days=3),
    # -- Two-factor sign-in (twofactor/) ----------------------------------
    # Staff must pass a second factor before the admin and moderation.
    "REQUIRE_2FA_FOR_STAFF": False,
    # Wrong codes per user in the window before 429.
    "TWOFACTOR_MAX_FAILURES": 5,
    "TWOFACTOR_FAILURE_WINDOW": 15 * 60,
    # More view names (beyond the admin and moderation) that need it.
    "TWOFACTOR_STAFF_VIEWS": (),
}

COMMENTS_DEFAULTS = {
    # Seconds a person needs at least to write a comment; bots post at once.
    "MIN_FILL_SECONDS": 3,
    # A form older than this is refused (replayed or left open for days).
    "MAX_FORM_AGE": 24 * HOUR,
    # At most RATE_LIMIT comments per RATE_WINDOW seconds from one address
    # (an IPv6 /64 counts as one address).
    "RATE_LIMIT": 5,
    "RATE_WINDOW": 600,
    # Links allowed in one comment, and its length.
    "MAX_LINKS": 2,
    "MAX_LENGTH": 4096,
    # The older name of NEWSROOM["CLIENT_IP_HEADER"], still read when that is
    # empty.
    "CLIENT_IP_HEADER": "",
}


def _read(setting_name, defaults, key):
    if key not in defaults:
        raise KeyError("%s has no key %r (newsroom/conf.py)" % (setting_name, key))
    return (getattr(settings, setting_name, None) or {}).get(key, defaults[key])


def newsroom_setting(key):
    """settings.NEWSROOM[key], or its default."""
    return _read("NEWSROOM", NEWSROOM_DEFAULTS, key)


def comments_setting(key):
    """settings.COMMENTS[key], or its default."""
    return _read("COMMENTS", COMMENTS_DEFAULTS, key)


def check_settings(app_configs=None, **kwargs):
    """A warning for each key of NEWSROOM or COMMENTS that nothing reads."""
    warnings = []
    for number, (name, defaults) in enumerate(
        (("NEWSROOM", NEWSROOM_DEFAULTS), ("COMMENTS", COMMENTS_DEFAULTS)), start=1
    ):
        value = getattr(settings, name, None)
        if value is None:
            continue
        if not isinstance(value, dict):
            warnings.append(
                checks.Warning(
                    "%s should be a dictionary." % name,
                    id="newsroom.W00%d" % number,
                )
            )
            continue
        for key in sorted(set(value) - set(defaults)):
            warnings.append(
                checks.Warning(
                    "%s[%r] is not a Newsroom setting and is ignored." % (name, key),
                    hint="The known keys, with their defaults, are in newsroom/conf.py.",
                    id="newsroom.W00%d" % number,
                )
            )
    return warnings
