"""
After the switch from Blogger: a 404 on an old-looking address answers 301
when editors made a redirect for it, and is counted in a log when not. Only
404 responses do any work; a failure here never turns a 404 into a 500.
"""

import logging
import re

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponsePermanentRedirect
from django.utils import timezone

from comments.feeds import renumbered_path

from .models import PATH_MAX_LENGTH, REFERRER_MAX_LENGTH, MissedAddress, Redirect

logger = logging.getLogger(__name__)

# At most this many distinct addresses are logged; later misses of logged
# addresses are still counted.
MAX_MISSED_ADDRESSES = 10_000

# Blogger's public addresses (the query, e.g. `?m=1`, is not part of the path).
OLD_BLOGGER_PATH = re.compile(
    r"""^/(?:
        [0-9]{4}/[0-9]{2}/[^/]+\.html        # a post
      | [0-9]{4}(?:/[0-9]{2}(?:/[0-9]{2})?)?/?  # an archive by year, month, day
      | [0-9]{4}_[0-9]{2}(?:_[0-9]{2})?_archive\.html  # an archive page
      | p/[^/]+\.html                        # a page
      | search/label/.+                      # a label
      | search/?                             # a search
      | feeds/.*                             # any feed
      | (?:atom|rss)\.xml                    # the blog's feed
    )$""",
    re.VERBOSE,
)


def looks_like_blogger(path):
    """Whether `path` (without the query) has the shape of an old Blogger address."""
    return bool(OLD_BLOGGER_PATH.match(path))


def _clean(text, length):
    # What the database can store: no NUL, no lone surrogates, bounded.
    text = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text[:length]


def find_redirect(path):
    try:
        redirect = (
            Redirect.objects.select_related("post", "page", "label")
            .filter(old_path=path)
            .first()
        )
        return redirect.target_url() if redirect else None
    except DatabaseError:
        logger.exception("Reading the redirect for %r failed", path)
        return None


def find_renumbered(path):
    """A renumbered page's old comment-feed address: its new one (comments.feeds)."""
    try:
        return renumbered_path(path)
    except DatabaseError:
        logger.exception("Reading the new number for %r failed", path)
        return None


def count_miss(path, referrer):
    """One more miss for `path`: one UPDATE, or an INSERT the first time."""
    now = timezone.now()
    try:
        with transaction.atomic():
            if MissedAddress.objects.filter(path=path).update(
                hits=F("hits") + 1, last_seen=now, last_referrer=referrer
            ):
                return
        if MissedAddress.objects.count() >= MAX_MISSED_ADDRESSES:
            return
        try:
            with transaction.atomic():
                MissedAddress.objects.create(path=path, last_referrer=referrer)
        except IntegrityError:
            # Another request logged it first: count this one too.
            with transaction.atomic():
                MissedAddress.objects.filter(path=path).update(
                    hits=F("hits") + 1, last_seen=now, last_referrer=referrer
                )
    except DatabaseError:
        logger.exception("Counting the miss of %r failed", path)


class MissedAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        path = request.path
        if len(path) > PATH_MAX_LENGTH or "\x00" in path:
            return response
        path = _clean(path, PATH_MAX_LENGTH)
        # Any address editors redirected; only old-looking ones are logged.
        target = find_redirect(path)
        if target:
            return HttpResponsePermanentRedirect(target)
        renumbered = find_renumbered(path)
        if renumbered:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                renumbered + ("?" + query if query else "")
            )
        if request.method == "GET" and looks_like_blogger(path):
            referrer = request.headers.get("Referer", "")
            count_miss(path, _clean(referrer, REFERRER_MAX_LENGTH))
        return response
