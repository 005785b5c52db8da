"""Load more keeps your place (issue 18, point 4): `?until=<time>` is the
state of a list after "Load more" (static/js/loadmore.js puts it in the
address), and the server renders every card down to it, so Back, reload and a
shared link show the same cards. Bounded, and a malformed value is a 400."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.views import STATE_HEADER, UNTIL_PAGES
from tests.conftest import FROZEN_NOW
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def stories(count, labels=("TOP STORY",)):
    """`count` live posts, newest first, one hour apart; their titles."""
    return [
        make_post(
            title="Story %d" % index,
            labels=list(labels),
            published_at=FROZEN_NOW - timedelta(hours=index + 1),
        ).title
        for index in range(count)
    ]


def titles(response):
    return [post.title for post in response.context["posts"]]


def older_cursor(response):
    """The `updated-max` of the page's "Older posts" link, or None."""
    url = response.context["older_url"]
    if url is None:
        return None
    return parse_qs(urlsplit(url).query)["updated-max"][0]


def state(response):
    """The parameters the fragment's answer names for the address."""
    return {
        name: values[0] for name, values in parse_qs(response[STATE_HEADER]).items()
    }


def cursor_of(hours):
    return timezone.localtime(FROZEN_NOW - timedelta(hours=hours)).isoformat()


def test_until_shows_every_card_loaded_so_far(client, frozen_now):
    names = stories(10)
    first = client.get("/search/label/TOP%20STORY?max-results=3")
    assert titles(first) == names[:3]
    # What Load more fetched twice, then put in the address.
    second = client.get(
        "/search/label/TOP%20STORY",
        {"max-results": 3, "updated-max": older_cursor(first), "fragment": "h2"},
    )
    third = client.get(
        "/search/label/TOP%20STORY",
        {"max-results": 3, "updated-max": older_cursor(second), "fragment": "h2"},
    )
    assert titles(second) + titles(third) == names[3:9]
    until = state(third)["until"]
    restored = client.get(
        "/search/label/TOP%20STORY", {"max-results": 3, "until": until}
    )
    assert restored.status_code == 200
    assert titles(restored) == names[:9]
    # "Older posts" carries on where the reader stopped.
    assert older_cursor(restored) == until
    assert (
        titles(
            client.get(
                "/search/label/TOP%20STORY",
                {"max-results": 3, "updated-max": older_cursor(restored)},
            )
        )
        == names[9:]
    )


def test_the_fragment_names_the_time_of_its_last_card(client, frozen_now):
    stories(5)
    response = client.get("/search?max-results=2&updated-max=%s&fragment=h3" % "")
    assert state(response) == {"until": cursor_of(2)}
    last = client.get("/search", {"max-results": 2, "updated-max": cursor_of(4)})
    assert older_cursor(last) is None
    fragment = client.get(
        "/search", {"max-results": 2, "updated-max": cursor_of(4), "fragment": "h3"}
    )
    # The last page too: the address then shows every post.
    assert state(fragment) == {"until": cursor_of(5)}
    every = client.get("/search", {"max-results": 2, "until": cursor_of(5)})
    assert len(titles(every)) == 5
    assert every.context["older_url"] is None


def test_a_plain_page_names_no_state(client, frozen_now):
    stories(3)
    response = client.get("/search?max-results=2")
    assert STATE_HEADER not in response


def test_until_on_the_home_page(client, frozen_now):
    names = stories(30, labels=("News",))
    response = client.get("/", {"until": cursor_of(25)})
    assert response.status_code == 200
    shown = titles(response)
    assert shown[-1] == "Story 24"
    assert len(shown) > 20
    assert shown == [name for name in names if name in shown]
    assert older_cursor(response) == cursor_of(25)


def test_until_with_a_start_shows_that_stretch(client, frozen_now):
    names = stories(8)
    response = client.get(
        "/search",
        {"max-results": 2, "updated-max": cursor_of(2), "until": cursor_of(6)},
    )
    assert titles(response) == names[2:6]


def test_until_shows_at_least_a_page(client, frozen_now):
    names = stories(5)
    response = client.get(
        "/search", {"max-results": 3, "until": FROZEN_NOW.isoformat()}
    )
    assert titles(response) == names[:3]
    assert older_cursor(response) == cursor_of(3)


def test_until_is_bounded(client, frozen_now, settings):
    settings.NEWSROOM = {**getattr(settings, "NEWSROOM", {}), "PAGE_SIZE": 2}
    names = stories(2 * UNTIL_PAGES + 3)
    response = client.get("/search", {"until": cursor_of(10_000)})
    assert titles(response) == names[: 2 * UNTIL_PAGES]
    assert older_cursor(response) == cursor_of(2 * UNTIL_PAGES)


def ranked(count):
    """`count` posts that all match "harbour", newest first: their titles."""
    return [
        make_post(
            title="Harbour story %02d" % index,
            body="<p>The harbour reopens.</p>",
            published_at=FROZEN_NOW - timedelta(hours=index + 1),
        ).title
        for index in range(count)
    ]


def test_ranked_search_keeps_its_place_with_end(client, frozen_now):
    names = ranked(9)
    first = client.get("/search", {"q": "harbour", "max-results": 3})
    assert len(titles(first)) == 3
    second = client.get(
        "/search", {"q": "harbour", "max-results": 3, "start": 3, "fragment": "h2"}
    )
    assert state(second) == {"end": "6"}
    restored = client.get("/search", {"q": "harbour", "max-results": 3, "end": 6})
    assert titles(restored) == titles(first) + titles(second)
    # "Older posts" carries on after the sixth result.
    assert parse_qs(urlsplit(restored.context["older_url"]).query)["start"] == ["6"]
    rest = client.get("/search", {"q": "harbour", "max-results": 3, "start": 6})
    assert set(titles(restored) + titles(rest)) == set(names)


@pytest.mark.parametrize("value", ["six", "-1", "1" * 7])
def test_a_malformed_end_is_a_400(client, frozen_now, value):
    ranked(2)
    response = client.get("/search", {"q": "harbour", "end": value})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "value", ["yesterday", "2026-13-01T00:00:00", "x" * 50, "0000-01-01"]
)
def test_a_malformed_until_is_a_400(client, frozen_now, value):
    stories(2)
    for path in ("/", "/search", "/search/label/TOP%20STORY", "/2026/"):
        response = client.get(path, {"until": value})
        assert response.status_code == 400, (path, value)


def count(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("path", ["/", "/search", "/search/label/TOP%20STORY"])
def test_until_costs_no_more_queries_than_a_plain_page(client, frozen_now, path):
    stories(60)
    plain = count(client, path)
    assert count(client, "%s?until=%s" % (path, cursor_of(55).replace("+", "%2B"))) <= (
        plain
    )
