"""
Phone first (issue 18, point 2), in Chromium at 390×844 and 1366×900 on
demo-like data: a compact sticky header whose menu button works with and
without JavaScript (with the PAGES menu and search inside), a home page
within six phone screens with no story twice, label blocks in full rows,
card meta on one line and label badges lined up. Screenshots go to
$NEWSROOM_SHOTS/shots-r2/ (the temporary directory by default).
"""

import os
import random
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.demo import LABEL_COUNTS
from articles.models import SiteSettings
from tests.factories import make_image, make_page, make_post, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-r2"

# The demo's labels, roughly in its proportions (articles/demo.py).
LABELS = (
    ["AROUND THE GLOBE"] * 3
    + ["Movie", "SPECIAL STORY"] * 2
    + ["BY READERS", "FEATURE"]
)
PLACES = ["Kochi", "Chennai", "Geneva", "Nairobi", "Jakarta", "Lisbon", "Cairo"]
SUBJECTS = ["City council", "Fishermen", "Health officials", "Railway board"]
ACTIONS = ["weigh new plan for", "push back on", "celebrate record in"]
THINGS = ["harbour expansion", "monsoon relief", "night buses", "school meals"]


@pytest.fixture
def demo(live_server):
    """
    About 100 live posts like the demo's: its twelve labels, images, an
    author, recent posts and older ones over sixteen months (a full archive
    widget), and pages for the PAGES menu.
    """
    rng = random.Random(2025)
    author = make_user(username="asha", first_name="Asha", last_name="Menon")
    images = [make_image(size=(800, 600)) for _n in range(4)]
    now = timezone.now()
    others = [name for name in LABEL_COUNTS if name != "TOP STORY"]
    for number in range(100):
        labels = [rng.choice(LABELS) if number % 5 else rng.choice(others)]
        if number % 3 == 0:
            labels.insert(0, "TOP STORY")
        title = "%s %s %s in %s" % (
            rng.choice(SUBJECTS),
            rng.choice(ACTIONS),
            rng.choice(THINGS),
            rng.choice(PLACES),
        )
        age = (
            timedelta(hours=number + 1)
            if number < 60
            else timedelta(days=12 * (number - 59))
        )
        make_post(
            title="%s (%d)" % (title, number),
            labels=labels,
            author=author,
            featured_image=None if number % 11 == 5 else images[number % 4],
            body="<p>%s. More in the full story.</p>" % title * 6,
            published_at=now - age,
        )
    for title in ["About", "Contact", "Privacy policy"]:
        make_page(title=title, show_in_menu=True)
    make_page(title="Advertise", show_in_menu=False)
    return live_server


def open_page(browser, demo, path, viewport, javascript=True):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(demo.url + path)
    return page


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def header_height(page):
    return page.locator("header.site-header").bounding_box()["height"]


def test_phone_menu_button_opens_and_closes_with_javascript(browser, demo):
    page = open_page(browser, demo, "/", PHONE)
    assert header_height(page) <= 56
    button = page.get_by_role("button", name="Menu")
    expect(button).to_have_attribute("aria-expanded", "false")
    menu = page.locator("#site-menu")
    expect(menu).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="AROUND THE GLOBE")).to_be_visible()
    expect(menu.get_by_role("searchbox", name="Search")).to_be_visible()
    menu.get_by_text("Pages").click()
    expect(menu.get_by_role("link", name="Contact")).to_be_visible()
    expect(menu.get_by_role("link", name="Privacy policy")).to_be_visible()
    expect(menu.get_by_role("link", name="Advertise")).to_have_count(0)
    # The menu scrolls with the page: the header stays at the top.
    shot(page, "phone-menu-open.png")
    page.keyboard.press("Escape")  # the PAGES list first
    expect(menu.get_by_role("link", name="Contact")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    page.evaluate("window.scrollTo(0, 2000)")
    assert page.evaluate("window.scrollY") > 1000
    assert page.locator("header.site-header").bounding_box()["y"] == 0
    # Searching from the menu.
    button.click()
    menu.get_by_role("searchbox", name="Search").fill("harbour")
    menu.get_by_role("searchbox", name="Search").press("Enter")
    page.wait_for_url("**/search?q=harbour")
    expect(page.locator("#post-list article.card").first).to_be_visible()


def test_phone_menu_button_works_without_javascript(browser, demo):
    page = open_page(browser, demo, "/", PHONE, javascript=False)
    assert header_height(page) <= 56
    menu = page.locator("#site-menu")
    expect(menu).to_be_hidden()
    toggle = page.locator("label.menu-button")
    expect(toggle).to_be_visible()
    box = toggle.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    toggle.click()
    expect(menu.get_by_role("link", name="Movie")).to_be_visible()
    menu.get_by_text("Pages").click()
    expect(menu.get_by_role("link", name="About")).to_be_visible()
    shot(page, "phone-menu-open-nojs.png")
    toggle.click()
    expect(menu).to_be_hidden()
    # The keyboard reaches it too: the checkbox takes focus and Space.
    page.locator("#menu-toggle").focus()
    page.keyboard.press("Space")
    expect(menu).to_be_visible()


def home_stories(page):
    """Every story link in the home page's main column (titles, not labels)."""
    return page.locator("main .card-title a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )


def test_phone_home_is_short_with_no_story_twice(browser, demo):
    page = open_page(browser, demo, "/", PHONE)
    height = page.evaluate("document.documentElement.scrollHeight")
    shot(page, "phone-home.png")
    assert height <= 6 * PHONE["height"], height
    stories = home_stories(page)
    assert len(stories) >= 1 + 10 + 3 * 3
    assert len(stories) == len(set(stories))
    # The sidebar below repeats none of them either.
    sidebar_links = page.locator(".sidebar a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert not set(stories) & set(sidebar_links)
    blocks = page.locator("main .label-block")
    assert blocks.count() == 3
    for index in range(blocks.count()):
        assert blocks.nth(index).locator("article.card").count() % 3 == 0
    assert_meta_on_one_line(page)
    assert_compact_rows(page)


def assert_meta_on_one_line(page):
    heights = page.locator("main article.card .meta").evaluate_all(
        """metas => metas.map(meta => [meta.getBoundingClientRect().height,
              parseFloat(getComputedStyle(meta).lineHeight)])"""
    )
    assert heights
    for height, line in heights:
        assert height <= line + 1, (height, line)


def assert_compact_rows(page):
    """On a phone list cards put the thumbnail beside the title."""
    rows = page.locator("#post-list article.card:has(.card-image)").evaluate_all(
        """cards => cards.map(card => {
             const image = card.querySelector('.card-image').getBoundingClientRect();
             const title = card.querySelector('.card-title').getBoundingClientRect();
             return [image.right <= title.left, image.width, card.getBoundingClientRect().height];
           })"""
    )
    assert rows
    for beside, width, height in rows:
        assert beside and width <= 130 and height <= 140, (beside, width, height)


def test_desktop_home_blocks_rows_and_badges(browser, demo):
    page = open_page(browser, demo, "/", DESKTOP)
    expect(page.locator(".menu-button")).to_be_hidden()
    expect(page.locator(".main-nav")).to_be_visible()
    page.locator(".pages-menu summary").click()
    expect(
        page.locator(".pages-menu").get_by_role("link", name="About")
    ).to_be_visible()
    page.mouse.click(5, 600)  # a click elsewhere closes it
    expect(page.locator(".pages-menu").get_by_role("link", name="About")).to_be_hidden()
    shot(page, "desktop-home.png")
    stories = home_stories(page)
    assert len(stories) == len(set(stories))
    blocks = page.locator("main .label-block")
    assert blocks.count() == 3
    for index in range(blocks.count()):
        cards = blocks.nth(index).locator("article.card")
        assert cards.count() % 3 == 0
        tops = cards.locator(".card-label").evaluate_all(
            "labels => labels.map(label => Math.round(label.getBoundingClientRect().top))"
        )
        rows = [tops[i : i + 3] for i in range(0, len(tops), 3)]
        for row in rows:
            assert max(row) - min(row) <= 1, tops
    assert_meta_on_one_line(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_label_page_and_post_at_both_sizes(browser, demo, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    page = open_page(browser, demo, "/search/label/AROUND%20THE%20GLOBE", viewport)
    assert_meta_on_one_line(page)
    if viewport is PHONE:
        assert header_height(page) <= 56
        assert_compact_rows(page)
    shot(page, "%s-label.png" % size)
    page.locator("#post-list .card-title a").first.click()
    page.wait_for_load_state()
    expect(page.locator("h1.post-title")).to_be_visible()
    if viewport is PHONE:
        assert header_height(page) <= 56
    shot(page, "%s-post.png" % size)


def test_pinned_lead_story_leads_and_shows_once(browser, demo):
    pinned = make_post(
        title="Editors pinned this older story",
        labels=["AROUND THE GLOBE"],
        published_at=timezone.now() - timedelta(days=3),
    )
    site = SiteSettings.load()
    site.lead_post = pinned
    site.save()
    page = open_page(browser, demo, "/", PHONE)
    lead = page.locator("section.featured .card-title")
    expect(lead).to_have_text(pinned.title)
    stories = home_stories(page)
    assert stories.count(pinned.get_absolute_url()) == 1
    assert len(stories) == len(set(stories))


def test_desktop_shows_the_menu_without_a_button_or_javascript(browser, demo):
    page = open_page(browser, demo, "/", DESKTOP, javascript=False)
    expect(page.locator(".main-nav").get_by_role("link", name="Movie")).to_be_visible()
    expect(page.locator("label.menu-button")).to_be_hidden()
    # Nothing invisible on the way for the keyboard.
    expect(page.locator("#menu-toggle")).to_be_hidden()
    page.locator(".pages-menu summary").click()
    expect(
        page.locator(".pages-menu").get_by_role("link", name="Contact")
    ).to_be_visible()
