"""Issue 18, points 3 and 4 in Chromium, at 390x844 and 1366x900: an old
post's date is on the screen without hovering (and the script adds it when a
page cached earlier outlives the week); Load more, open a story, Back: the
cards and the scroll position are as they were, with and without JavaScript."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import make_comment, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-r3"
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1366, "height": 900},
}


def shoot(page, name, full_page=False):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / ("%s.png" % name)), full_page=full_page)


def whole_seconds_now():
    return timezone.now().replace(microsecond=0) - timedelta(seconds=5)


def shown_date(moment):
    """`Nov 20, 2026` in the site's (the server's) time zone."""
    return timezone.localtime(moment).strftime("%b %d, %Y")


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_an_old_post_shows_its_date_without_hovering(live_server, browser, screen):
    now = whole_seconds_now()
    published = now - timedelta(days=40)
    post = make_post(
        title="Harbour works finish after a long winter",
        labels=["News"],
        published_at=published,
    )
    make_post(
        title="Fresh story", labels=["News"], published_at=now - timedelta(hours=2)
    )
    comment = make_comment(post, name="Meera")
    Comment.objects.filter(pk=comment.pk).update(created_at=now - timedelta(days=9))
    context = browser.new_context(viewport=VIEWPORTS[screen])
    page = context.new_page()

    page.goto(live_server.url + post.get_absolute_url())
    header = page.locator(".post-header, article").first
    date = header.locator(".reltime-date").first
    expect(date).to_be_visible()
    expect(date).to_have_text("· " + shown_date(published))
    expect(header.locator("time").first).to_have_text("more than 5 weeks ago")
    comment_head = page.locator(".comment-head", has_text="Meera")
    comment_date = comment_head.locator(".reltime-date")
    expect(comment_date).to_be_visible()
    expect(comment_date).to_have_text("· " + shown_date(now - timedelta(days=9)))
    expect(comment_head.locator("time")).to_have_text("2 weeks ago")
    shoot(page, "dates-post-%s" % screen)
    comment_head.scroll_into_view_if_needed()
    shoot(page, "dates-comment-%s" % screen)

    page.goto(live_server.url + "/search/label/News")
    old_card = page.locator("article.card", has_text="Harbour works")
    expect(old_card.locator(".reltime-date")).to_be_visible()
    expect(old_card.locator(".meta")).to_contain_text(
        "more than 5 weeks ago · " + shown_date(published)
    )
    # A recent story keeps the relative time alone.
    fresh = page.locator("article.card", has_text="Fresh story")
    expect(fresh.locator("time")).to_have_text("2 hours ago")
    expect(fresh.locator(".reltime-date")).to_have_count(0)
    shoot(page, "dates-label-%s" % screen)
    context.close()


def test_a_page_served_at_six_days_shows_the_date_once_the_post_is_a_week_old(
    live_server, page
):
    now = whole_seconds_now()
    published = now - timedelta(days=6, hours=23)
    make_post(title="Ferry timetable changes", published_at=published)
    page.clock.install(time=now)
    page.goto(live_server.url + "/search")
    card = page.locator("article.card", has_text="Ferry timetable")
    expect(card.locator("time")).to_have_text("6 days ago")
    expect(card.locator(".reltime-date")).to_have_count(0)
    # The tab stays open past the week: the script adds the date.
    page.clock.fast_forward("02:00:00")
    expect(card.locator("time")).to_have_text("1 week ago")
    expect(card.locator(".reltime-date")).to_have_text("· " + shown_date(published))
    expect(card.locator(".reltime-date")).to_be_visible()

    # The same server-rendered page (as from a page cache), opened 2 days on.
    page.clock.set_fixed_time(now + timedelta(days=2))
    page.reload()
    expect(card.locator("time")).to_have_text("2 weeks ago")
    expect(card.locator(".reltime-date")).to_have_count(1)
    expect(card.locator(".reltime-date")).to_have_text("· " + shown_date(published))
    shoot(page, "dates-after-a-week")


@pytest.fixture
def stories(live_server):
    """Twelve live stories, newest first, one hour apart."""
    now = timezone.now()
    return [
        make_post(
            title="Story %02d" % index,
            labels=["News"],
            published_at=now - timedelta(hours=index + 1),
        ).title
        for index in range(12)
    ]


def card_titles(page):
    return page.locator("#post-list article.card .card-title").all_inner_texts()


def scroll_to_card(page, title):
    """Scroll so the story's card is in the middle of the screen; the scroll offset."""
    card = page.locator("#post-list article.card", has_text=title)
    card.evaluate("card => card.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(100)
    return page.evaluate("window.scrollY")


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_back_after_load_more_restores_the_cards_and_the_place(
    live_server, browser, stories, screen
):
    context = browser.new_context(viewport=VIEWPORTS[screen])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/search/label/News?max-results=4")
    button = page.get_by_role("button", name="Load more")
    for loaded in (8, 12):
        button.click()
        expect(page.locator("#post-list article.card")).to_have_count(loaded)
    assert card_titles(page) == stories
    # The address is the state: the list down to the last card.
    assert "until=" in page.url and "max-results=4" in page.url
    offset = scroll_to_card(page, "Story 10")
    assert offset > 0
    shoot(page, "back-before-%s" % screen)

    with page.expect_navigation():
        page.locator("#post-list article.card", has_text="Story 10").locator(
            ".card-title a"
        ).click()
    expect(page.locator("h1")).to_have_text("Story 10")
    page.go_back()
    expect(page.locator("#post-list article.card")).to_have_count(12)
    assert card_titles(page) == stories
    page.wait_for_function("Math.abs(window.scrollY - %d) < 5" % offset)
    expect(
        page.locator("#post-list article.card", has_text="Story 10")
    ).to_be_in_viewport()
    shoot(page, "back-after-%s" % screen)

    # Not only the browser's memory: the server renders the same cards
    # from the address (a reload, a shared link).
    fresh = context.new_page()
    fresh.goto(page.url)
    assert card_titles(fresh) == stories
    # Nothing older: the script says so instead of offering Load more.
    expect(fresh.locator("a.pager-older")).to_have_count(0)
    assert errors == []
    context.close()


def test_back_after_load_more_on_the_home_page(live_server, page, stories):
    page.goto(live_server.url + "/?max-results=5")
    page.get_by_role("button", name="Load more").click()
    expect(page.locator("#post-list article.card")).to_have_count(10)
    shown = card_titles(page)
    assert page.url.startswith(live_server.url + "/?") and "until=" in page.url
    offset = scroll_to_card(page, shown[8])
    with page.expect_navigation():
        page.locator("#post-list .card-title a", has_text=shown[8]).click()
    page.go_back()
    expect(page.locator("#post-list article.card")).to_have_count(10)
    assert card_titles(page) == shown
    page.wait_for_function("Math.abs(window.scrollY - %d) < 5" % offset)
    # Load more carries on after the restored cards.
    page.get_by_role("button", name="Load more").click()
    expect(page.locator("#post-list article.card")).to_have_count(len(stories))


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_back_without_javascript_restores_the_page_and_the_place(
    live_server, browser, stories, screen
):
    context = browser.new_context(viewport=VIEWPORTS[screen], java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/search/label/News?max-results=6")
    with page.expect_navigation(wait_until="load"):
        page.locator("a.pager-older").click()
    second = card_titles(page)
    assert second == stories[6:]
    address = page.url
    card = page.locator("#post-list article.card", has_text="Story 10")
    card.scroll_into_view_if_needed()
    offset = page.evaluate("window.scrollY")
    with page.expect_navigation(wait_until="load"):
        card.locator(".card-title a").click()
    page.go_back(wait_until="load")
    assert page.url == address
    assert card_titles(page) == second
    page.wait_for_function("Math.abs(window.scrollY - %d) < 5" % offset)
    shoot(page, "back-nojs-%s" % screen)
    context.close()


def test_ranked_search_keeps_its_place_too(live_server, page, stories):
    page.goto(live_server.url + "/search?q=Story&max-results=4")
    expect(page.locator("#post-list article.card")).to_have_count(4)
    page.get_by_role("button", name="Load more").click()
    expect(page.locator("#post-list article.card")).to_have_count(8)
    shown = card_titles(page)
    assert "end=8" in page.url
    with page.expect_navigation():
        page.locator("#post-list .card-title a", has_text=shown[6]).click()
    page.go_back()
    expect(page.locator("#post-list article.card")).to_have_count(8)
    assert card_titles(page) == shown
    page.get_by_role("button", name="Load more").click()
    expect(page.locator("#post-list article.card")).to_have_count(12)
    assert sorted(card_titles(page)) == sorted(stories)
