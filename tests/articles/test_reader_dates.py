"""Dates a reader can see (issue 18, point 3): past a week the absolute date
stands beside the relative time, without hovering, on posts, cards and
comments; in the site's time zone and the reader's language. The seed's
relative-time texts stay as they are (tests/articles/test_reltime.py)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation

from articles.models import SiteSettings
from articles.reltime import DATED_FROM, script_table, shows_date
from comments.models import Comment
from tests.conftest import FROZEN_NOW
from tests.factories import make_comment, make_post

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
# 20:00 UTC on 20 February: already 21 February in Kolkata, still the 20th in
# New York. 12 days 10.5 hours before FROZEN_NOW: "2 weeks ago".
LATE_EVENING_UTC = datetime(2026, 2, 20, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english():
    # A request through the test client leaves its language active.
    with translation.override("en"):
        yield


def render_time(moment):
    return Template("{% load articles_tags %}{% post_time moment %}").render(
        Context({"moment": moment})
    )


def visible_text(html):
    """What a reader sees of the markup (tags dropped)."""
    return re.sub(r"<[^>]+>", "", html)


def time_of(html):
    """The first <time> element of `html`, as markup."""
    return re.search(r"<time .*?</time>", html).group(0)


def time_after(html, marker):
    """The first <time> element after `marker` and the date beside it, as markup."""
    rest = html[html.index(marker) :]
    return re.search(
        r'<time .*?</time>(<span class="reltime-date"><span[^>]*>[^<]*</span>[^<]*</span>)?',
        rest,
    ).group(0)


@pytest.mark.parametrize(
    "age, text",
    [
        (DAY, "Yesterday"),
        (7 * DAY - SECOND, "6 days ago"),
        (7 * DAY, "1 week ago · Feb 26, 2026"),
        (8 * DAY, "2 weeks ago · Feb 25, 2026"),
        (31 * DAY - SECOND, "5 weeks ago · Feb 02, 2026"),
        (31 * DAY, "more than 5 weeks ago · Feb 02, 2026"),
        (400 * DAY, "more than 5 weeks ago · Jan 29, 2025"),
    ],
)
def test_the_date_is_shown_from_a_week_on(frozen_now, age, text):
    html = render_time(FROZEN_NOW - age)
    assert visible_text(html) == text
    # The <time> element itself reads as the seed's table.
    assert re.fullmatch(r"<time [^>]*>%s</time>" % text.split(" · ")[0], time_of(html))


def test_a_recent_time_keeps_exactly_the_seed_markup(frozen_now):
    assert render_time(FROZEN_NOW - 6 * DAY) == (
        '<time datetime="2026-02-27T12:00:00+05:30" title="Feb 27, 2026" '
        "data-reltime>6 days ago</time>"
    )


def test_an_old_time_is_followed_by_its_date(frozen_now):
    assert render_time(FROZEN_NOW - 8 * DAY) == (
        '<time datetime="2026-02-25T12:00:00+05:30" title="Feb 25, 2026" '
        'data-reltime>2 weeks ago</time><span class="reltime-date">'
        '<span aria-hidden="true"> · </span>Feb 25, 2026</span>'
    )


def test_a_future_time_shows_its_date_once(frozen_now):
    html = render_time(FROZEN_NOW + 10 * DAY)
    assert visible_text(html) == "Mar 15, 2026"


@pytest.mark.parametrize(
    "zone, date",
    [("Asia/Kolkata", "Feb 21, 2026"), ("America/New_York", "Feb 20, 2026")],
)
def test_the_date_is_the_day_in_the_site_time_zone(frozen_now, zone, date):
    with timezone.override(zone):
        html = render_time(LATE_EVENING_UTC)
    assert visible_text(html) == "2 weeks ago · " + date
    assert 'title="%s"' % date in html


@pytest.mark.parametrize(
    "zone, date",
    [("Asia/Kolkata", "फ़रवरी 21, 2026"), ("America/New_York", "फ़रवरी 20, 2026")],
)
def test_the_date_is_in_the_reader_language(frozen_now, zone, date):
    with translation.override("hi"), timezone.override(zone):
        html = render_time(LATE_EVENING_UTC)
        six_days = render_time(FROZEN_NOW - 6 * DAY)
    assert visible_text(html) == "2 सप्ताह पहले · " + date
    assert visible_text(six_days) == "6 दिन पहले"


def test_the_threshold_is_where_the_ladder_starts_counting_weeks(frozen_now):
    assert DATED_FROM == 7 * 24 * 3600
    assert not shows_date(FROZEN_NOW - 7 * DAY + SECOND)
    assert shows_date(FROZEN_NOW - 7 * DAY)
    assert not shows_date(FROZEN_NOW + DAY)


def test_the_script_table_carries_the_threshold_and_separator():
    table = script_table()
    assert table["dated_from"] == DATED_FROM
    assert table["separator"] == " · "


@pytest.fixture
def site_in_new_york(db):
    site = SiteSettings.load()
    site.time_zone = "America/New_York"
    site.save()
    return site


def test_post_and_card_show_the_date_in_the_site_time_zone(
    client, frozen_now, site_in_new_york
):
    post = make_post(title="An older story", published_at=LATE_EVENING_UTC)
    page = client.get(post.get_absolute_url()).content.decode()
    assert '2 weeks ago</time><span class="reltime-date">' in page
    assert "</span>Feb 20, 2026</span>" in page
    listing = client.get("/search").content.decode()
    card = listing[listing.index('<article class="card') :]
    card = card[: card.index("</article>")]
    assert "</span>Feb 20, 2026</span>" in card


def test_a_recent_post_shows_no_date_beside_its_time(client, frozen_now, db):
    post = make_post(published_at=FROZEN_NOW - 3 * DAY)
    page = client.get(post.get_absolute_url()).content.decode()
    assert ">3 days ago</time>" in page
    assert "reltime-date" not in page


def test_comments_show_their_date_past_a_week(client, frozen_now, db):
    post = make_post(published_at=FROZEN_NOW - 40 * DAY)
    old = make_comment(post, name="Old reader")
    new = make_comment(post, name="New reader")
    Comment.objects.filter(pk=old.pk).update(created_at=FROZEN_NOW - 10 * DAY)
    Comment.objects.filter(pk=new.pk).update(created_at=FROZEN_NOW - 2 * DAY)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    html = client.get(post.get_absolute_url()).content.decode()
    comments = html[html.index('<section id="comments"') :]
    assert visible_text(time_after(comments, "Old reader")) == (
        "2 सप्ताह पहले · फ़रवरी 23, 2026"
    )
    assert visible_text(time_after(comments, "New reader")) == "2 दिन पहले"
