"""
The VCL's rules with a real varnishd in front of a small recording backend:
what is kept, what passes, the language each request is keyed and rendered
in (compared with Django's own choice), tracking parameters, purges by key.
"""

import gzip
import http.client
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from django.test import RequestFactory
from django.utils import translation

from newsroom.conf import newsroom_setting
from pagecache.middleware import IGNORED_PARAMETERS, IGNORED_PREFIXES

from .varnish import AVAILABLE, edge, fetch, purge

pytestmark = [
    pytest.mark.own_server,
    pytest.mark.skipif(
        not AVAILABLE, reason="varnish and varnish-modules are not installed"
    ),
]

SHARED = "max-age=0, s-maxage=60, must-revalidate"


class _Backend(BaseHTTPRequestHandler):
    """
    Answers every request with what it received (JSON) and counts requests.
    /keys/<a,b>/...: shareable, tagged a and b; /private/...: private;
    /no-cache/...: no-cache (the app before surrogate keys); /cookie/...:
    sets a cookie; anything else: shareable, untagged.
    """

    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path == "/healthz":
            return self._health()
        with self.server.lock:
            self.server.seen.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "cookie": self.headers.get("Cookie"),
                    "accept_language": self.headers.get("Accept-Language"),
                }
            )
            number = len(self.server.seen)
        body = json.dumps(
            {
                "n": number,
                "path": self.path,
                "accept_language": self.headers.get("Accept-Language"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        parts = self.path.split("/")
        if parts[1] == "private":
            self.send_header("Cache-Control", "private")
        elif parts[1] == "no-cache":
            self.send_header("Cache-Control", "no-cache")
        elif parts[1] == "short":
            self.send_header("Cache-Control", "max-age=0, s-maxage=1")
        else:
            self.send_header("Cache-Control", SHARED)
            self.send_header("ETag", '"%d"' % number)
        if parts[1] == "cookie":
            self.send_header("Set-Cookie", "csrftoken=fresh; Path=/")
        if parts[1] == "keys":
            keys = " ".join(parts[2].split(","))
            self.send_header("Surrogate-Key", keys)
            self.send_header("xkey", keys)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _health(self):
        """The edge's probe: 503 while the test says the app is sick."""
        body = b"database: failed\n" if self.server.sick.is_set() else b"ok\n"
        self.send_response(503 if self.server.sick.is_set() else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_POST = _answer  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def backend():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    server.seen, server.lock = [], threading.Lock()
    server.sick = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def base(backend, tmp_path_factory):
    with edge(tmp_path_factory.mktemp("vcl"), backend.server_address[1]) as address:
        yield address


_unique = itertools.count()


def unique(prefix="/page"):
    """An address no other test asked for (the edge is shared by the module)."""
    return "%s/%d" % (prefix, next(_unique))


def seen_for(backend, path):
    return [request for request in backend.seen if request["path"] == path]


def test_an_anonymous_page_is_kept_and_served_without_the_backend(backend, base):
    path = unique()
    first = fetch(base + path)
    second = fetch(base + path)
    assert first[1]["X-Cache"] == "MISS"
    assert second[1]["X-Cache"] == "HIT"
    assert second[2] == first[2]
    assert len(seen_for(backend, path)) == 1


def _wait_until(check, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_while_the_app_is_sick_readers_get_the_kept_page_not_an_error(backend, base):
    """The edge asks /healthz: while it fails, an expired page is served as
    kept (not a 503); once the app is well, it is fetched anew."""
    path = unique("/short")
    first = fetch(base + path)
    assert first[0] == 200 and first[1]["X-Cache"] == "MISS"
    backend.sick.set()
    try:
        # Sick once the probe has seen it (three failures of five): a page
        # never kept can no longer be fetched.
        assert _wait_until(lambda: fetch(base + unique("/short"))[0] == 503)
        # Past the kept page's s-maxage (1 s) and the 10 s of grace a
        # healthy app's readers get.
        time.sleep(11.5)
        status, headers, body = fetch(base + path)
        assert (status, headers["X-Cache"], body) == (200, "HIT", first[2])
        assert len(seen_for(backend, path)) == 1
    finally:
        backend.sick.clear()
    assert _wait_until(lambda: fetch(base + unique("/short"))[0] == 200)
    # Healthy again, a page kept beyond 10 s of grace is fetched anew.
    time.sleep(11)
    assert fetch(base + path)[1]["X-Cache"] == "MISS"
    assert len(seen_for(backend, path)) == 2


def test_gzip_readers_get_the_kept_gzip_and_others_a_plain_copy(backend, base):
    path = unique("/keys/post:3")
    plain = fetch(base + path)
    for _request in range(2):
        _status, headers, body = fetch(base + path, headers={"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip"
        page = json.loads(gzip.decompress(body))
        assert page["path"] == path
        assert page["n"] != json.loads(plain[2])["n"]  # its own copy
    _status, headers, body = fetch(base + path)
    assert (headers["X-Cache"], body) == ("HIT", plain[2])
    assert "Content-Encoding" not in headers
    # One copy each, both dropped by a purge.
    assert len(seen_for(backend, path)) == 2
    purge(base, ["post:3"])
    assert fetch(base + path)[1]["X-Cache"] == "MISS"
    gzipped = fetch(base + path, headers={"Accept-Encoding": "gzip"})
    assert gzipped[1]["X-Cache"] == "MISS"


def test_head_is_served_from_the_kept_page(backend, base):
    path = unique()
    fetch(base + path)
    status, headers, body = fetch(base + path, method="HEAD")
    assert (status, headers["X-Cache"], body) == (200, "HIT", b"")


def test_browsers_never_see_the_surrogate_keys_nor_the_shared_lifetime(base):
    path = unique("/keys/post:1,home")
    for _request in range(2):
        _status, headers, _body = fetch(base + path)
        assert "Surrogate-Key" not in headers
        assert "xkey" not in headers
        assert headers["Cache-Control"] == "max-age=0, must-revalidate"


def test_browsers_revalidate_with_the_etag(base):
    path = unique("/keys/post:2")
    _status, headers, body = fetch(base + path)
    etag = headers["ETag"]
    status, headers, body = fetch(base + path, headers={"If-None-Match": etag})
    assert (status, headers["X-Cache"], body) == (304, "HIT", b"")


@pytest.mark.parametrize("prefix", ["/private", "/no-cache", "/cookie"])
def test_what_the_app_does_not_share_is_never_kept(backend, base, prefix):
    path = unique(prefix)
    for _request in range(3):
        _status, headers, _body = fetch(base + path)
        assert headers["X-Cache"] != "HIT"
    assert len(seen_for(backend, path)) == 3


def test_a_purge_drops_exactly_the_tagged_pages(backend, base):
    post = unique("/keys/post:7,label:3,home")
    other = unique("/keys/post:8,home")
    plain = unique()
    for path in (post, other, plain):
        fetch(base + path)
    status, _headers, _body = purge(base, ["label:3", "page:99"])
    assert status == 200
    assert fetch(base + post)[1]["X-Cache"] == "MISS"
    assert fetch(base + other)[1]["X-Cache"] == "HIT"
    assert fetch(base + plain)[1]["X-Cache"] == "HIT"
    purge(base, ["home"])
    assert fetch(base + post)[1]["X-Cache"] == "MISS"
    assert fetch(base + other)[1]["X-Cache"] == "MISS"


def test_purging_site_drops_every_page_tagged_or_not(base):
    tagged, plain = unique("/keys/post:9"), unique()
    fetch(base + tagged)
    fetch(base + plain)
    purge(base, ["site"])
    assert fetch(base + tagged)[1]["X-Cache"] == "MISS"
    assert fetch(base + plain)[1]["X-Cache"] == "MISS"


def test_a_purge_from_outside_the_purgers_acl_is_refused(base):
    path = unique("/keys/post:11")
    fetch(base + path)
    host, port = base.removeprefix("http://").split(":")
    # Another loopback address: a client the ACL does not name.
    connection = http.client.HTTPConnection(
        host, int(port), timeout=10, source_address=("127.0.0.2", 0)
    )
    connection.request("PURGE", "/", headers={"xkey-purge": "post:11 site"})
    assert connection.getresponse().status == 403
    connection.close()
    assert fetch(base + path)[1]["X-Cache"] == "HIT"


def test_a_purge_without_tags_is_refused(base):
    status, _headers, _body = fetch(base + "/", method="PURGE")
    assert status == 400


def _passes(backend, base, path, headers=None, method="GET"):
    """Both requests reach the backend; returns what it saw of this address."""
    before = len(seen_for(backend, path))
    for _request in range(2):
        status, response_headers, _body = fetch(
            base + path,
            headers=headers,
            method=method,
            data=b"x=1" if method == "POST" else None,
        )
        assert status == 200
        assert response_headers["X-Cache"] == "PASS", path
    seen = seen_for(backend, path)
    assert len(seen) == before + 2, path
    return seen


def test_posts_go_to_the_app(backend, base):
    _passes(backend, base, unique(), method="POST")


def test_the_addresses_the_app_never_caches_go_to_the_app(backend, base):
    for prefix in newsroom_setting("PAGE_CACHE_EXCLUDED_PREFIXES"):
        _passes(backend, base, prefix.rstrip("/") + unique("/x"))


def test_premium_addresses_preview_links_and_jsonp_go_to_the_app(backend, base):
    _passes(backend, base, unique("/premium/12"))
    _passes(backend, base, unique() + "?preview=signed-token")
    _passes(backend, base, unique("/preview/signed-token"))
    _passes(backend, base, unique("/feeds") + "?alt=json-in-script&callback=f")
    # jQuery's random callback and cache-buster reach the app untouched.
    path = unique("/feeds") + "?alt=json-in-script&callback=jQuery35_123&_=1700"
    assert [request["path"] for request in _passes(backend, base, path)] == [path] * 2


@pytest.mark.parametrize(
    "cookie",
    [
        "sessionid=abc",
        "csrftoken=t; sessionid=abc",
        "premium_grants=signed",
        "newsroom_held=1; django_language=hi",
        "novalue",
    ],
)
def test_a_cookie_that_may_change_the_page_goes_to_the_app_untouched(
    backend, base, cookie
):
    path = unique()
    fetch(base + path)  # the anonymous page is kept...
    fetch(base + path)
    seen = _passes(backend, base, path, headers={"Cookie": cookie})
    # ...and never served to this reader, whose cookie reaches the app.
    assert [request["cookie"] for request in seen] == [None, cookie, cookie]


def test_harmless_cookies_share_the_anonymous_page_and_are_not_passed_on(backend, base):
    path = unique()
    fetch(base + path)
    for cookie in newsroom_setting("PAGE_CACHE_HARMLESS_COOKIES"):
        _status, headers, _body = fetch(
            base + path, headers={"Cookie": "%s=en" % cookie}
        )
        assert headers["X-Cache"] == "HIT"
    fetch(base + unique(), headers={"Cookie": "csrftoken=abc; django_language=en"})
    assert all(request["cookie"] is None for request in backend.seen[-1:])


def test_tracking_parameters_share_one_object_and_never_reach_the_app(backend, base):
    path = unique()
    first = fetch(base + path + "?q=rain")
    assert first[1]["X-Cache"] == "MISS"
    for query in (
        "?q=rain&utm_source=x&utm_medium=social",
        "?utm_campaign=a&q=rain",
        "?q=rain&fbclid=IwAR0abc",
        "?gclid=EAIa&q=rain&_=1733",
        "?m=1&q=rain",
        "?q=rain&m=0&",
        "?msclkid=1&q=rain&dclid=2&yclid=3",
    ):
        status, headers, body = fetch(base + path + query)
        assert (status, headers["X-Cache"], body) == (200, "HIT", first[2]), query
    assert [request["path"] for request in seen_for(backend, path + "?q=rain")] == [
        path + "?q=rain"
    ]
    fetch(base + path + "?utm_source=x&m=1")
    assert backend.seen[-1]["path"] == path
    # Parameters that only look alike are kept.
    fetch(base + path + "?q=rain&mode=1&max-results=5")
    assert backend.seen[-1]["path"] == path + "?q=rain&mode=1&max-results=5"


def test_the_edge_strips_every_parameter_the_app_ignores(backend, base):
    path = unique()
    names = sorted(IGNORED_PARAMETERS) + [
        prefix + "campaign" for prefix in IGNORED_PREFIXES
    ]
    for name in names:
        fetch(base + path + "?q=1&%s=x" % name)
        assert backend.seen[-1]["path"] == path + "?q=1", name
        purge(base, ["site"])


LANGUAGE_CASES = [
    # (django_language cookie, Accept-Language)
    (None, None),
    (None, ""),
    (None, "hi"),
    (None, "HI"),
    (None, "hi-IN"),
    (None, "hi-IN,hi;q=0.9,en-US;q=0.8,en;q=0.7"),
    (None, "en-US,en;q=0.9,hi;q=0.8"),
    (None, "en-GB;q=0.5, hi;q=0.8"),
    (None, "fr-FR,fr;q=0.9"),
    (None, "fr-FR,fr;q=0.9,hi;q=0.1"),
    (None, "de;q=1.0, hi;q=0.0"),
    (None, "*"),
    (None, "*;q=0.5, hi;q=0.4"),
    (None, "hi;q=0.5, *"),
    (None, "en;q=0.8, hi;q=0.8"),
    (None, "hi;q=0.8, en;q=0.8"),
    (None, "hi;q=0.80,en;q=0.800"),
    (None, "en;q=0.1,hi;q=1."),
    (None, "hi;q=2"),
    (None, "hi en"),
    (None, "hi_IN"),
    (None, "x-hi, hi-Deva-IN;q=0.3"),
    (None, "fr," * 300 + "hi"),
    (None, "hi," + "fr," * 300),
    (None, ",".join("fr-x%d;q=0.%d" % (n, n % 10) for n in range(30)) + ",hi;q=0.05"),
    ("hi", None),
    ("hi", "en"),
    ("en", "hi"),
    ("HI-in", "en"),
    ("hi_IN", "hi"),
    ("fr", "hi"),
    ("", "hi"),
    ('"hi"', "en"),
]


@pytest.mark.parametrize(("cookie", "accept"), LANGUAGE_CASES)
def test_the_edge_picks_the_language_the_app_would(backend, base, cookie, accept):
    headers = {}
    if cookie is not None:
        headers["Cookie"] = "csrftoken=x; django_language=%s" % cookie
    if accept is not None:
        headers["Accept-Language"] = accept
    _status, _headers, body = fetch(base + unique(), headers=headers)
    request = RequestFactory().get(
        "/",
        headers={"accept-language": accept} if accept is not None else {},
    )
    if cookie is not None:
        request.COOKIES = {"csrftoken": "x", "django_language": cookie.strip('"')}
    expected = translation.get_language_from_request(request).lower()
    assert json.loads(body)["accept_language"] == expected


def test_each_language_is_its_own_object(backend, base):
    path = unique()
    english = fetch(base + path, headers={"Accept-Language": "en-US,en;q=0.9"})
    hindi = fetch(base + path, headers={"Accept-Language": "hi-IN,hi;q=0.9"})
    assert json.loads(english[2])["accept_language"] == "en"
    assert json.loads(hindi[2])["accept_language"] == "hi"
    for headers, expected in (
        ({"Accept-Language": "en"}, english[2]),
        ({"Accept-Language": "hi"}, hindi[2]),
        ({}, english[2]),
        ({"Accept-Language": "fr, hi;q=0.5"}, hindi[2]),
        ({"Cookie": "django_language=hi", "Accept-Language": "en"}, hindi[2]),
        ({"Cookie": "django_language=en", "Accept-Language": "hi"}, english[2]),
    ):
        status, response_headers, body = fetch(base + path, headers=headers)
        assert (response_headers["X-Cache"], body) == ("HIT", expected), headers
    assert len(seen_for(backend, path)) == 2


def test_settings_languages_are_the_ones_the_vcl_knows(settings):
    # The VCL names en and hi (newsroom_language); a new language needs it too.
    assert [code for code, _name in settings.LANGUAGES] == ["en", "hi"]
    assert settings.LANGUAGE_CODE == "en"


def test_quote_in_paths_is_kept(backend, base):
    path = unique("/search/label/") + quote("TOP STORY")
    fetch(base + path)
    assert fetch(base + path)[1]["X-Cache"] == "HIT"
