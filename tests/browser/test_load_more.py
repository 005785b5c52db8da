""" "Load more" in Chromium: appends the next pages in place, ends with
"Loaded All Posts"; without JavaScript the "Older posts" links still work."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stories(live_server):
    """Eight live TOP STORY posts, newest first, one hour apart."""
    now = timezone.now()
    return [
        make_post(
            title="Story %d" % index,
            labels=["TOP STORY"],
            published_at=now - timedelta(hours=index + 1),
        ).title
        for index in range(8)
    ]


def card_titles(page):
    return page.locator("#post-list article.card .card-title").all_inner_texts()


def load_all(page):
    """Click "Load more" until it reads "Loaded All Posts"; the number of clicks."""
    button = page.locator("button.load-more-button")
    expect(button).to_have_text("Load more")
    clicks = 0
    while button.inner_text() != "Loaded All Posts":
        button.click()
        clicks += 1
        expect(button).not_to_have_attribute("aria-busy", "true")
        assert clicks < 10
    expect(button).to_have_attribute("aria-disabled", "true")
    return clicks


def watch_errors(page):
    errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(message.text),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_label_page_loads_every_post_once_in_order(live_server, page, stories):
    errors = watch_errors(page)
    page.goto(live_server.url + "/search/label/TOP%20STORY?max-results=3")
    assert card_titles(page) == stories[:3]
    # The script replaces the "Older posts" link with the button.
    expect(page.locator("a.pager-older")).to_be_hidden()
    assert load_all(page) == 2
    assert card_titles(page) == stories
    expect(page.get_by_role("status")).to_have_text("Loaded All Posts")
    assert errors == []


def test_home_loads_the_latest_posts_once_in_order(live_server, page, stories):
    errors = watch_errors(page)
    page.goto(live_server.url + "/?max-results=3")
    load_all(page)
    # The newest TOP STORY leads the page above Latest, which leaves it out.
    assert page.locator("section.featured .card-title").inner_text() == stories[0]
    assert card_titles(page) == stories[1:]
    # Home's cards keep their heading level in the appended pages.
    assert page.locator("#post-list h3.card-title").count() == 7
    assert errors == []


def test_keyboard_loads_more_and_focus_moves_to_the_first_new_story(
    live_server, page, stories
):
    page.goto(live_server.url + "/search/label/TOP%20STORY?max-results=3")
    button = page.get_by_role("button", name="Load more")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_text("Story 3")
    expect(page.get_by_role("status")).to_have_text("More posts loaded")
    assert card_titles(page) == stories[:6]


def test_search_results_load_more_in_rank_order(live_server, page, stories):
    page.goto(live_server.url + "/search?q=story&max-results=3")
    first = card_titles(page)
    load_all(page)
    titles = card_titles(page)
    assert titles[:3] == first
    assert sorted(titles) == sorted(stories)


def test_without_javascript_older_posts_links_walk_the_list(
    live_server, browser, stories
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/search/label/TOP%20STORY?max-results=3")
    assert page.get_by_role("button", name="Load more").count() == 0
    seen = card_titles(page)
    while page.locator("a.pager-older").count():
        # Read the next page only once the browser has loaded it: the click
        # returns before the navigation ends.
        with page.expect_navigation(wait_until="load"):
            page.locator("a.pager-older").click()
        seen += card_titles(page)
    assert seen == stories
    assert "/search/label/TOP%20STORY?" in page.url
    context.close()
