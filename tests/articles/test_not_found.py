"""The site's own 404 page: every missing thing, with a way on (search, the
latest stories, the labels), in production and in the dev settings (`make run`)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Status
from tests.factories import make_page, make_post

pytestmark = pytest.mark.django_db

SEED_MESSAGE = "Not found any post match with your request"
TECHNICAL = "Django tried these URL patterns"


@pytest.fixture
def site(db):
    for title, slug in [
        ("About", "about"),
        ("Contact", "contact"),
        ("Privacy policy", "privacy-policy"),
    ]:
        make_page(title=title, slug=slug)
    older = [make_post(labels=["KERALA"], title="Older %d" % n) for n in range(5)]
    newest = make_post(labels=["TOP STORY", "KERALA"], title="The newest story")
    draft = make_post(status=Status.DRAFT, published_at=None, title="A draft")
    return {"newest": newest, "older": older, "draft": draft}


@pytest.fixture
def dev_settings(settings):
    """DEBUG on, with the dev settings' middleware (what `make run` serves)."""
    from newsroom.settings import dev

    settings.DEBUG = True
    settings.MIDDLEWARE = dev.MIDDLEWARE


MISSING = {
    "unknown address": "/no/such/address",
    "post": "/2026/03/no-such-post.html",
    "page": "/p/no-such-page.html",
    "label": "/search/label/NO%20SUCH%20LABEL",
    "archive": "/0000/",
}


def assert_site_not_found(response):
    assert response.status_code == 404
    html = response.content.decode()
    assert TECHNICAL not in html
    main = html[html.index("<main") : html.index("</main>")]
    assert "<h1" in main and SEED_MESSAGE in main
    assert re.search(
        r'<form class="not-found-search" action="/search" method="get">', main
    )
    assert 'name="q"' in main
    assert 'href="/">Back Home</a>' in main
    # The latest stories (the News Feed, 5) and the labels with their counts.
    assert "News Feed" in main
    feed = main[
        main.index("News Feed") : main.index("</section>", main.index("News Feed"))
    ]
    assert len(set(re.findall(r'href="(/\d{4}/\d{2}/[^"]+\.html)"', feed))) == 5
    assert "The newest story" in feed
    assert 'href="/search/label/KERALA"' in main and ">6</span>" in main
    assert "A draft" not in html
    # And the footer, as on every page: Contact and Privacy are a click away.
    footer = html[html.index('<footer class="site-footer">') :]
    assert (
        'href="/p/contact.html"' in footer and 'href="/p/privacy-policy.html"' in footer
    )
    return html


@pytest.mark.parametrize("kind", list(MISSING))
def test_every_missing_thing_gets_the_site_404(client, site, kind):
    assert_site_not_found(client.get(MISSING[kind]))


def test_an_unpublished_posts_address_is_the_site_404(client, site):
    post = make_post(title="Taken back")
    address = post.get_absolute_url()
    assert client.get(address).status_code == 200
    post.status = Status.DRAFT
    post.save()
    html = assert_site_not_found(client.get(address))
    assert "Taken back" not in html


@pytest.mark.parametrize("kind", list(MISSING))
def test_dev_settings_show_the_site_404_not_djangos_pattern_list(
    client, site, dev_settings, kind
):
    assert_site_not_found(client.get(MISSING[kind]))


def test_dev_settings_show_djangos_page_when_asked(client, site, dev_settings):
    response = client.get("/no/such/address?debug404")
    assert response.status_code == 404
    assert TECHNICAL in response.content.decode()
    response = client.get("/p/no-such-page.html?debug404")
    assert response.status_code == 404
    assert SEED_MESSAGE not in response.content.decode()


def test_dev_settings_keep_the_admins_own_404(staff_client, site, dev_settings):
    response = staff_client.get("/admin/no-such-thing/")
    assert response.status_code == 404
    html = response.content.decode()
    assert SEED_MESSAGE not in html
    assert "Page not found" in html


def test_the_404_page_costs_the_same_whatever_the_data_size(client, site):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/p/no-such-page.html").status_code == 404
        return len(captured)

    queries()  # the first request of a database reads the settings rows
    few = queries()
    for number in range(30):
        make_post(labels=["LABEL %d" % number, "KERALA"])
        make_page(title="More %d" % number)
    assert queries() == few


def test_the_404_page_reuses_the_shared_lists(client, site, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    assert client.get("/p/first-miss.html").status_code == 404
    with CaptureQueriesContext(connection) as captured:
        assert_site_not_found(client.get("/2026/03/second-miss.html"))
    sqls = [query["sql"] for query in captured]
    # The address's own lookups only: the News Feed, label counts and the
    # menu's pages come from the shared parts the first 404 made.
    assert not any("LIMIT 5" in sql for sql in sqls), sqls
    assert not any('COUNT("articles_labeledpost"' in sql for sql in sqls), sqls
    assert not any('FROM "articles_page"' in sql for sql in sqls), sqls


def test_the_404_is_never_stored_by_the_page_cache(client, site, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    client.get("/p/later.html")
    page = make_page(title="Later", slug="later")
    response = client.get("/p/later.html")
    assert response.status_code == 200
    assert page.title in response.content.decode()
