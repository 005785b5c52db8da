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
    {(template(route), name) for route, name in walk(get_resolver().url_patterns)}
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


@given(st.text(max_size=30))
def test_size_grammar_returns_a_size_or_none(value):
    size = thumbnails.parse_size(value)
    if size is not None:
        assert size.width >= 0 and size.height >= 0
    allowed = thumbnails.allowed_size(value)
    assert allowed is None or value in thumbnails.allowed_sizes()


@given(st.integers(min_value=0, max_value=10**30), st.booleans())
def test_size_grammar_reads_what_it_writes(side, crop):
    name = "s%d%s" % (side, "-c" if crop else "")
    size = thumbnails.parse_size(name)
    if size is not None and side:
        assert (size.width, size.crop) == (side, crop)


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
