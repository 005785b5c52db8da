"""/sitemap.xml (an index of paged sections), the Google News sitemap and robots.txt."""

import re
import urllib.robotparser
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sitemaps import views as sitemap_views
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from articles.models import Label, Post
from articles.sitemaps import SITEMAPS, index_response
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_page, make_post, make_scheduled

pytestmark = pytest.mark.django_db

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
HOST = "http://testserver"


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)  # noqa: S314 - our own response


def entries(root):
    """{location: lastmod} of a urlset or a sitemap index."""
    return {
        node.findtext("s:loc", namespaces=NS): node.findtext("s:lastmod", namespaces=NS)
        for node in root
    }


def when(text):
    return datetime.fromisoformat(text)


@pytest.fixture
def site(frozen_now):
    return {
        "old": make_post(
            title="Old story",
            labels=["TOP STORY"],
            published_at=FROZEN_NOW - timedelta(days=10),
        ),
        "new": make_post(title="New story", labels=["TOP STORY", "KERALA"]),
        "draft": make_draft(title="Draft", labels=["SECRET"]),
        "scheduled": make_scheduled(title="Later", labels=["SECRET"]),
        "page": make_page(title="About"),
        "draft_page": make_page(title="Hidden page", status="draft"),
    }


def test_index_lists_each_section_with_lastmod(client, site):
    index = entries(parse(client, "/sitemap.xml"))
    assert set(index) == {
        HOST + "/sitemap-posts.xml",
        HOST + "/sitemap-pages.xml",
        HOST + "/sitemap-labels.xml",
    }
    newest = when(index[HOST + "/sitemap-posts.xml"])
    assert newest == site["new"].updated_at


def test_posts_section_lists_live_posts_only_with_lastmod(client, site):
    urls = entries(parse(client, "/sitemap-posts.xml"))
    assert list(urls) == [
        HOST + site["new"].get_absolute_url(),
        HOST + site["old"].get_absolute_url(),
    ]
    assert when(urls[HOST + site["old"].get_absolute_url()]) == site["old"].updated_at


def test_a_scheduled_post_appears_when_it_goes_live_with_that_lastmod(
    client, site, frozen_now
):
    frozen_now.shift(timedelta(hours=2))
    urls = entries(parse(client, "/sitemap-posts.xml"))
    scheduled = site["scheduled"]
    assert when(urls[HOST + scheduled.get_absolute_url()]) == scheduled.published_at


def test_pages_section_has_home_and_live_pages_not_posts(client, site):
    urls = entries(parse(client, "/sitemap-pages.xml"))
    assert list(urls) == [HOST + "/", HOST + "/p/about.html"]
    assert all(urls.values())


def test_labels_section_lists_labels_with_live_posts_quoted(client, site):
    urls = entries(parse(client, "/sitemap-labels.xml"))
    assert set(urls) == {
        HOST + "/search/label/KERALA",
        HOST + "/search/label/TOP%20STORY",
    }
    assert when(urls[HOST + "/search/label/TOP%20STORY"]) == site["new"].updated_at


def test_sections_are_paged_in_the_index(client, frozen_now, monkeypatch):
    monkeypatch.setattr("articles.sitemaps.PostSitemap.limit", 2)
    for index in range(5):
        make_post(published_at=FROZEN_NOW - timedelta(hours=index + 1))
    index = entries(parse(client, "/sitemap.xml"))
    pages = [url for url in index if "sitemap-posts" in url]
    assert pages == [
        HOST + "/sitemap-posts.xml",
        HOST + "/sitemap-posts.xml?p=2",
        HOST + "/sitemap-posts.xml?p=3",
    ]
    seen = []
    for page in pages:
        seen += list(entries(parse(client, page.removeprefix(HOST))))
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/sitemap-posts.xml?p=abc", 400),
        ("/sitemap-posts.xml?p=-1", 400),
        ("/sitemap-posts.xml?p=99", 404),
        ("/sitemap-nothing.xml", 404),
        ("/news-sitemap.xml?p=x", 400),
    ],
)
def test_bad_pages_and_sections(client, site, url, status):
    assert client.get(url).status_code == status


def news(client):
    root = parse(client, "/news-sitemap.xml")
    result = {}
    for node in root:
        item = node.find("news:news", NS)
        result[node.findtext("s:loc", namespaces=NS)] = {
            "name": item.findtext("news:publication/news:name", namespaces=NS),
            "language": item.findtext("news:publication/news:language", namespaces=NS),
            "date": item.findtext("news:publication_date", namespaces=NS),
            "title": item.findtext("news:title", namespaces=NS),
        }
    return result


def test_news_sitemap_lists_live_posts_of_the_last_48_hours(client, site):
    make_post(title='Fish & "chips" <now>')
    found = news(client)
    new = found[HOST + site["new"].get_absolute_url()]
    assert new["name"] == "Local Glob"
    assert new["language"] == "en"
    assert when(new["date"]) == site["new"].published_at
    assert new["title"] == "New story"
    assert HOST + site["old"].get_absolute_url() not in found
    assert {entry["title"] for entry in found.values()} == {
        "New story",
        'Fish & "chips" <now>',
    }


def test_news_sitemap_boundary_is_48_hours(client, frozen_now):
    post = make_post(title="Edge", published_at=FROZEN_NOW)
    frozen_now.shift(timedelta(hours=48))
    assert list(news(client)) == [HOST + post.get_absolute_url()]
    frozen_now.shift(timedelta(seconds=1))
    assert news(client) == {}


def test_news_sitemap_leaves_out_excluded_posts_and_labels(client, frozen_now):
    make_post(title="Kept", labels=["KERALA"])
    make_post(title="Advert", exclude_from_news_sitemap=True)
    make_post(title="Sponsored story", labels=["KERALA", "SPONSORED"])
    Label.objects.filter(name="SPONSORED").update(exclude_from_news_sitemap=True)
    assert [entry["title"] for entry in news(client).values()] == ["Kept"]


def test_editors_toggle_the_news_exclusions_in_the_admin(staff_client, frozen_now):
    post = make_post(title="Kept")
    label = Label.objects.create(name="SPONSORED")
    for url in [
        "/admin/articles/post/%d/change/" % post.pk,
        "/admin/articles/label/%d/change/" % label.pk,
    ]:
        html = staff_client.get(url).content.decode()
        assert 'name="exclude_from_news_sitemap"' in html
    response = staff_client.post(
        "/admin/articles/label/%d/change/" % label.pk,
        {"name": "SPONSORED", "exclude_from_news_sitemap": "on"},
    )
    assert response.status_code == 302
    label.refresh_from_db()
    assert label.exclude_from_news_sitemap is True


def test_robots_txt_points_at_both_sitemaps(client):
    response = client.get("/robots.txt")
    lines = response.content.decode().splitlines()
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/news-sitemap.xml" in lines


def robots_rules(text):
    """(allow, path) of the `User-agent: *` group, in the file's order."""
    rules, applies = [], False
    for line in text.splitlines():
        field, _, value = line.partition(":")
        field, value = field.strip().lower(), value.strip()
        if field == "user-agent":
            applies = value == "*"
        elif applies and field in ("allow", "disallow") and value:
            rules.append((field == "allow", value))
    return rules


def longest_match_allows(rules, address):
    """
    Google's rule: the longest matching path wins, Allow wins a tie; `*` is
    any text, a final `$` the end of the address.
    """
    split = urlsplit(address)
    target = split.path + ("?" + split.query if split.query else "")
    best = None
    for allow, path in rules:
        pattern = re.escape(path.rstrip("$")).replace(r"\*", ".*")
        if path.endswith("$"):
            pattern += "$"
        if re.match(pattern, target):
            if best is None or (len(path), allow) > (len(best[1]), best[0]):
                best = (allow, path)
    return True if best is None else best[0]


def test_robots_txt_allows_label_pages_and_not_search_for_every_crawler(client, site):
    text = client.get("/robots.txt").content.decode()
    lines = text.splitlines()
    # Allow before Disallow, for crawlers that take the first matching rule.
    assert lines.index("Allow: /search/label/") < lines.index("Disallow: /search")
    first_match = urllib.robotparser.RobotFileParser()
    first_match.parse(lines)
    rules = robots_rules(text)
    labels = [
        address
        for address in entries(parse(client, "/sitemap-labels.xml"))
        if "/search/label/" in address
    ]
    assert labels  # the sitemap lists label pages
    assert HOST + "/search/label/TOP%20STORY" in labels
    for address in [*labels, HOST + "/search/label/KERALA?max-results=20"]:
        assert first_match.can_fetch("Googlebot", address), address
        assert longest_match_allows(rules, address), address
    for address in (
        HOST + "/search",
        HOST + "/search?q=monsoon",
        HOST + "/search/?q=x",
        HOST + "/admin/",
        HOST + "/admin/login/",
    ):
        assert not first_match.can_fetch("Googlebot", address), address
        assert not longest_match_allows(rules, address), address
    for address in (HOST + "/", HOST + "/feeds/posts/default"):
        assert first_match.can_fetch("Googlebot", address), address
        assert longest_match_allows(rules, address), address


def build(size):
    for index in range(size):
        make_post(
            labels=["TOP STORY", "KERALA"][: 1 + index % 2],
            published_at=FROZEN_NOW - timedelta(hours=index + 1),
        )
        if index % 20 == 0:
            make_page()


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap.xml",
        "/sitemap-posts.xml",
        "/sitemap-posts.xml?p=2",
        "/sitemap-pages.xml",
        "/sitemap-labels.xml",
        "/news-sitemap.xml",
    ],
)
def test_query_count_is_the_same_for_10_and_200_posts(
    client, frozen_now, url, monkeypatch, django_assert_num_queries
):
    """Each sitemap page costs the same queries whatever the number of posts."""
    monkeypatch.setattr("articles.sitemaps.PostSitemap.limit", 5)
    build(10)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    build(190)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    assert Post.objects.count() == 200


def post_pages(client):
    """The posts sitemap's pages, as the index lists them, and their addresses."""
    index = entries(parse(client, "/sitemap.xml"))
    pages = [url.removeprefix(HOST) for url in index if "sitemap-posts" in url]
    return [list(entries(parse(client, address))) for address in pages]


@pytest.mark.parametrize("size", [1, 3, 4, 7, 40])
def test_post_pages_read_from_either_end_of_a_month_list_every_post_once_in_order(
    client, frozen_now, monkeypatch, size
):
    """
    Pages start inside months, end inside months, span several; posts share
    a time (newest id first), and a scheduled post sits among them: every
    live post is listed once, newest first, wherever a page is read from.
    """
    monkeypatch.setattr("articles.sitemaps.PostSitemap.limit", size)
    for index in range(26):
        make_post(published_at=FROZEN_NOW - timedelta(days=index * 4 + 1))
    for _ in range(3):
        make_post(published_at=FROZEN_NOW - timedelta(days=33))
    make_scheduled(delay=timedelta(days=2))
    expected = [
        HOST + post.get_absolute_url()
        for post in Post.objects.published().order_by("-published_at", "-id")
    ]
    pages = post_pages(client)
    assert len(pages) == -(-29 // size)
    assert [address for rows in pages for address in rows] == expected
    assert all(len(rows) == size for rows in pages[:-1])
    # The scheduled post joins the pages at its time, with no save.
    frozen_now.shift(timedelta(days=2, seconds=1))
    expected = [
        HOST + post.get_absolute_url()
        for post in Post.objects.published().order_by("-published_at", "-id")
    ]
    assert len(expected) == 30
    assert [address for rows in post_pages(client) for address in rows] == expected


def test_the_last_post_page_reads_its_own_rows_only(client, frozen_now, monkeypatch):
    """The oldest page is read oldest first from its month: no OFFSET past newer posts."""
    monkeypatch.setattr("articles.sitemaps.PostSitemap.limit", 3)
    for index in range(20):
        make_post(published_at=FROZEN_NOW - timedelta(days=index + 1))
    client.get("/sitemap-posts.xml?p=7")
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/sitemap-posts.xml?p=7").content.decode()
    rows = [q["sql"] for q in queries.captured_queries if '"permalink"' in q["sql"]]
    assert len(rows) == 1
    assert "OFFSET" not in rows[0]
    oldest = Post.objects.published().order_by("-published_at", "-id")[18:]
    assert re.findall(r"<loc>([^<]*)</loc>", body) == [
        HOST + post.get_absolute_url() for post in oldest
    ]


def test_the_index_reads_the_pages_once(client, site):
    client.get("/sitemap.xml")
    with CaptureQueriesContext(connection) as queries:
        index = entries(parse(client, "/sitemap.xml"))
    pages = [q for q in queries.captured_queries if '"articles_page"' in q["sql"]]
    assert len(pages) == 1
    assert when(index[HOST + "/sitemap-pages.xml"]) == site["new"].updated_at


def django_index(request):
    """Django's sitemap index view and our template, as /sitemap.xml answered."""
    response = sitemap_views.index(
        request,
        SITEMAPS,
        template_name="articles/sitemap_index.xml",
        sitemap_url_name="sitemap-section",
    )
    response.render()
    return response


@pytest.mark.parametrize("limit", [1000, 2])
def test_the_one_pass_index_answers_what_the_template_does(
    rf, site, frozen_now, monkeypatch, limit
):
    """Byte for byte, with its headers: one page a section, and many pages."""
    monkeypatch.setattr("articles.sitemaps.PostSitemap.limit", limit)
    for index in range(5):
        make_post(published_at=FROZEN_NOW - timedelta(days=index + 40))
    request = rf.get("/sitemap.xml")
    with timezone.override(ZoneInfo("Asia/Kolkata")):
        expected, found = django_index(request), index_response(request)
    assert found.content == expected.content
    assert found.content.count(b"<sitemap>") == (3 if limit == 1000 else 6)
    for header in ("Content-Type", "Last-Modified", "X-Robots-Tag"):
        assert found[header] == expected[header]
    # A scheduled post going live moves the lastmods with no save.
    frozen_now.shift(timedelta(hours=2))
    later = index_response(rf.get("/sitemap.xml"))
    assert later.content != found.content
    assert later.content == django_index(rf.get("/sitemap.xml")).content
    assert later["Last-Modified"] == http_date(
        site["scheduled"].published_at.timestamp()
    )


def test_the_one_pass_index_of_an_empty_site(rf, frozen_now):
    request = rf.get("/sitemap.xml")
    expected, found = django_index(request), index_response(request)
    assert found.content == expected.content
    assert b"<lastmod>" not in found.content
    assert "Last-Modified" not in found and "Last-Modified" not in expected
