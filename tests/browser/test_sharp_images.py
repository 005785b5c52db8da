"""Sharp images (issue 18, point 5a) in Chromium: every thumbnail on the home,
post and label pages, at 390x844 and 1366x900, has a source at least twice
its width on the screen (the News Feed's s72-c with s150-c, related stories'
s320 with s640, cards and the featured image through width candidates), and
a 2x screen loads it.

Pictures are not loaded while the pages are looked at: the live server's
in-memory SQLite connection is shared by its threads, and parallel image
requests race on it. The sources are then fetched one after another."""

import io
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image as PILImage

from tests.factories import make_image, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-r3"
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1366, "height": 900},
}
READ_IMAGES = """() => Array.from(document.images)
  .filter(img => (img.getAttribute('src') || '').startsWith('/img/'))
  .map(img => ({
    src: img.getAttribute('src'),
    srcset: img.getAttribute('srcset') || '',
    shown: img.getBoundingClientRect().width,
    where: (img.closest('ul, article') || img).className,
  }))"""


@pytest.fixture
def site(live_server):
    """Stories with a large picture (so every size exists), one of them the lead."""
    picture = make_image(size=(2000, 1500))
    now = timezone.now()
    posts = [
        make_post(
            title="Story %d" % index,
            labels=["TOP STORY", "News"] if index == 0 else ["News"],
            featured_image=picture,
            published_at=now - timedelta(hours=index + 1),
        )
        for index in range(7)
    ]
    return {"post": posts[3], "picture": picture}


def candidates(srcset):
    """[(url, descriptor)] of a `srcset`."""
    return [tuple(part.strip().rsplit(" ", 1)) for part in srcset.split(",")]


def double_source(image):
    """The address that gives `image` twice its shown width, or None."""
    found = candidates(image["srcset"])
    for url, descriptor in found:
        if descriptor == "2x":
            return url
    widths = sorted(
        (int(descriptor[:-1]), url)
        for url, descriptor in found
        if descriptor[-1] == "w"
    )
    for width, url in widths:
        if width >= 2 * image["shown"]:
            return url
    return None


def blocked_page(context):
    """A page that asks for pictures but never loads them; the addresses asked."""
    page = context.new_page()
    asked = []

    def refuse(route):
        asked.append(route.request.url)
        route.abort()

    page.route("**/img/**", refuse)
    return page, asked


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_every_thumbnail_has_a_source_twice_its_shown_width(
    live_server, browser, site, screen
):
    context = browser.new_context(viewport=VIEWPORTS[screen])
    page, _asked = blocked_page(context)
    checked = {}
    places = set()
    for path in ("/", site["post"].get_absolute_url(), "/search/label/News"):
        page.goto(live_server.url + path)
        images = page.evaluate(READ_IMAGES)
        assert images, path
        for image in images:
            assert image["srcset"], (path, image)
            if image["shown"] == 0:
                continue  # not on this screen
            places.add(image["where"])
            url = double_source(image)
            assert url is not None, (path, image)
            checked[url] = max(checked.get(url, 0), 2 * image["shown"])
    # The News Feed's thumbnails and the cards were among them.
    assert any("mini-list" in place for place in places), places
    assert any("card" in place for place in places), places
    assert any("/s150-c/" in url for url in checked), checked
    # Each 2x source really is that wide (fetched one after another).
    for url, needed in checked.items():
        response = context.request.get(live_server.url + url)
        assert response.status == 200, url
        width = PILImage.open(io.BytesIO(response.body())).width
        assert width >= needed - 1, (url, width, needed)
    context.close()


def test_a_2x_screen_asks_for_the_sharp_thumbnails(live_server, browser, site):
    sharp = browser.new_context(viewport=VIEWPORTS["desktop"], device_scale_factor=2)
    page, asked = blocked_page(sharp)
    page.goto(live_server.url + site["post"].get_absolute_url())
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    thumbnails = [url for url in asked if "-c/" in url]
    assert thumbnails, asked
    assert all("/s150-c/" in url for url in thumbnails), thumbnails
    related = [url for url in asked if "/s640/" in url]
    assert related, asked
    sharp.close()

    plain = browser.new_context(viewport=VIEWPORTS["desktop"])
    page, asked = blocked_page(plain)
    page.goto(live_server.url + site["post"].get_absolute_url())
    page.wait_for_load_state("networkidle")
    thumbnails = [url for url in asked if "-c/" in url]
    assert thumbnails and all("/s72-c/" in url for url in thumbnails), thumbnails
    plain.close()


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_thumbnails_look_right(live_server, browser, site, screen):
    """On a 2x screen, pictures loaded one after another, for the screenshots."""
    context = browser.new_context(viewport=VIEWPORTS[screen], device_scale_factor=2)
    page = context.new_page()
    # Route handlers run one at a time: each picture is fetched before the next.
    page.route("**/img/**", lambda route: route.fulfill(response=route.fetch()))
    for name, path in (
        ("post", site["post"].get_absolute_url()),
        ("label", "/search/label/News"),
    ):
        page.goto(live_server.url + path)
        # Lazy pictures load once near the screen.
        page.locator(".news-feed").scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.mini-list img'))"
            ".every(i => i.complete && i.naturalWidth)"
        )
        loaded = page.evaluate(
            "() => Array.from(document.images).filter(i => i.complete && i.naturalWidth)"
            ".map(i => i.currentSrc)"
        )
        assert any("/s150-c/" in url for url in loaded), loaded
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SHOTS / ("sharp-%s-%s.png" % (name, screen))), full_page=True
        )
    context.close()
