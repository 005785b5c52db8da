"""Relative times and code boxes in a real Chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.articles.test_reltime import BOUNDARIES
from tests.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = 'def greet(name):\n    return "Hello, %s" % name\n\nprint(greet("Kochi"))'
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def whole_seconds_now():
    return timezone.now().replace(microsecond=0) - timedelta(seconds=5)


def card_time(page, title):
    return page.locator("article.card", has_text=title).locator("time")


def test_the_script_follows_the_table_at_every_boundary(live_server, page):
    now = whole_seconds_now()
    for index, (age, _text) in enumerate(BOUNDARIES):
        make_post(title="Story %02d" % index, published_at=now - age)
    page.clock.set_fixed_time(now)
    page.goto(live_server.url + "/search?max-results=50")
    for index, (_age, text) in enumerate(BOUNDARIES):
        expect(card_time(page, "Story %02d" % index)).to_have_text(text)


def test_a_time_in_the_future_of_the_reader_shows_the_absolute_date(live_server, page):
    now = whole_seconds_now()
    make_post(title="Published yesterday", published_at=now - timedelta(days=1))
    page.clock.set_fixed_time(now - timedelta(days=2))
    page.goto(live_server.url + "/search")
    time = card_time(page, "Published yesterday")
    title = time.get_attribute("title")
    assert title.endswith(str(now.year))
    expect(time).to_have_text(title)


def test_a_page_served_earlier_reads_right_three_hours_later(live_server, page):
    now = whole_seconds_now()
    post = make_post(title="Harbour reopens", published_at=now - timedelta(minutes=5))
    page.clock.install(time=now)
    page.goto(live_server.url + "/search")
    time = card_time(page, "Harbour reopens")
    expect(time).to_have_text("5 minutes ago")
    # The tab stays open: the minute timer brings the text up to date.
    page.clock.fast_forward("03:00:00")
    expect(time).to_have_text("3 hours ago")

    # The same server-rendered HTML (as from a page cache) opened 3 hours on.
    html = page.context.request.get(live_server.url + post.get_absolute_url()).text()
    assert ">5 minutes ago</time>" in html
    later = page.context.new_page()
    later.clock.install(time=now + timedelta(hours=3))
    later.goto(live_server.url + post.get_absolute_url())
    expect(later.locator(".post-header time")).to_have_text("3 hours ago")


@pytest.fixture
def code_post(db):
    return make_post(
        title="Printing a greeting",
        body="<p>Run this:</p><pre><code>%s</code></pre><p>Done.</p>"
        % CODE.replace("<", "&lt;"),
    )


def with_csp(page):
    """Serve pages with a policy that forbids inline scripts; collect violations."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )

    def add_policy(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": CSP}
        route.fulfill(response=response, headers=headers)

    page.route(lambda url: "/static/" not in url and "/img/" not in url, add_policy)
    return violations


def test_copy_all_code_copies_with_the_keyboard(live_server, page, code_post):
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    violations = with_csp(page)
    page.goto(live_server.url + code_post.get_absolute_url())
    copy = page.get_by_role("button", name="Copy All Code")
    copy.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "All codes were copied to your clipboard"
    )
    assert page.evaluate("navigator.clipboard.readText()") == CODE
    assert violations == []


def test_select_all_code_selects_the_block(live_server, page, code_post):
    violations = with_csp(page)
    page.goto(live_server.url + code_post.get_absolute_url())
    select = page.get_by_role("button", name="Select All Code")
    select.focus()
    page.keyboard.press("Space")
    assert page.evaluate("window.getSelection().toString()") == CODE
    assert violations == []


def test_a_refused_copy_selects_the_code_and_says_how_to_copy(
    live_server, page, code_post
):
    page.add_init_script(
        "navigator.clipboard.writeText = () => Promise.reject(new Error('denied'));"
    )
    page.goto(live_server.url + code_post.get_absolute_url())
    page.get_by_role("button", name="Copy All Code").click()
    expect(page.get_by_role("status")).to_have_text(
        "Can not copy the codes / texts, please press [CTRL]+[C] "
        "(or CMD+C with Mac) to copy"
    )
    assert page.evaluate("window.getSelection().toString()") == CODE


def test_relative_times_work_under_a_strict_content_security_policy(live_server, page):
    now = whole_seconds_now()
    make_post(title="Fresh story", published_at=now - timedelta(hours=2))
    violations = with_csp(page)
    page.clock.set_fixed_time(now + timedelta(hours=1))
    page.goto(live_server.url + "/search")
    expect(card_time(page, "Fresh story")).to_have_text("3 hours ago")
    assert violations == []
