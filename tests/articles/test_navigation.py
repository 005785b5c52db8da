"""The readers' navigation: the PAGES menu's pages and the site footer."""

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from articles.models import Status
from tests.factories import make_page

pytestmark = pytest.mark.django_db


def menu():
    template = Template(
        "{% load articles_tags %}{% menu_pages as pages %}"
        "{% for page in pages %}{{ page.title }}={{ page.get_absolute_url }};{% endfor %}"
    )
    return template.render(Context())


@pytest.fixture
def page_cache_on(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}


def test_menu_pages_lists_live_menu_pages_by_title():
    make_page(title="Privacy policy", slug="privacy-policy")
    make_page(title="About", slug="about")
    make_page(title="Hidden", slug="hidden", show_in_menu=False)
    make_page(title="Draft", slug="draft", status=Status.DRAFT)
    make_page(
        title="Later",
        slug="later",
        published_at=timezone.now() + timedelta(hours=1),
    )

    assert menu() == "About=/p/about.html;Privacy policy=/p/privacy-policy.html;"


def test_menu_pages_unpack_as_title_and_url():
    make_page(title="Contact", slug="contact")
    template = Template(
        "{% load articles_tags %}{% menu_pages as pages %}"
        "{% for title, url in pages %}{{ title }} {{ url }}{% endfor %}"
    )
    assert template.render(Context()) == "Contact /p/contact.html"


def test_menu_pages_shared_until_a_page_changes(
    page_cache_on, django_assert_num_queries
):
    about = make_page(title="About", slug="about")
    menu()
    with django_assert_num_queries(0):
        assert menu() == "About=/p/about.html;"

    about.show_in_menu = False
    about.save()
    assert menu() == ""
    make_page(title="Advertise", slug="advertise")
    assert menu() == "Advertise=/p/advertise.html;"


def follow_widget(client):
    html = client.get("/").content.decode()
    widget = html[html.index('class="widget follow-widget"') :]
    return widget[: widget.index("</section>")]


def confirmed_followers(number):
    from followers.models import Follower

    start = Follower.objects.count()
    Follower.objects.bulk_create(
        Follower(email="reader%d@example.com" % n, confirmed_at=timezone.now())
        for n in range(start, start + number)
    )


def test_follower_count_hidden_below_the_editors_threshold(client):
    from articles.models import SiteSettings

    confirmed_followers(9)
    widget = follow_widget(client)
    assert "follower-count" not in widget
    assert "9" not in widget
    assert 'action="/follow/"' in widget  # the Follow form stays

    confirmed_followers(1)
    assert "<strong>10</strong> followers" in follow_widget(client)

    site = SiteSettings.load()
    site.followers_shown_from = 11
    site.save()
    assert "follower-count" not in follow_widget(client)


def test_follower_count_threshold_change_purges_cached_pages(client, page_cache_on):
    from articles.models import SiteSettings

    confirmed_followers(3)
    assert "follower-count" not in follow_widget(client)
    site = SiteSettings.load()
    site.followers_shown_from = 3
    site.save()
    assert "<strong>3</strong> followers" in follow_widget(client)


@pytest.fixture
def site_pages(db):
    from tests.factories import make_post

    pages = {
        title: make_page(title=title, slug=slug)
        for title, slug in [
            ("About", "about"),
            ("Contact", "contact"),
            ("Privacy policy", "privacy-policy"),
            ("Advertise", "advertise"),
        ]
    }
    make_page(title="Not in the menu", slug="not-in-menu", show_in_menu=False)
    post = make_post(labels=["KERALA", "TOP STORY"], title="A story")
    return {"pages": pages, "post": post}


def footer_of(response):
    assert response.status_code in (200, 404)
    html = response.content.decode()
    assert html.count('<footer class="site-footer">') == 1
    return html[html.index('<footer class="site-footer">') : html.rindex("</footer>")]


FOOTER_ADDRESSES = {
    "home": "/",
    "post": None,  # the story's own address
    "label": "/search/label/KERALA",
    "page": "/p/about.html",
    "search": "/search?q=story",
    "all posts": "/search",
    "404": "/no/such/address",
    "follow": "/follow/",
    "sign in": "/accounts/login/",
}


@pytest.mark.parametrize("where", list(FOOTER_ADDRESSES))
def test_footer_on_every_page(frozen_now, client, site_pages, where):
    address = FOOTER_ADDRESSES[where] or site_pages["post"].get_absolute_url()
    footer = footer_of(client.get(address))
    # The site, its feeds, the menu's pages, the labels, the year, the language.
    assert ">Local Glob</a></h2>" in footer
    assert "News from around the globe" in footer
    assert 'href="/feeds/posts/default"' in footer
    assert 'href="/feeds/posts/default?alt=rss"' in footer
    for slug in ["about", "contact", "privacy-policy", "advertise"]:
        assert 'href="/p/%s.html"' % slug in footer
    assert "not-in-menu" not in footer
    assert 'href="/search/label/KERALA"' in footer
    assert 'href="/search/label/TOP%20STORY"' in footer
    assert "&copy; 2026 Local Glob" in footer
    assert 'action="/i18n/setlang/"' in footer


def test_footer_lists_pages_by_title_in_the_menu_order(client, site_pages):
    footer = footer_of(client.get("/"))
    pages = footer[footer.index("footer-pages") :]
    positions = [pages.index(">%s</a>" % title) for title in
                 ["About", "Advertise", "Contact", "Privacy policy"]]  # fmt: skip
    assert positions == sorted(positions)


def test_footer_is_one_shared_part_purged_by_pages_and_settings(
    client, site_pages, page_cache_on
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import SiteSettings

    client.get("/p/about.html")
    with CaptureQueriesContext(connection) as captured:
        footer_of(client.get("/p/contact.html"))
    # Another page: its own lookups, but the footer's lists are not asked again.
    menu_query = 'ORDER BY "articles_page"."title" ASC'
    assert not any(menu_query in q["sql"] for q in captured)

    make_page(title="Careers", slug="careers")
    assert 'href="/p/careers.html"' in footer_of(client.get("/p/about.html"))
    contact = site_pages["pages"]["Contact"]
    contact.status = Status.DRAFT
    contact.save()
    assert 'href="/p/contact.html"' not in footer_of(client.get("/p/about.html"))

    site = SiteSettings.load()
    site.name, site.tagline = "Global Local", "Another line"
    site.save()
    footer = footer_of(client.get("/p/about.html"))
    assert ">Global Local</a></h2>" in footer and "Another line" in footer
    assert "&copy; 2026 Global Local" in footer or "Global Local</p>" in footer


def test_footer_without_menu_pages_or_labels_leaves_their_sections_out(client):
    footer = footer_of(client.get("/"))
    assert "footer-pages" not in footer and "footer-labels" not in footer
    assert 'href="/feeds/posts/default"' in footer


# Icons: /favicon.ico, the PNG icons, the apple-touch-icon and the web manifest.


def static_image(url):
    """The static file behind a /static/ URL, opened with Pillow."""
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from PIL import Image

    assert url.startswith(settings.STATIC_URL)
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    assert path, url
    return Image.open(path)


def test_favicon_ico_answers_with_16_32_and_48_pixel_icons(client):
    import io

    from PIL import Image

    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age=86400" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert icon.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    assert client.head("/favicon.ico").status_code == 200
    assert client.post("/favicon.ico").status_code == 405


def test_pages_link_svg_png_and_apple_touch_icons_and_the_manifest(client):
    import re

    html = client.get("/").content.decode()
    head = html[: html.index("</head>")]
    svg = re.search(
        r'<link rel="icon" href="([^"]+\.svg)" type="image/svg\+xml">', head
    )
    assert svg
    png = re.search(
        r'<link rel="icon" href="([^"]+)" type="image/png" sizes="32x32">', head
    )
    assert static_image(png.group(1)).size == (32, 32)
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', head)
    touch_icon = static_image(touch.group(1))
    assert touch_icon.format == "PNG"
    assert touch_icon.size == (180, 180)
    assert touch_icon.mode == "RGB"  # opaque: iOS paints transparency black
    assert '<link rel="manifest" href="/site.webmanifest">' in head


def test_web_manifest_names_the_site_and_its_icons(client):
    import json

    from articles.models import SiteSettings

    response = client.get("/site.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Local Glob"
    assert manifest["short_name"] == "Local Glob"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    sizes = {}
    for icon in manifest["icons"]:
        image = static_image(icon["src"])
        assert icon["type"] == "image/png" and image.format == "PNG"
        assert icon["sizes"] == "%dx%d" % image.size
        sizes.setdefault(icon["purpose"], set()).add(image.size)
    assert sizes["any"] == {(192, 192), (512, 512)}
    assert sizes["maskable"] == {(512, 512)}

    site = SiteSettings.load()
    site.name = "The Local Glob of Kerala"
    site.save()
    manifest = json.loads(client.get("/site.webmanifest").content)
    assert manifest["name"] == "The Local Glob of Kerala"
    assert len(manifest["short_name"]) <= 12
