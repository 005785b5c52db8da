"""
The page cache's store: the site-wide generation every cached page and shared
part is keyed by, purges, and parts shared by every page (`remember`).

Anonymous GETs of public pages are stored whole (pagecache/middleware.py) in
the default cache (Redis when configured) under the current *generation*. A
change that apps registered (pagecache/registry.py) bumps it, so the pages it
may show on are purged at once, exactly when something shown may have changed;
an entry also never outlives the next scheduled publication, so a scheduled
post appears on time with no cron job.
"""

import threading
import time
from collections import OrderedDict
from urllib.parse import quote

from django.core.cache import cache
from django.db import transaction
from django.utils import translation

from newsroom.conf import newsroom_setting

GENERATION_KEY = "pagecache:generation"


def conf(name):
    """A page-cache setting from NEWSROOM (defaults and meanings: newsroom/conf.py)."""
    return newsroom_setting(name)


# Within one request the generation is read once (see `request_started`);
# purge() forgets it, so a page rendered after a change sees the new one.
_request_state = threading.local()


def generation():
    if getattr(_request_state, "active", False):
        value = getattr(_request_state, "generation", None)
        if value is None:
            value = _request_state.generation = _read_generation()
        return value
    return _read_generation()


def _read_generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A start value unlikely to repeat after the cache is flushed, so an
        # old entry in a shared cache can never be mistaken for a new one.
        value = time.time_ns()
        if not cache.add(GENERATION_KEY, value, timeout=None):
            value = cache.get(GENERATION_KEY, value)
    return value


def purge():
    """Forget every cached page (they are not deleted; nobody asks for them again)."""
    _request_state.generation = None
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def purge_now_and_on_commit():
    # Now, for readers of this transaction; after commit, so a page rendered
    # from the old rows meanwhile cannot survive under the new generation.
    purge()
    transaction.on_commit(purge)


def purge_tags(tags):
    """
    Purge the pages tagged `tags` (pagecache/registry.py lists them). Pages are
    not stored with their tags yet, so any tag purges every page, now and
    again after commit.
    """
    if tags:
        purge_now_and_on_commit()


def next_publication(gen):
    """The earliest scheduled publication time (epoch seconds), or None."""
    key = "pagecache:next:%s" % gen
    value = cache.get(key)
    now = time.time()
    if value is None or (value and value <= now):
        value = _query_next_publication() or 0
        ttl = conf("PAGE_CACHE_SECONDS")
        if value:
            ttl = max(1, min(ttl, int(value - now) + 1))
        cache.set(key, value, timeout=ttl)
    return value or None


def _query_next_publication():
    from .registry import next_scheduled

    moment = next_scheduled()
    return moment.timestamp() if moment else None


def entry_lifetime(gen):
    """Seconds a page stored now may live: the default, cut at the next publication."""
    ttl = conf("PAGE_CACHE_SECONDS")
    upcoming = next_publication(gen)
    if upcoming is not None:
        ttl = min(ttl, int(upcoming - time.time()))
    return ttl


def remember(name, compute):
    """
    `compute()`'s result, shared by every page until the next purge (or the
    next scheduled publication): for sidebar lists that every page shows.
    """
    if not conf("PAGE_CACHE"):
        return compute()
    gen = generation()
    key = "pagecache:part:%s:%s" % (gen, name)
    # This process keeps the parts it used lately: the key holds the
    # generation, so a purge reaches them too, and their expiry is checked.
    stored = _local_parts.get(key)
    if stored is None:
        stored = cache.get(key)
    if stored is not None and stored[0] > time.time():
        _local_parts.put(key, stored)
        return stored[1]
    value = compute()
    ttl = entry_lifetime(gen)
    if ttl > 0:
        stored = (time.time() + ttl, value)
        cache.set(key, stored, timeout=ttl)
        _local_parts.put(key, stored)
    return value


# Stands for the page's address in a part shared by every address; plain
# letters and digits, so no escaping or URL-quoting changes it.
PATH_MARK = "newsroomPATHmark0"


def remember_for_path(name, path, render):
    """
    HTML that is the same on every page but for the page's own address (a
    "Sign in" link back to it, the language form's return address): rendered
    once per purge and language by `render(PATH_MARK)`, the marker replaced by
    this page's URL-quoted path. Keyed without the path, so addresses that do
    not exist cannot fill the cache.
    """
    html = remember(
        "%s:%s" % (name, translation.get_language()), lambda: render(PATH_MARK)
    )
    return html.replace(PATH_MARK, quote(path, safe="/"))


class _LocalParts:
    """A small least-recently-used map, shared by the threads of a process."""

    SIZE = 1000

    def __init__(self):
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.SIZE:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


_local_parts = _LocalParts()


def request_started(**kwargs):
    _request_state.active = True
    _request_state.generation = None


def request_finished(**kwargs):
    _request_state.active = False
    _request_state.generation = None


def purge_after_migrate(**kwargs):
    purge()
