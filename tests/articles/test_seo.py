"""Page heads for search engines and link previews: canonical, description,
Open Graph / Twitter cards, NewsArticle JSON-LD and feed alternates."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from articles.models import SiteSettings
from articles.preview import preview_url
from tests.conftest import FROZEN_NOW
from tests.factories import make_image, make_post, make_user

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    """The <meta>, <link> and JSON-LD of a page's <head>."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.links, self.json_ld = {}, [], []
        self._in_json = False
        self.feed(html[: html.index("</head>")])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            key = attrs.get("property") or attrs.get("name")
            self.meta.setdefault(key, []).append(attrs["content"])
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json = True

    def handle_endtag(self, tag):
        self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_ld.append(json.loads(data))

    def one(self, key):
        (value,) = self.meta[key]
        return value

    def link(self, rel, type_=None):
        return [
            link["href"]
            for link in self.links
            if link.get("rel") == rel and (type_ is None or link.get("type") == type_)
        ]


@pytest.fixture
def post(frozen_now):
    author = make_user(first_name="Asha", last_name="Menon")
    return make_post(
        title="Harbour reopens after storm",
        body="<p>Ships are back at the quay after three days.</p>",
        labels=["TOP STORY", "AROUND THE GLOBE"],
        featured_image=make_image(size=(2000, 1000)),
        author=author,
        published_at=FROZEN_NOW - timedelta(hours=2),
    )


def head(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return Head(response.content.decode())


def test_post_canonical_is_absolute_without_mobile_or_tracking_parameters(client, post):
    page = head(client, post.get_absolute_url() + "?m=1&utm_source=news&fbclid=x")
    assert page.link("canonical") == ["http://testserver" + post.get_absolute_url()]
    assert page.one("og:url") == "http://testserver" + post.get_absolute_url()


def test_post_description_is_the_seo_field_or_the_excerpt(client, post):
    assert head(client, post.get_absolute_url()).one("description") == (
        "Ships are back at the quay after three days."
    )
    post.seo_description = "Port of Kochi open again."
    post.save()
    page = head(client, post.get_absolute_url())
    assert page.one("description") == "Port of Kochi open again."
    assert page.one("og:description") == "Port of Kochi open again."


def test_post_open_graph_and_twitter_card_with_the_large_share_image(client, post):
    page = head(client, post.get_absolute_url())
    image = post.featured_image
    assert page.one("og:type") == "article"
    assert page.one("og:title") == "Harbour reopens after storm"
    assert page.one("og:site_name") == "Local Glob"
    assert page.one("og:image") == "http://testserver" + image.url("s1600")
    # s1600 bounds the longest side; the tags carry the served size.
    assert (page.one("og:image:width"), page.one("og:image:height")) == ("1600", "800")
    assert page.one("twitter:card") == "summary_large_image"
    assert page.meta["article:section"] == ["TOP STORY", "AROUND THE GLOBE"]


def test_post_without_image_has_a_summary_card_and_no_og_image(client, frozen_now):
    post = make_post(title="No picture")
    page = head(client, post.get_absolute_url())
    assert page.one("twitter:card") == "summary"
    assert "og:image" not in page.meta


def test_post_news_article_json_ld(client, post):
    (data,) = head(client, post.get_absolute_url()).json_ld
    url = "http://testserver" + post.get_absolute_url()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Harbour reopens after storm"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["image"][0]["url"] == "http://testserver" + post.featured_image.url(
        "s1600"
    )
    assert (data["image"][0]["width"], data["image"][0]["height"]) == (1600, 800)
    assert data["datePublished"] == "2026-03-05T10:00:00+05:30"
    assert data["dateModified"] >= data["datePublished"]
    assert data["author"] == [{"@type": "Person", "name": "Asha Menon"}]
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == "Local Glob"
    assert data["publisher"]["logo"]["url"].startswith("http://testserver/")
    assert data["articleSection"] == ["TOP STORY", "AROUND THE GLOBE"]
    assert "isAccessibleForFree" not in data


def test_a_script_end_tag_in_a_title_cannot_break_out_of_the_json_ld(
    client, frozen_now
):
    title = 'Hack </script><script>alert("x")</script> & more'
    post = make_post(title=title, seo_description="</script><b>bold</b>")
    html = client.get(post.get_absolute_url()).content.decode()
    start = html.index('<script type="application/ld+json">')
    block = html[start : html.index("</script>", start)]
    assert "<script>" not in block[1:] and "</" not in block
    (data,) = Head(html).json_ld
    assert data["headline"] == title
    assert data["description"] == "</script><b>bold</b>"
    assert '<script>alert("x")' not in html


def test_line_separators_in_a_title_are_escaped_in_the_json_ld(client, frozen_now):
    title = "One\u2028two\u2029three"
    post = make_post(title=title)
    html = client.get(post.get_absolute_url()).content.decode()
    start = html.index('<script type="application/ld+json">')
    block = html[start : html.index("</script>", start)]
    assert "\u2028" not in block and "\u2029" not in block
    assert "One\\u2028two\\u2029three" in block
    (data,) = Head(html).json_ld
    assert data["headline"] == title


def test_premium_text_stays_out_of_description_open_graph_and_json_ld(
    client, frozen_now
):
    post = make_post(
        title="Budget talks in Kochi",
        body="<p>The free part everyone reads.</p>",
        premium_body="<p>Members only: zebracorn figures.</p>",
    )
    html = client.get(post.get_absolute_url()).content.decode()
    page = Head(html)
    assert "zebracorn" not in html
    assert page.one("description") == "The free part everyone reads."
    (data,) = page.json_ld
    assert data["isAccessibleForFree"] is False
    assert data["hasPart"]["isAccessibleForFree"] is False
    assert data["hasPart"]["cssSelector"] == ".post-premium"


def test_home_head_describes_the_site_and_links_its_feeds(client, post):
    page = head(client, "/?m=0")
    site = SiteSettings.load()
    assert page.one("description") == site.tagline
    assert page.one("og:type") == "website"
    assert page.one("og:site_name") == "Local Glob"
    assert page.link("canonical") == ["http://testserver/"]
    assert page.link("alternate", "application/atom+xml") == ["/feeds/posts/default"]
    assert page.link("alternate", "application/rss+xml") == [
        "/feeds/posts/default?alt=rss"
    ]
    assert page.json_ld == []


def test_label_page_links_the_labels_feeds_url_quoted(client, post):
    page = head(client, "/search/label/TOP%20STORY?max-results=1&utm_medium=x")
    assert page.link("canonical") == ["http://testserver/search/label/TOP%20STORY"]
    assert page.link("alternate", "application/atom+xml") == [
        "/feeds/posts/default",
        "/feeds/posts/default/-/TOP%20STORY",
    ]
    assert page.link("alternate", "application/rss+xml") == [
        "/feeds/posts/default?alt=rss",
        "/feeds/posts/default/-/TOP%20STORY?alt=rss",
    ]


def test_older_posts_link_on_a_label_page_is_url_quoted(client, frozen_now):
    for index in range(3):
        make_post(
            title="Story %d" % index,
            labels=["TOP STORY"],
            published_at=FROZEN_NOW - timedelta(hours=index + 1),
        )
    response = client.get("/search/label/TOP%20STORY?max-results=2")
    older = response.context["older_url"]
    assert older.startswith("/search/label/TOP%20STORY?")
    assert " " not in older
    assert [p.title for p in client.get(older).context["posts"]] == ["Story 2"]
    newest = re.search(
        r'class="pager-home" href="([^"]+)"', client.get(older).content.decode()
    )
    assert newest.group(1) == "/search/label/TOP%20STORY"


def test_search_page_canonical_keeps_only_the_query(client, post):
    page = head(client, "/search?q=harbour&max-results=5&utm_source=x")
    assert page.link("canonical") == ["http://testserver/search?q=harbour"]
    assert page.one("robots") == "noindex, follow"


def test_preview_links_have_no_share_tags(staff_client, frozen_now):
    post = make_post(title="Preview me", status="draft", published_at=None)
    html = staff_client.get(preview_url(post)).content.decode()
    page = Head(html)
    assert page.one("robots") == "noindex, nofollow"
    assert "og:title" not in page.meta
    assert page.json_ld == []
