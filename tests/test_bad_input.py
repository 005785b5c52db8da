"""
Hostile input on every public address: never a 500, never our input echoed
unescaped. The URL patterns are read from the resolver, so addresses added
later are walked too; parsers get property tests with hypothesis.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import BadRequest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import paging, search, text, thumbnails
from tests.factories import make_comment, make_image, make_page, make_post

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/",)
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAK = '"><svg onload=alert(1)>'
# Raw pieces of a request path or query value (already percent-encoded where
# a client would encode them).
HOSTILE = {
    "long": "a" * 5000,
    "non-utf8": "%FF%FE%C3%28",
    "dot-dot": "..%2F..%2F..%2Fetc%2Fpasswd",
    "dot-dot-raw": "../../etc/passwd",
    "nul": "x%00y",
    "sql": "%27%20OR%201%3D1%20--",
    "script": "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "attribute": "%22%3E%3Csvg%20onload%3Dalert(1)%3E",
    "huge-number": "99999999999999999999999999",
    "negative": "-1",
    "zero": "0",
    "float": "1e309",
    "empty": "",
    "unicode": "%E0%A4%B9%E0%A4%BF%F0%9F%92%A5",
    "format": "%25s%25n%7B0%7D",
}
QUERY_NAMES = [
    "q",
    "max-results",
    "updated-max",
    "updated-min",
    "published-min",
    "published-max",
    "start-index",
    "orderby",
    "alt",
    "callback",
    "m",
    "next",
    "label",
]


def walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith(SKIPPED_PREFIXES):
                yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name


def template(route):
    """A route or regex as a format string with {name} for each parameter."""
    if route.startswith("^") or "(?P<" in route:
        route = route.replace("^", "").replace("$", "")
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
        route = route.replace("\\.", ".")
    else:
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/" + route


PATTERNS = sorted(
    {(template(route), name) for route, name in walk(get_resolver().url_patterns)},
    key=lambda pattern: (pattern[0], pattern[1] or ""),
)


@pytest.fixture
def samples():
    """Good values for each parameter name, so one part at a time can be bad."""
    image = make_image(filename="photo.jpg")
    post = make_post(title="A story", labels=["KERALA"], featured_image=image)
    page = make_page(title="About us")
    comment = make_comment(post)
    year, month = post.permalink.split("/")[1:3]
    return {
        "year": year,
        "month": month,
        "day": "05",
        "slug": post.slug,
        "post_id": str(post.pk),
        "pk": str(comment.pk),
        "names": "KERALA",
        "key": image.key,
        "size": "s320",
        "filename": "photo.jpg",
        "token": "not-a-real-token",
        "uidb64": "MQ",
        "label": "KERALA",
        "page_slug": page.slug,
    }


def fill(path_template, values):
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match[1], "x"), path_template)


def check(response, url):
    assert response.status_code < 500, url
    if response.streaming:
        assert response["Content-Type"].startswith("image/"), url
        return
    body = response.content.decode("utf-8", "replace")
    assert SCRIPT not in body, url
    assert ATTRIBUTE_BREAK not in body, url


def test_every_public_pattern_is_walked():
    names = {name for _template, name in PATTERNS}
    for expected in ("home", "search", "label", "detail", "page", "image"):
        assert expected in names


@pytest.mark.parametrize(("path_template", "name"), PATTERNS)
def test_hostile_path_parts(client, samples, path_template, name):
    parameters = re.findall(r"\{(\w+)\}", path_template)
    if not parameters:
        for value in HOSTILE.values():
            url = path_template + value
            check(client.get(url), url)
        return
    for parameter in parameters:
        for value in HOSTILE.values():
            url = fill(path_template, {**samples, parameter: value})
            check(client.get(url), url)


def is_list(name, path_template):
    """Pages that read the list parameters: each parameter is tried alone there."""
    return name in LIST_PAGES or "feed" in (name or "") or "feeds" in path_template


LIST_PAGES = {"home", "search", "label", "archive_year", "archive_month"}


@pytest.mark.parametrize(("path_template", "name"), PATTERNS)
def test_hostile_query_parameters(client, samples, path_template, name):
    base = fill(path_template, samples)
    values = list(HOSTILE.values())
    if is_list(name, path_template):
        for parameter in QUERY_NAMES:
            for value in values:
                url = "%s?%s=%s" % (base, parameter, value)
                check(client.get(url), url)
    else:
        # Every parameter meets every value, all parameters in each request.
        for shift in range(len(values)):
            query = "&".join(
                "%s=%s" % (parameter, values[(index + shift) % len(values)])
                for index, parameter in enumerate(QUERY_NAMES)
            )
            url = "%s?%s" % (base, query)
            check(client.get(url), url)
    repeated = "%s?max-results=5&max-results=abc&q=a&q=%s" % (base, HOSTILE["script"])
    check(client.get(repeated), repeated)


@pytest.mark.parametrize(("path_template", "name"), PATTERNS)
def test_hostile_form_posts(client, samples, path_template, name):
    """POSTs of junk (no CSRF token, odd fields) get a clear refusal, never a 500."""
    url = fill(path_template, samples)
    junk = {
        "name": SCRIPT,
        "text": "x\x00y" + "z" * 20000,
        "email": ATTRIBUTE_BREAK,
        "parent": "-1",
        "token": "../../etc",
        "next": "//evil.example/",
        "language": "xx" * 100,
        "username": "' OR 1=1 --",
        "password": "a" * 5000,
    }
    check(client.post(url, junk), url)


def test_bad_list_parameters_answer_400_not_500(client):
    make_post()
    for query in (
        "max-results=abc",
        "max-results=-1",
        "max-results=0",
        "updated-max=yesterday",
        "updated-max=" + "9" * 100,
    ):
        response = client.get("/?" + query)
        assert response.status_code == 400, query


# Parsers, with arbitrary input.


@given(st.text())
def test_blogger_slug_is_always_a_short_ascii_slug(title):
    slug = text.blogger_slug(title)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug) <= text.SLUG_MAX_LENGTH


@given(st.one_of(st.none(), st.text(max_size=50), st.integers().map(str)))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_max_results_is_in_range_or_a_bad_request(value):
    try:
        number = paging.parse_max_results(value)
    except BadRequest:
        return
    assert 1 <= number <= 150


@given(st.one_of(st.none(), st.text(max_size=60)))
def test_cursor_is_an_aware_time_or_a_bad_request(value):
    try:
        moment = paging.parse_time(value)
    except BadRequest:
        return
    assert moment is None or timezone.is_aware(moment)


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(2200, 1, 1),
        timezones=st.just(UTC),
    )
)
def test_cursor_round_trips_through_its_text(moment):
    assert paging.parse_time(paging.cursor_value(moment)) == moment


@given(st.text(max_size=80), st.integers(1, 10**6), st.integers(1, 10**6))
def test_size_grammar_returns_a_bounded_size_or_none(value, width, height):
    request = thumbnails.parse_request(value)
    if request is None:
        return
    made = thumbnails.canonical(request, width, height)
    assert thumbnails.parse_size(made.key) is not None
    out_width, out_height = thumbnails.output_size(made, width, height)
    assert 1 <= out_width <= thumbnails.max_side()
    assert 1 <= out_height <= thumbnails.max_side()


@given(st.integers(min_value=0, max_value=10**30), st.booleans())
def test_size_grammar_reads_what_it_writes(side, crop):
    name = "s%d%s" % (side, "-c" if crop else "")
    request = thumbnails.parse_request(name)
    if side == 0 and crop:
        assert request is None
    else:
        assert (request.side, request.crop, request.name) == (side, crop, name)


@given(st.text(max_size=700))
def test_search_query_parser_never_fails(value):
    parsed = search.parse_query(value)
    for words in parsed.terms:
        assert words and all(word.strip() for word in words)


def test_far_future_and_past_cursors_are_answered(client):
    """Times at the ends of the calendar cannot overflow into a 500."""
    make_post()
    for moment in (
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59",
    ):
        response = client.get("/", {"updated-max": moment})
        assert response.status_code in (200, 400), moment
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.get("/", {"updated-max": tomorrow}).status_code == 200


# Error pages: they must render whatever made the request bad, above all a
# Host outside ALLOWED_HOSTS (DisallowedHost is raised again by every
# get_host() call, so a page that reads the host turns a 400 into a 500).


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_error_pages_render_without_reading_the_host(rf, status):
    from django.core.exceptions import PermissionDenied, SuspiciousOperation
    from django.http import Http404

    request = rf.get("/missing/", HTTP_HOST="evil.example")

    def no_host(*args, **kwargs):
        raise AssertionError("an error page read the request's host")

    request.get_host = no_host
    request.build_absolute_uri = no_host
    handler = get_resolver().resolve_error_handler(status)
    exception = {
        400: SuspiciousOperation("Invalid HTTP_HOST header"),
        403: PermissionDenied(),
        404: Http404(),
    }.get(status)
    response = handler(request) if status == 500 else handler(request, exception)
    assert response.status_code == status
    assert b"evil.example" not in response.content


def test_normal_pages_keep_their_canonical_address(client):
    post = make_post(title="A story")
    for url in ("/", post.get_absolute_url(), "/search"):
        body = client.get(url).content.decode()
        assert '<link rel="canonical" href="http://testserver/' in body, url
        assert 'property="og:url"' in body, url


# Dates at the ends of the calendar, in every place a date is read from the
# address: archives, Blogger's legacy archive pages, list and feed cursors.

EDGE_ARCHIVES = {
    "/0000/": 404,
    "/0001/": 404,  # 1 January of year 1 in India is still year 0 in UTC
    "/0001/01/": 404,
    "/0001/02/": 200,
    "/2024/00/": 404,
    "/2024/13/": 404,
    "/2024/02/": 200,
    "/9999/01/": 200,
    "/9999/12/": 404,  # ends in year 10000
    "/9999/": 404,
}
# Blogger's day archive: a real day moves to its month, anything else is a 404.
EDGE_LEGACY_ARCHIVES = {
    "/0000_01_01_archive.html": None,
    "/0001_01_01_archive.html": None,
    "/0001_02_01_archive.html": "/0001/02/",
    "/2024_02_29_archive.html": "/2024/02/",
    "/2025_02_29_archive.html": None,
    "/2025_02_30_archive.html": None,
    "/2025_01_00_archive.html": None,
    "/2025_01_31_archive.html": "/2025/01/",
    "/2025_01_32_archive.html": None,
    "/2025_00_10_archive.html": None,
    "/2025_13_10_archive.html": None,
    "/9999_12_31_archive.html": None,
}
EDGE_TIMES = [
    "0000-01-01T00:00:00",
    "0001-01-01",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+14:00",
    "10000-01-01T00:00:00",
    "2024-02-29T12:00:00+05:30",
    "2025-02-29T12:00:00",
    "2025-13-01",
    "2025-00-10",
    "2025-01-00",
    "2025-01-32",
]
TIME_PARAMETERS = ["updated-max", "updated-min", "published-min", "published-max"]


def test_archives_at_the_ends_of_the_calendar_are_404_not_500(client):
    make_post()
    for url, status in EDGE_ARCHIVES.items():
        assert client.get(url).status_code == status, url


def test_legacy_archive_pages_move_only_real_days(client):
    make_post()
    for url, target in EDGE_LEGACY_ARCHIVES.items():
        response = client.get(url)
        if target is None:
            assert response.status_code == 404, url
        else:
            assert response.status_code == 301, url
            assert response["Location"] == target, url
            assert client.get(target).status_code == 200, url


@pytest.mark.parametrize(
    "zone", ["UTC", "Asia/Kolkata", "Pacific/Kiritimati", "Etc/GMT+12"]
)
def test_archive_bounds_fit_the_database_or_are_404(zone):
    from zoneinfo import ZoneInfo

    from django.http import Http404

    from articles.views import archive_bounds

    for year in (0, 1, 2, 1970, 9998, 9999, 10000):
        for month in (None, 0, 1, 2, 12, 13):
            try:
                start, end = archive_bounds(year, month, ZoneInfo(zone))
            except Http404:
                continue
            assert start.astimezone(UTC) < end.astimezone(UTC)


def test_edge_times_in_list_and_feed_parameters_are_answered(client):
    post = make_post(labels=["KERALA"])
    year = post.permalink.split("/")[1]
    pages = [
        "/",
        "/search",
        "/search/label/KERALA",
        "/%s/" % year,
        "/feeds/posts/default",
        "/feeds/posts/default?alt=json",
        "/feeds/comments/default",
    ]
    for page in pages:
        joiner = "&" if "?" in page else "?"
        for name in TIME_PARAMETERS:
            for moment in EDGE_TIMES:
                url = "%s%s%s=%s" % (page, joiner, name, moment.replace("+", "%2B"))
                response = client.get(url)
                assert response.status_code in (200, 400), url


# Hostile headers on the reader pages: the host, proxy headers, cookies,
# languages, ranges. Each answer is a clear refusal or the page, never a 500.

BAD_HOSTS = [
    "evil.example",
    "",
    "evil.example:8000",
    "testserver.evil.example",
    "testserver@evil.example",
    "testserver evil",
    "नया.example",
    "\u00e9vil.example",
    "a" * 5000,
    "[::1",
    "testserver:abc",
    "-x.example",
]
# Django reads only the name: any port digits are fine.
GOOD_HOSTS = [
    "testserver",
    "testserver:80",
    "127.0.0.1:8000",
    "TESTSERVER",
    "testserver:99999999999",
]
JUNK_HEADERS = {
    "HTTP_X_FORWARDED_FOR": [
        "",
        "not-an-address",
        "999.999.999.999",
        "1.2.3.4, , ,x",
        "::ffff:1.2.3.4%eth0",
        "[::1]:80",
        "a" * 5000,
        "x\x00y",
        SCRIPT,
    ],
    "HTTP_X_REAL_IP": ["", "not-an-address", "fe80::1%25lo", "a" * 5000, "1.2.3.4\x00"],
    "HTTP_X_FORWARDED_HOST": ["evil.example", "", "a" * 5000, "x, y, z"],
    "HTTP_X_FORWARDED_PROTO": ["", "https, http", "gopher", "HTTPS", "a" * 5000],
    "HTTP_X_FORWARDED_PORT": ["", "abc", "-1", "99999999999"],
    "HTTP_COOKIE": [
        "csrftoken=",
        "csrftoken=x",
        "csrftoken=" + "!" * 64,
        "csrftoken=" + "a" * 5000,
        'csrftoken="\\000"',
        "sessionid=junk",
        "sessionid=" + "a" * 5000,
        "sessionid=../../etc/passwd",
        'sessionid="abcdefgh\\000ijk"',
        "sessionid=%00abcdefgh",
        "django_language=xx",
        "django_language=../../etc",
        "django_language=" + "hi" * 500,
        "django_language=hi;django_language=en",
        'django_language="\\000"',
        "=; ;;; =x; a==b; sessionid",
        "; ".join("c%d=%s" % (number, "v" * 100) for number in range(100)),
        "big=" + "x" * 10000,
        SCRIPT,
    ],
    "HTTP_ACCEPT_LANGUAGE": [
        "",
        "*",
        "xx-YY",
        "hi;q=abc",
        "hi;q=2, en;q=-1",
        "hi-IN;q=1e309",
        "zh-Hant-TW-x-private-" + "a" * 500,
        "en-US,en;q=0.9," * 300,
        ";;;,,,",
        "हिन्दी",
        "../../etc/passwd",
        "a" * 5000,
    ],
    "HTTP_RANGE": [
        "bytes=0-0",
        "bytes=-1",
        "bytes=5-1",
        "bytes=99999999999999999999999-",
        "bytes=a-b",
        "pages=1-2",
        "bytes=" + "0-0," * 1000,
        "bytes=-0",
    ],
    "HTTP_IF_MODIFIED_SINCE": ["yesterday", "Mon, 99 Foo 99999 99:99:99 GMT"],
    "HTTP_IF_NONE_MATCH": ["*", '"' * 100, "W/", "a" * 5000],
    "HTTP_ACCEPT": ["image/webp;q=abc", "*/*;q=1e309", "a" * 5000],
}


@pytest.fixture
def reader_pages(samples):
    return [
        "/",
        "/%s/%s/%s.html" % (samples["year"], samples["month"], samples["slug"]),
        "/search/label/KERALA",
        "/search?q=story",
        "/feeds/posts/default",
        "/feeds/posts/default?alt=json-in-script&callback=cb",
        "/img/%s/s320/photo.jpg" % samples["key"],
        "/robots.txt",
        "/sitemap.xml",
        "/p/%s.html" % samples["page_slug"],
    ]


def test_a_host_outside_allowed_hosts_is_400_on_every_reader_page(client, reader_pages):
    for url in reader_pages:
        for host in BAD_HOSTS:
            response = client.get(url, HTTP_HOST=host)
            assert response.status_code == 400, (url, host[:40])
            assert b"Bad request" in response.content
        for host in GOOD_HOSTS:
            response = client.get(url, HTTP_HOST=host)
            assert response.status_code == 200, (url, host)


@pytest.mark.parametrize("header", sorted(JUNK_HEADERS))
def test_junk_headers_never_give_a_500(client, settings, reader_pages, header):
    # As behind the production proxy: the scheme comes from X-Forwarded-Proto
    # and the comment limits read the client's address from X-Real-IP.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.COMMENTS = {
        **getattr(settings, "COMMENTS", {}),
        "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
    }
    for url in reader_pages:
        for value in JUNK_HEADERS[header]:
            response = client.get(url, **{header: value})
            check(response, url)
            client.cookies.clear()
