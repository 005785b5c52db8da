"""
Readers' navigation in Chromium at 390×844 and 1366×900 (issue 18, point 1):
the footer on every page (the menu's pages with Contact and Privacy, labels,
feeds, language), the site's own 404 with search, News Feed and labels, and
the icons a browser asks for. Screenshots go to $NEWSROOM_SHOTS/shots-r1/
(the temporary directory by default).
"""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import make_image, make_page, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1366, "height": 900},
}
SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-r1"
LABELS = [
    "AROUND THE GLOBE",
    "KERALA",
    "Movie",
    "SPECIAL STORY",
    "TOP STORY",
    "business",
]


@pytest.fixture
def site(live_server):
    for title, slug in [
        ("About", "about"),
        ("Contact", "contact"),
        ("Privacy policy", "privacy-policy"),
        ("Advertise", "advertise"),
    ]:
        make_page(title=title, slug=slug, body="<p>%s, the page.</p>" % title)
    image = make_image(size=(800, 600))
    for number in range(8):
        make_post(
            title="Harbour story number %d from the coast" % number,
            labels=[LABELS[number % len(LABELS)], LABELS[(number + 2) % len(LABELS)]],
            featured_image=image,
        )
    return live_server.url


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.mark.parametrize("size", list(SIZES))
def test_footer_leads_to_the_pages_labels_and_feeds(page, site, size):
    page.set_viewport_size(SIZES[size])
    page.goto(site + "/")
    footer = page.locator("footer.site-footer")
    footer.scroll_into_view_if_needed()
    for title in ["About", "Contact", "Privacy policy", "Advertise"]:
        expect(footer.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(footer.get_by_role("link", name="Atom feed")).to_be_visible()
    expect(footer.get_by_role("link", name="RSS feed")).to_be_visible()
    expect(footer.get_by_role("link", name="KERALA", exact=True)).to_be_visible()
    expect(footer.get_by_label("Language")).to_be_visible()
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    shoot(page, "footer-home-%s.png" % size)
    footer.screenshot(path=str(SHOTS / ("footer-%s.png" % size)))

    footer.get_by_role("link", name="Privacy policy").click()
    expect(page).to_have_url(site + "/p/privacy-policy.html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy policy")
    footer.get_by_role("link", name="Contact").click()
    expect(page).to_have_url(site + "/p/contact.html")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_site_404_offers_a_way_on(page, site, size):
    page.set_viewport_size(SIZES[size])
    response = page.goto(site + "/2026/01/no-such-story.html")
    assert response.status == 404
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("404")
    expect(
        main.get_by_text("Not found any post match with your request")
    ).to_be_visible()
    expect(main.get_by_role("link", name="Back Home")).to_be_visible()
    feed = main.locator(".news-feed")
    expect(feed.get_by_role("heading", name="News Feed")).to_be_visible()
    expect(feed.locator("li")).to_have_count(5)
    expect(main.locator(".label-widget").get_by_role("link")).to_have_count(len(LABELS))
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    # The message, the search box and the first of the latest stories are on
    # the first screen.
    first_story = feed.locator("li").first
    box = first_story.bounding_box()
    if size == "desktop":
        assert box["y"] + box["height"] <= SIZES[size]["height"]
    shoot(page, "404-%s.png" % size)

    search = main.get_by_role("searchbox", name="Search")
    search.fill("harbour")
    search.press("Enter")
    expect(page).to_have_url(site + "/search?q=harbour")
    expect(page.locator("main")).to_contain_text("Harbour story number 7")


def test_the_browser_finds_the_icons_and_manifest(page, site):
    page.goto(site + "/")
    for selector in [
        'link[rel="icon"][type="image/svg+xml"]',
        'link[rel="icon"][type="image/png"]',
        'link[rel="apple-touch-icon"]',
        'link[rel="manifest"]',
    ]:
        href = page.locator(selector).get_attribute("href")
        response = page.request.get(site + href)
        assert response.status == 200, (selector, href)
    favicon = page.request.get(site + "/favicon.ico")
    assert favicon.status == 200
    assert favicon.headers["content-type"] == "image/x-icon"
    manifest = page.request.get(site + "/site.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    for icon in manifest.json()["icons"]:
        assert page.request.get(site + icon["src"]).status == 200, icon
