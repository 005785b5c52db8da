"""
The page cache's store: what each page and shared part shows (its *tags*),
purges by tag, and parts shared by every page (`remember`).

Anonymous GETs of public pages are stored whole (pagecache/middleware.py) in
the default cache (Redis when configured). While a page or a shared part is
rendered, the code that draws something names it: `tag("post:12")`,
`tag("home")` (docs/architecture.md lists the tags). The entry keeps the
*version* of each of its tags; a change that apps registered
(pagecache/registry.py) bumps the versions of the tags it names, so exactly
the entries showing it stop matching, on every app server at once, and the
edge (pagecache/edge.py) is sent the same tags. A part's tags are also the
page's, so a page holding a cached part still learns what it shows. An entry
never outlives the next scheduled publication, so a scheduled post appears on
time with no cron job. `purge()` ends every entry at once (a new generation).

Races: a page rendered from rows read before a change, but stored after the
change's purge, must not be kept with the new versions. Every purge first
bumps a purge counter, then the tags; an entry is stored only if the counter
did not move while it was rendered, so its versions can only be older than
its rows (it is then merely purged early).
"""

import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from urllib.parse import quote

from django.core.cache import cache
from django.db import transaction
from django.utils import translation

from newsroom.conf import newsroom_setting

GENERATION_KEY = "pagecache:generation"
# Bumped by every purge before its tags (see the module's note on races).
PURGES_KEY = "pagecache:purges"
TAG_KEY = "pagecache:tag:%s"
# Every entry shows the site (its settings): purging `site` purges everything.
SITE_TAG = "site"
# An entry that names nothing at all is purged by any change, so a page that
# forgets to name what it shows costs speed, never correctness.
ANY_CHANGE = "*"
# A page naming more tags of one kind than this (a sitemap's thousand posts)
# keeps one tag for the kind instead (`post:*`), purged by any of them: tags
# stay few enough for a header and for one cache read.
MAX_TAGS_PER_KIND = 60

logger = logging.getLogger(__name__)


def conf(name):
    """A page-cache setting from NEWSROOM (defaults and meanings: newsroom/conf.py)."""
    return newsroom_setting(name)


# Within one request the generation and the purge counter are read once,
# together (see `request_started`); a purge forgets them, so a page rendered
# after a change sees the new ones.
_request_state = threading.local()


def generation():
    return _snapshot()[0]


def _snapshot():
    """(generation, purge counter) as this request first saw them."""
    if getattr(_request_state, "active", False):
        snapshot = getattr(_request_state, "snapshot", None)
        if snapshot is None:
            snapshot = _request_state.snapshot = _read_snapshot()
        return snapshot
    return _read_snapshot()


def _read_snapshot():
    found = cache.get_many([GENERATION_KEY, PURGES_KEY])
    value = found.get(GENERATION_KEY)
    if value is None:
        value = _read_generation()
    counter = found.get(PURGES_KEY)
    if counter is None:
        # As for the generation: a start no earlier counter can equal.
        counter = time.time_ns()
        if not cache.add(PURGES_KEY, counter, timeout=None):
            counter = cache.get(PURGES_KEY)
    return value, counter


def _read_generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A start value unlikely to repeat after the cache is flushed, so an
        # old entry in a shared cache can never be mistaken for a new one.
        value = time.time_ns()
        if not cache.add(GENERATION_KEY, value, timeout=None):
            value = cache.get(GENERATION_KEY, value)
    return value


def _bump(key):
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, time.time_ns(), timeout=None)


def purge():
    """Forget every cached page and part (nobody asks for them again), here and at the edge."""
    _forget_request_state()
    _bump(PURGES_KEY)
    _bump(GENERATION_KEY)
    _bump(PURGES_KEY)
    _send_to_edge([SITE_TAG])


def purge_now_and_on_commit():
    # Now, for readers of this transaction; after commit, so a page rendered
    # from the old rows meanwhile cannot survive under the new generation.
    purge()
    transaction.on_commit(purge)


def _purge_versions(tags):
    # The counter moves before the tags (an entry drawn meanwhile is not
    # stored) and again after them (versions a process keeps while the
    # counter stands still are never older than the tags: `_Versions`).
    _forget_request_state()
    _bump(PURGES_KEY)
    for key in sorted({TAG_KEY % tag for tag in tags}):
        _bump(key)
    _bump(PURGES_KEY)


def purge_tags(tags):
    """
    Purge the pages and parts showing any of `tags` (docs/architecture.md lists
    them): now, for readers of this transaction, and again after commit, when
    the edge is told too. In a transaction the purges gather (`_Gathered`):
    a tag is bumped now once until an entry may have been stored with it, and
    every tag once after commit, so deleting 10,000 posts is not 500,000
    cache writes.
    """
    tags = expand(tags)
    if not tags:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _purge_versions(tags)
        _after_commit(tags)
        return
    gathered = _Gathered.of(connection)
    if gathered.versions_read != _versions_read:
        # An entry may have been stored since with the versions bumped now.
        gathered.now.clear()
        gathered.versions_read = _versions_read
    fresh = tags - gathered.now
    if fresh:
        _purge_versions(fresh)
        gathered.now |= fresh
    gathered.later |= tags


def _after_commit(tags):
    _purge_versions(tags)
    _send_to_edge(sorted(tags))


# How many times versions() was read in this process: an entry is stored only
# with versions just read, so while this stands still, no entry holds a
# version bumped since (`purge_tags` bumps it again only then).
_versions_read = 0
_gathering = threading.local()


class _Gathered:
    """
    The purges of one transaction (of this thread's connection). Each purge
    still hooks the commit (so a test capturing the hooks of a block runs
    one), but the first hook to run bumps every gathered tag and the rest
    find nothing left.
    """

    def __init__(self):
        self.now = set()  # bumped now, and not read since
        self.later = set()  # to bump after commit
        self.versions_read = _versions_read
        self.callback = self.flush  # one bound method, found again by identity
        self.hook = -1

    @classmethod
    def of(cls, connection):
        """This transaction's (made when missing), its commit hooked once more."""
        gathered = getattr(_gathering, "current", None)
        hooks = connection.run_on_commit
        if (
            gathered is None
            or gathered.hook >= len(hooks)
            or hooks[gathered.hook][1] is not gathered.callback
        ):
            # None yet, or its hooks went with a rollback (or a savepoint's).
            gathered = _gathering.current = cls()
        transaction.on_commit(gathered.callback)
        gathered.hook = len(hooks) - 1
        return gathered

    def flush(self):
        if getattr(_gathering, "current", None) is self:
            _gathering.current = None
        if self.later:
            tags, self.later = self.later, set()
            _after_commit(tags)


def expand(tags):
    """`tags` with what a change of them also purges: their kind's `kind:*`, and `*`."""
    tags = set(tags)
    if not tags:
        return tags
    kinds = {tag.split(":", 1)[0] + ":*" for tag in tags if ":" in tag}
    return tags | kinds | {ANY_CHANGE}


def _send_to_edge(tags):
    from . import edge

    edge.purge(tags)


# -- What is being rendered: tags ------------------------------------------


def tag(*tags):
    """Name what the page (and the shared part) being rendered shows."""
    stack = getattr(_request_state, "scopes", None)
    if stack:
        stack[-1].update(tags)


@contextmanager
def collecting():
    """
    Collect the tags named while the block runs (yielded as a set). Tags of
    an inner block are also the outer block's: a page shows what its parts show.
    """
    stack = _request_state.__dict__.setdefault("scopes", [])
    tags = set()
    stack.append(tags)
    try:
        yield tags
    finally:
        stack.pop()
        if stack:
            stack[-1].update(tags)


def compact(tags):
    """
    The tags an entry keeps: at most MAX_TAGS_PER_KIND of a kind (else the
    kind's `kind:*`); `*` when nothing at all was named (a part showing only
    site-wide things names `site`); and always `site`.
    """
    kinds = {}
    for name in tags:
        if ":" in name:
            kinds.setdefault(name.split(":", 1)[0], []).append(name)
    kept = set(tags)
    for kind, names in kinds.items():
        if len(names) > MAX_TAGS_PER_KIND:
            kept.difference_update(names)
            kept.add(kind + ":*")
    if not kept:
        kept.add(ANY_CHANGE)
    kept.add(SITE_TAG)
    return kept


def keeping():
    """
    Whether what is stored now will be kept: False while the cache says it is
    away (newsroom/cache.py), when pages and parts are drawn and not stored.
    """
    available = getattr(cache, "available", None)
    return available() if callable(available) else True


def purge_counter():
    return cache.get(PURGES_KEY)


def versions(tags):
    """
    {tag: current version} for `tags`, read in one round trip. Within a
    request, versions already read are reused: a version read earlier can
    only be older, which makes an entry stored with it end early, never late.
    """
    global _versions_read
    _versions_read += 1
    known = _request_versions()
    wanted = _wanted(tags, known)
    if wanted:
        keys = {TAG_KEY % name: name for name in wanted}
        found = cache.get_many(list(keys))
        read = {}
        for key, name in keys.items():
            value = found.get(key)
            if value is None:
                # Never set, or evicted: start a new version, so an entry kept
                # with an older one can never match it again.
                value = time.time_ns()
                if not cache.add(key, value, timeout=None):
                    value = cache.get(key, value)
            read[name] = value
        _keep(known, read)
    return {name: known[name] for name in tags}


def current(stored):
    """Whether an entry kept with `stored` ({tag: version}) still shows the present."""
    if not stored:
        return True
    known = _request_versions()
    wanted = _wanted(stored, known)
    if wanted:
        keys = {TAG_KEY % name: name for name in wanted}
        found = cache.get_many(list(keys))
        _keep(known, {name: found[key] for key, name in keys.items() if key in found})
    return all(known.get(name) == version for name, version in stored.items())


def expect(tags):
    """
    Tags whose versions this request will soon check (the posts of a list of
    cards): read with the next versions read, in the same round trip.
    """
    if getattr(_request_state, "active", False):
        pending = getattr(_request_state, "pending", None)
        if pending is None:
            pending = _request_state.pending = set()
        pending.update(tags)


def _wanted(names, known):
    """`names` not read yet in this request, with the tags it expects."""
    wanted = set(name for name in names if name not in known)
    pending = getattr(_request_state, "pending", None)
    if wanted and pending:
        wanted |= {name for name in pending if name not in known}
        pending.clear()
    return sorted(wanted)


class _Versions:
    """
    Tag versions this process has read, good for as long as the purge counter
    stands where it stood when they were read: a purge moves the counter
    before and after its tags, so no version kept here can be older than its
    tag while the counter is unchanged. A cached page is then checked with
    one cache read (the counter, read with the generation at the start of
    the request) instead of one for its tags.
    """

    MOST = 50_000

    def __init__(self):
        self.lock = threading.Lock()
        self.counter = None
        self.known = {}

    def for_counter(self, counter):
        with self.lock:
            if counter != self.counter or len(self.known) > self.MOST:
                self.counter, self.known = counter, {}
            return self.known

    def clear(self):
        with self.lock:
            self.counter, self.known = None, {}


_process_versions = _Versions()


class _RequestVersions:
    """This request's versions: its own reads, then those the process keeps."""

    def __init__(self, shared, counter):
        self.own, self.shared, self.counter = {}, shared, counter

    def __contains__(self, name):
        return name in self.own or name in self.shared

    def get(self, name, default=None):
        if name in self.own:
            return self.own[name]
        return self.shared.get(name, default)

    def __getitem__(self, name):
        if name in self.own:
            return self.own[name]
        return self.shared[name]

    def update(self, read):
        self.own.update(read)


def _request_versions():
    """Versions read in this request ({} outside a request: nothing is reused)."""
    if not getattr(_request_state, "active", False):
        return {}
    known = getattr(_request_state, "versions", None)
    if known is None:
        _generation, counter = _snapshot()
        shared = _process_versions.for_counter(counter) if counter else {}
        known = _request_state.versions = _RequestVersions(shared, counter)
    return known


def _keep(known, read):
    """Versions just read: for this request, and for the process if no purge began."""
    known.update(read)
    if isinstance(known, _RequestVersions) and known.counter:
        if purge_counter() == known.counter:
            known.shared.update(read)


def _forget_request_state():
    _request_state.snapshot = None
    _request_state.versions = None
    _request_state.pending = None


def next_publication(gen):
    """The earliest scheduled publication time (epoch seconds), or None."""
    # Any purge may have scheduled something: the purge counter is in the key.
    key = "pagecache:next:%s:%s" % (gen, purge_counter())
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
    return int(entry_deadline(gen) - time.time())


def entry_deadline(gen):
    """
    The moment (epoch seconds) a page or part drawn from now on stops being
    good: the default lifetime, cut at the next scheduled publication. Read
    *before* drawing: a page drawn just before a post's time but stored just
    after it must not be kept as if nothing were scheduled.
    """
    now = time.time()
    deadline = now + conf("PAGE_CACHE_SECONDS")
    upcoming = next_publication(gen)
    if upcoming is not None:
        deadline = min(deadline, upcoming)
    return deadline


def remember(name, compute, tags=()):
    """
    `compute()`'s result, shared by every page until a change of what it
    shows (`tags`, and whatever `compute()` names with `tag()`), or the next
    scheduled publication: for sidebar lists and cards that pages share.
    """
    if not conf("PAGE_CACHE"):
        with collecting() as shown:
            tag(*tags)
            return compute()
    gen = generation()
    key = "pagecache:part:%s:%s" % (gen, name)
    # This process keeps the parts it used lately: the key holds the
    # generation, and the tags' versions are checked, so a purge reaches
    # them too, and their expiry is checked.
    stored = _local_parts.get(key)
    if stored is None:
        stored = cache.get(key)
    if stored is not None and stored[0] > time.time() and current(stored[2]):
        _local_parts.put(key, stored)
        tag(*stored[2])
        return stored[1]
    before = purge_counter()
    deadline = entry_deadline(gen)
    with collecting() as shown:
        tag(*tags)
        value = compute()
    shown = compact(shown)
    ttl = int(deadline - time.time())
    if ttl > 0 and keeping():
        kept = versions(sorted(shown))
        if purge_counter() == before:
            stored = (deadline, value, kept)
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
        "%s:%s" % (name, translation.get_language()),
        lambda: render(PATH_MARK),
        tags=[SITE_TAG],
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
    _forget_request_state()
    _request_state.scopes = []


def request_finished(**kwargs):
    _request_state.active = False
    _forget_request_state()
    _request_state.scopes = []


def purge_after_migrate(**kwargs):
    purge()
