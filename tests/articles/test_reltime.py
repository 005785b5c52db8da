from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from articles.reltime import LADDER, relative_text, script_table
from tests.conftest import FROZEN_NOW

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)

# Every boundary of DESIGN 4.4's table: (age, text).
BOUNDARIES = [
    (0 * SECOND, "just now"),
    (59 * SECOND, "just now"),
    (60 * SECOND, "1 minute ago"),
    (119 * SECOND, "1 minute ago"),
    (120 * SECOND, "2 minutes ago"),
    (3599 * SECOND, "59 minutes ago"),
    (3600 * SECOND, "1 hour ago"),
    (7199 * SECOND, "1 hour ago"),
    (7200 * SECOND, "2 hours ago"),
    (86399 * SECOND, "23 hours ago"),
    (1 * DAY, "Yesterday"),
    (2 * DAY - SECOND, "Yesterday"),
    (2 * DAY, "2 days ago"),
    (6 * DAY, "6 days ago"),
    (7 * DAY - SECOND, "6 days ago"),
    (7 * DAY, "1 week ago"),
    (8 * DAY, "2 weeks ago"),
    (14 * DAY, "2 weeks ago"),
    (15 * DAY, "3 weeks ago"),
    (30 * DAY, "5 weeks ago"),
    (31 * DAY - SECOND, "5 weeks ago"),
    (31 * DAY, "more than 5 weeks ago"),
    (400 * DAY, "more than 5 weeks ago"),
]


@pytest.mark.parametrize("age, text", BOUNDARIES)
def test_relative_text_follows_the_magone_table(age, text):
    assert relative_text(FROZEN_NOW - age, now=FROZEN_NOW) == text


def test_a_future_time_reads_as_the_absolute_date():
    assert relative_text(FROZEN_NOW + SECOND, now=FROZEN_NOW) == "Mar 05, 2026"


def render_time(moment):
    return Template("{% load articles_tags %}{% post_time moment %}").render(
        Context({"moment": moment})
    )


def test_post_time_renders_relative_text_with_the_absolute_date_as_title(
    frozen_now,
):
    html = render_time(FROZEN_NOW - timedelta(hours=3))
    assert html == (
        '<time datetime="2026-03-05T09:00:00+05:30" title="Mar 05, 2026" '
        "data-reltime>3 hours ago</time>"
    )


def test_post_time_filter_form_renders_the_same_element(frozen_now):
    moment = FROZEN_NOW - timedelta(days=1)
    html = Template("{% load articles_tags %}{{ moment|post_time }}").render(
        Context({"moment": moment})
    )
    assert html == render_time(moment)
    assert ">Yesterday</time>" in html


def test_post_time_of_a_future_post_shows_the_absolute_date(frozen_now):
    html = render_time(FROZEN_NOW + timedelta(days=2))
    assert 'title="Mar 07, 2026" data-reltime>Mar 07, 2026</time>' in html


def test_post_time_of_no_time_is_empty():
    assert render_time(None) == ""


def test_absolute_date_is_in_the_site_time_zone(frozen_now):
    """20:00 UTC on 4 March is already 5 March in Asia/Kolkata."""
    moment = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
    assert 'datetime="2026-03-05T01:30:00+05:30" title="Mar 05, 2026"' in (
        render_time(moment)
    )


def script_text(table, age):
    """The script's algorithm (static/js/reltime.js), in Python."""
    for rung in table["ladder"]:
        if rung["below"] is not None and age >= rung["below"]:
            continue
        if "text" in rung:
            return rung["text"]
        n = -(-(age // rung["unit"]) // rung["per"])
        return rung["forms"][rung["pick"][n]].replace(table["placeholder"], str(n))


@pytest.mark.parametrize("language", ["en", "hi"])
def test_script_table_gives_the_server_text_at_every_second_of_the_ladder(language):
    """Every age up to 31 days reads the same in the browser as on the server."""
    with translation.override(language):
        table = script_table()
        last_rung = LADDER[-2].below
        ages = [*range(0, 7200), *range(7200, last_rung + 3600, 599)]
        for age in ages:
            expected = relative_text(FROZEN_NOW - age * SECOND, now=FROZEN_NOW)
            assert script_text(table, age) == expected, age


def test_script_table_is_emitted_once_per_page(client, db):
    html = client.get("/").content.decode()
    assert html.count('id="reltime-table"') == 1
    assert html.count("js/reltime.js") == 1
    assert '<script src="/static/js/reltime.js" defer></script>' in html
