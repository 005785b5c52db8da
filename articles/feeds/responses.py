"""
A FeedPage as a response in the format `alt` asks for: Atom (the default),
RSS or JSON Feed, with the headers every feed answer carries.

Every answer is public (`Access-Control-Allow-Origin: *`, Blogger widgets
read feeds from other sites) and has a `Last-Modified`: when this address
first gave exactly this body, so it moves for anything shown and never
backwards (the ETag comes from the conditional-GET middleware). Blogger's
`alt=json` / `alt=json-in-script` are written by blogger/json_feed.py.
"""

import hashlib
import json

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import http_date

from .atom import AtomFeed, PostsFeed, RssFeed
from .jsonfeed import JSON_FEED_TYPE, json_feed_document, post_item

FORMATS = ("atom", "rss", "jsonfeed")
LAST_MODIFIED_SECONDS = 30 * 24 * 3600


def last_modified_for(request, body):
    """
    When this address first answered exactly this body: Last-Modified moves
    whenever anything shown changes (a comment count, a label, a deleted
    post), not only when a post's own time does; never backwards.
    """
    key = (
        "feeds:lm:%s"
        % hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    )
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    now = int(timezone.now().timestamp())
    seen = cache.get(key)
    if seen is not None and seen[0] == digest:
        return seen[1]
    moment = now if seen is None else max(now, seen[1] + 1)
    cache.set(key, (digest, moment), timeout=LAST_MODIFIED_SECONDS)
    return moment


def public_feed_response(page, response):
    """`response` with the headers of every feed answer."""
    # Feeds are public: any site's page may read them (Blogger widgets do).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Last-Modified"] = http_date(
        last_modified_for(page.request, response.content)
    )
    return response


def render_feed(page, *, feed_class=PostsFeed, write_item=post_item):
    """
    The page as Atom, RSS or JSON Feed. `feed_class` writes Atom and RSS
    entries, `write_item` JSON Feed items (comments pass their own).
    """
    alt = page.query.alt
    if alt == "jsonfeed":
        response = HttpResponse(
            json.dumps(json_feed_document(page, write_item), ensure_ascii=False),
            content_type=JSON_FEED_TYPE,
        )
    elif alt in ("atom", "rss"):
        writer = AtomFeed if alt == "atom" else RssFeed
        response = feed_class(page, writer)(page.request)
    else:
        raise ValueError("alt=%s is not written here." % alt)
    return public_feed_response(page, response)
