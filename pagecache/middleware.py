"""
Serve and store whole pages for anonymous readers (the store's generation is
part of every key, so a purge reaches every app server at once).

Requests carrying a cookie that could personalise the page (session, messages,
a reader's own held comments, anything not known to be harmless) are never
served from the cache and never stored in it. The CSP nonce of a stored page
is replaced by a fresh one on every hit, so nonces are never reused.
"""

import hashlib
import threading
import time
from collections import OrderedDict

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.csp import generate_nonce
from django.utils.http import http_date

from .store import conf, entry_lifetime, generation

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
