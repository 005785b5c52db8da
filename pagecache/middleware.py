"""
Serve and store whole pages for anonymous readers.

Requests carrying a cookie that could personalise the page (session, messages,
a reader's own held comments, anything not known to be harmless) are never
served from the cache and never stored in it.

An entry's key is built from what the view read: the path, the language, and
only the query parameters the view looked at (recorded while it ran, and kept
per path), so tracking parameters, cache-busters and anything else a page
ignores share one entry. Parameters no page reads (utm_*, fbclid, gclid, `_`,
Blogger's `m`) are taken out before the view runs. A JSONP answer is stored
once without its callback, which is wrapped around it per response. Each path
keeps a bounded number of entries.

Each entry keeps the tags of what it shows (pagecache/store.py); the response
names them to an edge cache (`Surrogate-Key`, `xkey`) with an `s-maxage` that
never outlasts the next scheduled publication. Browsers revalidate every time
(`max-age=0` with an ETag: a cheap 304 until something changes). A page that
used a CSP nonce is stored with a placeholder replaced by a fresh nonce on
every hit, and is never offered to the edge, which cannot replace it.

Concurrent first views of one page render it once: the first takes a short
lock, the others wait for its entry.
"""

import hashlib
import re
import threading
import time
from collections import OrderedDict

from django.core.cache import cache
from django.http import HttpResponse, QueryDict
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.csp import generate_nonce
from django.utils.http import http_date

from . import store
from .store import conf, entry_deadline, generation

# Part of every page's key: entries stored by code that kept them differently
# (in a shared cache, across a deploy) are never replayed. 4: keys hold only
# the parameters the view read; entries keep their tags.
ENTRY_FORMAT = 4
NONCE_PLACEHOLDER = b"\x00pagecache-nonce\x00"
CALLBACK_PLACEHOLDER = b"\x00pagecache-callback\x00"
CACHEABLE_TYPES = (
    "text/html",
    "text/plain",
    "text/xml",
    "text/javascript",
    "application/xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/json",
    "application/feed+json",
    "application/javascript",
)
# Headers recomputed for every response rather than replayed.
SKIPPED_HEADERS = {
    "content-length",
    "set-cookie",
    "date",
    "etag",
    "last-modified",
    "cache-control",
    "surrogate-key",
    "xkey",
}
# Query parameters no page reads: analytics, cache-busters, Blogger's mobile
# switch. They are removed before the view runs, so they never make a new entry.
IGNORED_PARAMETERS = {"_", "m", "fbclid", "gclid", "dclid", "msclkid", "yclid"}
IGNORED_PREFIXES = ("utm_",)
# A JSONP callback name, as Blogger's feeds accept it.
CALLBACK_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_.$]{0,63}")
CALLBACK = "callback"
# The names read by a view that iterated over every parameter.
EVERY_PARAMETER = "*"
# How long a first view may hold the others of its page, in seconds.
RENDER_LOCK_SECONDS = 30
WAIT_POLL_SECONDS = 0.05


def is_cacheable_request(request):
    if request.method != "GET" or not conf("PAGE_CACHE"):
        return False
    if any(request.path.startswith(p) for p in conf("PAGE_CACHE_EXCLUDED_PREFIXES")):
        return False
    query = request.META.get("QUERY_STRING", "")
    if len(query) > conf("PAGE_CACHE_MAX_QUERY") or "preview" in query:
        return False
    harmless = set(conf("PAGE_CACHE_HARMLESS_COOKIES"))
    return all(name in harmless for name in request.COOKIES)


def is_ignored_parameter(name):
    return name in IGNORED_PARAMETERS or name.startswith(IGNORED_PREFIXES)


class RecordingQueryDict(QueryDict):
    """
    request.GET that notes which parameters the view reads. Iterating over
    them all (items(), copy(), urlencode(), len()) counts as reading every one.
    Reading `callback` is not noted: a JSONP entry is stored without it.
    """

    def _note(self, key):
        if key != CALLBACK:
            self.read.add(key)

    def _note_all(self):
        self.read.add(EVERY_PARAMETER)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def __iter__(self):
        self._note_all()
        return super().__iter__()

    def __len__(self):
        self._note_all()
        return super().__len__()

    def keys(self):
        self._note_all()
        return super().keys()

    def items(self):
        self._note_all()
        return super().items()

    def lists(self):
        self._note_all()
        return super().lists()

    def values(self):
        self._note_all()
        return super().values()

    def dict(self):
        self._note_all()
        return super().dict()

    def urlencode(self, safe=None):
        self._note_all()
        return super().urlencode(safe)

    def copy(self):
        self._note_all()
        plain = QueryDict(mutable=True)
        for key, values in super().lists():
            plain.setlist(key, values)
        return plain

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()


def recording_parameters(original):
    """`original` without the ignored parameters, noting what is read."""
    recorded = RecordingQueryDict(mutable=True)
    for key, values in original.lists():
        if not is_ignored_parameter(key):
            recorded.setlist(key, values)
    recorded._mutable = False
    recorded.read = set()
    return recorded


def _digest(text):
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def path_key(request, gen):
    """The key of a path's record: the parameters its views read, its entries."""
    address = "%s|%s|%s" % (request.scheme, request.get_host(), request.path)
    return "pagecache:path:%d:%s:%s" % (ENTRY_FORMAT, gen, _digest(address))


def cache_key(request, gen, names):
    """
    An entry's key: the address without its query, the language, and the
    values of `names` (the parameters its view reads; EVERY_PARAMETER for all
    of them). The names are part of the key, so an entry is found only by
    the very parameters it was stored under.
    """
    language = translation.get_language_from_request(request)
    params = request.GET
    if EVERY_PARAMETER in names:
        chosen = sorted(key for key in params if key != CALLBACK)
    else:
        chosen = sorted(names)
    query = [(key, params.getlist(key)) for key in chosen]
    address = "%s|%s|%s|%s|%s|%r" % (
        request.scheme,
        request.get_host(),
        language,
        request.path,
        ",".join(sorted(names)),
        query,
    )
    return "pagecache:page:%d:%s:%s" % (ENTRY_FORMAT, gen, _digest(address))


def _etag(body):
    return '"%s"' % hashlib.blake2b(body, digest_size=16).hexdigest()


def shared_cache_control(seconds):
    """Browsers ask again each time; shared caches keep the page `seconds` at most."""
    return "max-age=0, s-maxage=%d, must-revalidate" % max(0, int(seconds))


class PageCacheMiddleware:
    """
    Serve and store anonymous pages. Placed just inside the security and
    static-file middleware: a hit is answered here whole (fresh CSP nonce,
    conditional GET), so none of the middleware further in runs for it.
    """

    # Pages this process served lately, by key. The key holds the generation
    # and the tags' versions are read from the shared cache on every request,
    # so a purge still reaches every process at once; this only saves reading
    # and unpickling the page.
    LOCAL_ENTRIES = 200

    def __init__(self, get_response):
        self.get_response = get_response
        self.local = OrderedDict()
        self.lock = threading.Lock()  # gthread workers share the middleware

    def __call__(self, request):
        if not is_cacheable_request(request):
            return self.get_response(request)
        original = request.GET
        request.GET = recording_parameters(original)
        try:
            gen = generation()
            record = cache.get(path_key(request, gen)) or {}
            names = record.get("names", frozenset())
            key = cache_key(request, gen, names)
        except Exception:  # noqa: BLE001 - DisallowedHost etc.: let Django answer
            request.GET = original
            return self.get_response(request)
        hit = self._lookup(request, original, key)
        if hit is not None:
            return hit
        lock_key = "pagecache:render:" + key
        if not cache.add(lock_key, 1, timeout=RENDER_LOCK_SECONDS):
            hit = self._wait_for_first_view(request, original, gen, lock_key)
            if hit is not None:
                return hit
            lock_key = None
        try:
            return self._render_and_store(request, original, gen, record)
        finally:
            if lock_key:
                cache.delete(lock_key)

    def _lookup(self, request, original, key):
        entry = self.local.get(key)
        if entry is None:
            entry = cache.get(key)
            if entry is not None:
                self._remember(key, entry)
        # Checked here too, not only by the cache's own expiry: the cache
        # server's clock may differ from ours.
        if (
            entry is not None
            and entry["until"] > time.time()
            and store.current(entry["tags"])
        ):
            return self._replay(request, original, entry)
        return None

    def _wait_for_first_view(self, request, original, gen, lock_key):
        """Another worker is drawing this page: serve its entry when it is stored."""
        deadline = time.monotonic() + RENDER_LOCK_SECONDS
        # No lock to wait for (the cache is away, or it was just released).
        if cache.get(lock_key) is None:
            return None
        while time.monotonic() < deadline:
            time.sleep(WAIT_POLL_SECONDS)
            record = cache.get(path_key(request, gen)) or {}
            key = cache_key(request, gen, record.get("names", frozenset()))
            hit = self._lookup(request, original, key)
            if hit is not None:
                return hit
            if cache.get(lock_key) is None:
                return None  # it finished without storing: draw it here
        return None

    def _render_and_store(self, request, original, gen, record):
        before = store.purge_counter()
        # Before drawing: a page drawn before a scheduled post's time ends at it.
        deadline = entry_deadline(gen)
        with store.collecting() as shown:
            response = self.get_response(request)
        read = request.GET.read if isinstance(request.GET, RecordingQueryDict) else {}
        entry = self._entry(request, response)
        if entry is None:
            response.headers.setdefault("X-Page-Cache", "skip")
            return response
        ttl = int(deadline - time.time())
        tags = store.compact(shown)
        entry["tags"] = store.versions(sorted(tags))
        names = frozenset(record.get("names", frozenset())) | frozenset(read)
        key = cache_key(request, gen, names)
        variants = set(record.get("variants", ()))
        room = key in variants or len(variants) < conf("PAGE_CACHE_ENTRIES_PER_PATH")
        # A purge while this page was drawn may have come after its rows were
        # read: keep it from every cache rather than risk a stale copy.
        unchanged = store.purge_counter() == before
        if ttl > 0 and room and unchanged and store.keeping():
            entry["until"] = deadline
            cache.set(key, entry, timeout=ttl)
            self._remember(key, entry)
            if names != record.get("names") or key not in variants:
                cache.set(
                    path_key(request, gen),
                    {"names": names, "variants": variants | {key}},
                    timeout=conf("PAGE_CACHE_SECONDS"),
                )
            state = "miss"
        else:
            ttl = 0
            state = "skip"
        response.headers["ETag"] = entry["etag"]
        response.headers["Last-Modified"] = http_date(entry["stored"])
        self._name_for_edge(response, entry, ttl)
        response.headers["X-Page-Cache"] = state
        return response

    def _remember(self, key, entry):
        with self.lock:
            self.local[key] = entry
            self.local.move_to_end(key)
            while len(self.local) > self.LOCAL_ENTRIES:
                self.local.popitem(last=False)

    def _entry(self, request, response):
        """What to store of a response, or None when it must not be shared."""
        if response.status_code != 200 or response.streaming:
            return None
        if response.cookies:
            return None
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return None  # a per-reader token is on the page
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if content_type not in CACHEABLE_TYPES:
            return None
        control = response.get("Cache-Control", "")
        if any(word in control for word in ("private", "no-store")):
            return None
        body = response.content
        callback = getattr(response, "jsonp_callback", None)
        if callback:
            # `callback(` right after the answer's leading comment line.
            marker = ("\n%s(" % callback).encode()
            if marker not in body:
                return None
            body = body.replace(marker, b"\n" + CALLBACK_PLACEHOLDER + b"(", 1)
        nonce = getattr(request, "_csp_nonce", None)
        # The nonce is on the page (and in the CSP header) only if it was used.
        nonce = str(nonce) if nonce else ""
        if nonce:
            body = body.replace(nonce.encode(), NONCE_PLACEHOLDER)
        headers = []
        for name, value in response.headers.items():
            if name.lower() in SKIPPED_HEADERS:
                continue
            if nonce and name.lower() in CSP_HEADERS:
                value = value.replace(nonce, NONCE_PLACEHOLDER_TEXT)
            headers.append((name, value))
        stored = time.time()
        return {
            "headers": headers,
            "body": body,
            "etag": _etag(body),
            "stored": stored,
            "nonce": bool(nonce),
            "callback_default": getattr(response, "jsonp_default_callback", None)
            if callback
            else None,
        }

    def _name_for_edge(self, response, entry, seconds):
        """The caching headers: what the page shows, and how long an edge may keep it."""
        if entry["nonce"] or seconds <= 0:
            # A nonce must be fresh on every response: no shared cache may keep it.
            response.headers["Cache-Control"] = "no-cache"
            return
        response.headers["Cache-Control"] = shared_cache_control(seconds)
        names = " ".join(sorted(entry["tags"]))
        response.headers["Surrogate-Key"] = names
        response.headers["xkey"] = names

    def _replay(self, request, original, entry):
        callback = None
        if entry.get("callback_default"):
            given = original.getlist(CALLBACK)
            if len(set(given)) > 1:
                return None  # the view answers 400
            callback = given[0] if given else entry["callback_default"]
            if not CALLBACK_RE.fullmatch(callback):
                return None
        remaining = entry["until"] - time.time()
        if not callback and (
            "HTTP_IF_NONE_MATCH" in request.META
            or "HTTP_IF_MODIFIED_SINCE" in request.META
        ):
            whole = _with_headers(HttpResponse(), entry["headers"])
            whole.headers["ETag"] = entry["etag"]
            whole.headers["Last-Modified"] = http_date(entry["stored"])
            not_modified = get_conditional_response(
                request,
                etag=entry["etag"],
                last_modified=int(entry["stored"]),
                response=whole,
            )
            if not_modified.status_code == 304:
                # Django's 304 keeps only the caching headers: no body, no CSP.
                self._name_for_edge(not_modified, entry, remaining)
                not_modified.headers["X-Page-Cache"] = "hit"
                return not_modified
        body = entry["body"]
        nonce = generate_nonce() if entry["nonce"] else None
        if nonce:
            body = body.replace(NONCE_PLACEHOLDER, nonce.encode())
        if callback:
            body = body.replace(CALLBACK_PLACEHOLDER, callback.encode(), 1)
        response = _with_headers(HttpResponse(body), entry["headers"], nonce)
        response.headers["ETag"] = _etag(body) if callback else entry["etag"]
        response.headers["Last-Modified"] = http_date(entry["stored"])
        self._name_for_edge(response, entry, remaining)
        response.headers["X-Page-Cache"] = "hit"
        return response


CSP_HEADERS = {"content-security-policy", "content-security-policy-report-only"}
NONCE_PLACEHOLDER_TEXT = NONCE_PLACEHOLDER.decode()


def _with_headers(response, headers, nonce=None):
    for name, value in headers:
        if name.lower() in CSP_HEADERS:
            # The stored policy names the stored page's nonce: this hit's instead.
            value = value.replace(NONCE_PLACEHOLDER_TEXT, nonce or "")
        response.headers[name] = value
    return response
