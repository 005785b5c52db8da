"""
A shared page cache for anonymous readers.

Anonymous GETs of public pages are stored whole in the default cache (Redis
when configured) under a site-wide *generation*. Any save or delete of content
bumps the generation, so every page is purged at once and exactly when
something shown may have changed; an entry also never outlives the next
scheduled publication, so a scheduled post appears on time with no cron job.

Requests carrying a cookie that could personalise the page (session, messages,
a reader's own held comments, anything not known to be harmless) are never
served from the cache and never stored in it. The CSP nonce of a stored page
is replaced by a fresh one on every hit, so nonces are never reused.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.csp import generate_nonce
from django.utils.http import http_date

GENERATION_KEY = "pagecache:generation"
# Part of every page's key: entries stored by code that kept them differently
# (in a shared cache, across a deploy) are never replayed. 3: post pages no
# longer hold a comment form token (it is fetched with the CSRF token).
ENTRY_FORMAT = 3
NONCE_PLACEHOLDER = b"\x00pagecache-nonce\x00"
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
SKIPPED_HEADERS = {"content-length", "set-cookie", "date", "etag", "last-modified"}
DEFAULTS = {
    "PAGE_CACHE": True,
    "PAGE_CACHE_SECONDS": 600,
    "PAGE_CACHE_EXCLUDED_PREFIXES": (
        "/admin/",
        "/accounts/",
        "/comments/",
        "/csrf-token",
        "/i18n/",
        "/img/",
        "/media/",
        "/static/",
    ),
    # Cookies that never change what a page shows to an anonymous reader. The
    # language cookie is part of the cache key instead.
    "PAGE_CACHE_HARMLESS_COOKIES": ("csrftoken", "django_language"),
    "PAGE_CACHE_MAX_QUERY": 512,
}


def conf(name):
    return getattr(settings, "NEWSROOM", {}).get(name, DEFAULTS[name])


# Within one request the generation is read once (see `_request_started`);
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
    from articles.models import Page, Post, Status

    now = timezone.now()
    moments = [
        model.objects.filter(status=Status.PUBLISHED, published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
        for model in (Post, Page)
    ]
    moments = [moment for moment in moments if moment is not None]
    return min(moments).timestamp() if moments else None


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


def _request_started(**kwargs):
    _request_state.active = True
    _request_state.generation = None


def _request_finished(**kwargs):
    _request_state.active = False
    _request_state.generation = None


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


def cache_key(request, gen):
    language = translation.get_language_from_request(request)
    address = "%s|%s|%s|%s" % (
        request.scheme,
        request.get_host(),
        language,
        request.get_full_path(),
    )
    digest = hashlib.blake2b(address.encode(), digest_size=20).hexdigest()
    return "pagecache:page:%d:%s:%s" % (ENTRY_FORMAT, gen, digest)


def _etag(body):
    return '"%s"' % hashlib.blake2b(body, digest_size=16).hexdigest()


class PageCacheMiddleware:
    """
    Serve and store anonymous pages. Placed just inside the security and
    static-file middleware: a hit is answered here whole (fresh CSP nonce,
    conditional GET), so none of the middleware further in runs for it.
    """

    # Pages this process served lately, by key. The key holds the generation,
    # read from the shared cache on every request, so a purge still reaches
    # every process at once; this only saves reading and unpickling the page.
    LOCAL_ENTRIES = 200

    def __init__(self, get_response):
        self.get_response = get_response
        self.local = OrderedDict()
        self.lock = threading.Lock()  # gthread workers share the middleware

    def __call__(self, request):
        if not is_cacheable_request(request):
            return self.get_response(request)
        try:
            gen = generation()
            key = cache_key(request, gen)
        except Exception:  # noqa: BLE001 - DisallowedHost etc.: let Django answer
            return self.get_response(request)
        entry = self.local.get(key)
        if entry is None:
            entry = cache.get(key)
            if entry is not None:
                self._remember(key, entry)
        # Checked here too, not only by the cache's own expiry: the cache
        # server's clock may differ from ours.
        if entry is not None and entry["until"] > time.time():
            return self._replay(request, entry)
        response = self.get_response(request)
        entry = self._entry(request, response)
        if entry is None:
            response.headers.setdefault("X-Page-Cache", "skip")
            return response
        ttl = entry_lifetime(gen)
        if ttl > 0:
            entry["until"] = time.time() + ttl
            cache.set(key, entry, timeout=ttl)
            self._remember(key, entry)
        response.headers["ETag"] = entry["etag"]
        response.headers["Last-Modified"] = http_date(entry["stored"])
        response.headers["X-Page-Cache"] = "miss"
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
        nonce = getattr(request, "_csp_nonce", None)
        # The nonce is on the page (and in the CSP header) only if it was used.
        nonce = str(nonce) if nonce else ""
        if nonce:
            body = body.replace(nonce.encode(), NONCE_PLACEHOLDER)
        # Browsers and proxies keep the page but ask again each time: the
        # answer is a cheap 304 until the next purge.
        patch_cache_control(response, no_cache=True)
        headers = []
        for name, value in response.headers.items():
            if name.lower() in SKIPPED_HEADERS:
                continue
            if nonce and name.lower() in CSP_HEADERS:
                value = value.replace(nonce, NONCE_PLACEHOLDER_TEXT)
            headers.append((name, value))
        stored = time.time()
        etag = _etag(body)
        headers += [
            ("ETag", etag),
            ("Last-Modified", http_date(stored)),
        ]
        return {
            "headers": headers,
            "body": body,
            "etag": etag,
            "stored": stored,
            "nonce": bool(nonce),
        }

    def _replay(self, request, entry):
        if (
            "HTTP_IF_NONE_MATCH" in request.META
            or "HTTP_IF_MODIFIED_SINCE" in request.META
        ):
            not_modified = get_conditional_response(
                request,
                etag=entry["etag"],
                last_modified=int(entry["stored"]),
                response=_with_headers(HttpResponse(), entry["headers"]),
            )
            if not_modified.status_code == 304:
                # Django's 304 keeps only the caching headers: no body, no CSP.
                not_modified.headers["X-Page-Cache"] = "hit"
                return not_modified
        body = entry["body"]
        nonce = generate_nonce() if entry["nonce"] else None
        if nonce:
            body = body.replace(NONCE_PLACEHOLDER, nonce.encode())
        response = _with_headers(HttpResponse(body), entry["headers"], nonce)
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


# Apps whose models never show on a public page (or only change alongside
# models that do, like admin log entries and post history).
IGNORED_APPS = {
    "admin",
    "auth",
    "contenttypes",
    "sessions",
    "messages",
    "staticfiles",
    "reversion",
    "postgres",
}


def _content_saved(sender, instance=None, update_fields=None, **kwargs):
    purge_now_and_on_commit()


def _comment_saved(sender, instance=None, created=False, **kwargs):
    # A new comment held for moderation (or as spam) shows only to its author,
    # whose cookie bypasses the cache: the pages everyone sees are unchanged.
    if created and getattr(instance, "status", None) in ("pending", "spam"):
        return
    purge_now_and_on_commit()


def _user_saved(sender, instance=None, update_fields=None, **kwargs):
    # Signing in writes last_login; author names show on pages.
    if update_fields and set(update_fields) <= {"last_login", "password"}:
        return
    purge_now_and_on_commit()


def connect_signals():
    """Purge on every save or delete of a model that pages may show."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import m2m_changed, post_delete, post_save

    request_started.connect(_request_started, dispatch_uid="pagecache-start")
    request_finished.connect(_request_finished, dispatch_uid="pagecache-finish")
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="pagecache-user")
    post_delete.connect(
        _content_saved, sender=user_model, dispatch_uid="pagecache-user-del"
    )
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.app_label
        if label in IGNORED_APPS:
            continue
        uid = "pagecache-%s" % model._meta.label_lower
        if model._meta.auto_created:
            m2m_changed.connect(_content_saved, sender=model, dispatch_uid=uid)
            continue
        on_save = _comment_saved if model._meta.label == "comments.Comment" else None
        post_save.connect(on_save or _content_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_content_saved, sender=model, dispatch_uid=uid + "-del")


def purge_after_migrate(**kwargs):
    purge()
