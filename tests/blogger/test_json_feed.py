"""Feeds in Blogger's JSON shape, as MagOne and pasted Blogger widgets read them."""

import json
import re
from datetime import timedelta

import pytest

from articles.models import SiteSettings
from tests.articles.test_feeds import (
    BLOG,
    LEAD_TITLE,
    SECRET,
    build_newsroom,
    bulk_posts,
    make_ranked_posts,
)

pytestmark = pytest.mark.django_db

MEDIA_NS = "http://search.yahoo.com/mrss/"
THREAD_NS = "http://purl.org/syndication/thread/1.0"
AUTHOR_IMAGE = {
    "rel": "http://schemas.google.com/g/2005#thumbnail",
    "width": "16",
    "height": "16",
    "src": "http://testserver/static/favicon.svg",
}


@pytest.fixture
def news(frozen_now):
    return build_newsroom()


def feed_json(client, address):
    response = client.get(address)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def jsonp(response, callback):
    """The document a JSONP answer hands to `callback`."""
    text = response.content.decode()
    prefix = "// API callback\n%s(" % callback
    assert text.startswith(prefix) and text.endswith(");")
    return json.loads(text[len(prefix) : -2])


def link(entry, rel, kind=None):
    found = [
        item
        for item in entry["link"]
        if item["rel"] == rel and (kind is None or item["type"] == kind)
    ]
    assert len(found) == 1, entry["link"]
    return found[0]


def test_document_and_feed_fields(client, news):
    document = feed_json(client, "/feeds/posts/default?alt=json")
    assert document["version"] == "1.0"
    assert document["encoding"] == "UTF-8"
    feed = document["feed"]
    assert feed["xmlns"] == "http://www.w3.org/2005/Atom"
    assert feed["xmlns$openSearch"] == "http://a9.com/-/spec/opensearchrss/1.0/"
    assert feed["xmlns$thr"] == THREAD_NS
    assert feed["id"] == {"$t": BLOG}
    assert feed["updated"] == {"$t": "2026-03-05T12:00:00.000+05:30"}
    assert feed["title"] == {"type": "text", "$t": "Local Glob"}
    assert feed["subtitle"] == {"type": "html", "$t": "News from around the globe"}
    # The blog's labels with live posts (a draft's own label would not show).
    assert feed["category"] == [{"term": "AROUND THE GLOBE"}, {"term": "TOP STORY"}]
    assert feed["author"] == [
        {
            "name": {"$t": "Local Glob"},
            "uri": {"$t": "http://testserver/"},
            "email": {"$t": "noreply@blogger.com"},
            "gd$image": AUTHOR_IMAGE,
        }
    ]
    assert feed["openSearch$totalResults"] == {"$t": "3"}
    assert feed["openSearch$startIndex"] == {"$t": "1"}
    assert feed["openSearch$itemsPerPage"] == {"$t": "25"}
    assert link(feed, "http://schemas.google.com/g/2005#feed")["href"] == (
        "http://testserver/feeds/posts/default"
    )
    assert (
        link(feed, "self")["href"] == "http://testserver/feeds/posts/default?alt=json"
    )
    assert link(feed, "alternate") == {
        "rel": "alternate",
        "type": "text/html",
        "href": "http://testserver/",
    }
    assert [item["rel"] for item in feed["link"]].count("next") == 0
    assert len(feed["entry"]) == 3


def test_entry_of_a_post_with_an_image_labels_and_comments(client, news):
    entry = feed_json(client, "/feeds/posts/default?alt=json")["feed"]["entry"][0]
    permalink = "http://testserver" + news.lead.get_absolute_url()
    assert entry["id"] == {"$t": "%s.post-%d" % (BLOG, news.lead.public_id)}
    assert entry["published"] == {"$t": "2026-03-05T10:00:00.000+05:30"}
    assert entry["updated"] == {"$t": "2026-03-05T12:00:00.000+05:30"}
    assert entry["category"] == [
        {"scheme": "http://www.blogger.com/atom/ns#", "term": "TOP STORY"},
        {"scheme": "http://www.blogger.com/atom/ns#", "term": "AROUND THE GLOBE"},
    ]
    assert entry["title"] == {"type": "text", "$t": LEAD_TITLE}
    assert entry["content"]["type"] == "html"
    assert entry["content"]["$t"].startswith(
        "<p>MOSCOW: Russian and American diplomats agreed.</p>"
    )
    assert 'src="http://testserver/img/' in entry["content"]["$t"]
    assert "summary" not in entry
    assert link(entry, "alternate") == {
        "rel": "alternate",
        "type": "text/html",
        "href": permalink,
        "title": LEAD_TITLE,
    }
    assert link(entry, "replies", "text/html") == {
        "rel": "replies",
        "type": "text/html",
        "href": permalink + "#comment-form",
        "title": "2 Comments",
    }
    assert link(entry, "replies", "application/atom+xml")["href"] == (
        "http://testserver/feeds/%d/comments/default" % news.lead.public_id
    )
    assert link(entry, "self")["href"] == (
        "http://testserver/feeds/posts/default/%d" % news.lead.public_id
    )
    assert entry["author"] == [
        {
            "name": {"$t": "Anjali Nair"},
            "uri": {"$t": "http://testserver/"},
            "email": {"$t": "noreply@blogger.com"},
            "gd$image": AUTHOR_IMAGE,
        }
    ]
    assert entry["media$thumbnail"] == {
        "xmlns$media": MEDIA_NS,
        "url": "http://testserver" + news.image.url("s72-c"),
        "height": "72",
        "width": "72",
    }
    assert entry["thr$total"] == {"$t": "2"}


def test_entry_of_a_post_without_image_or_comments(client, news):
    entries = feed_json(client, "/feeds/posts/default?alt=json")["feed"]["entry"]
    other = entries[1]
    assert other["title"]["$t"] == news.other.title
    assert "media$thumbnail" not in other
    assert other["thr$total"] == {"$t": "0"}
    assert link(other, "replies", "text/html")["title"] == "0 Comments"
    imported = entries[2]
    assert imported["id"] == {"$t": "%s.post-4512873310000000001" % BLOG}
    assert link(imported, "self")["href"] == (
        "http://testserver/feeds/posts/default/4512873310000000001"
    )
    # A post without an author is the site's.
    assert imported["author"][0]["name"] == {"$t": "Local Glob"}


def test_one_comment_is_called_one_comment(client, news):
    from tests.factories import make_comment

    make_comment(news.other)
    other = feed_json(client, "/feeds/posts/default?alt=json")["feed"]["entry"][1]
    assert link(other, "replies", "text/html")["title"] == "1 Comment"
    assert other["thr$total"] == {"$t": "1"}


def test_the_blog_id_is_the_site_setting(client, news):
    site = SiteSettings.load()
    site.blog_id = "42"
    site.save()
    feed = feed_json(client, "/feeds/posts/default?alt=json")["feed"]
    assert feed["id"] == {"$t": "tag:blogger.com,1999:blog-42"}
    assert feed["entry"][0]["id"] == {
        "$t": "tag:blogger.com,1999:blog-42.post-%d" % news.lead.public_id
    }


def test_summary_entries_carry_the_excerpt_instead_of_content(client, news):
    entry = feed_json(client, "/feeds/posts/summary?alt=json")["feed"]["entry"][0]
    assert entry["summary"] == {"type": "text", "$t": news.lead.excerpt}
    assert "content" not in entry


@pytest.mark.parametrize(
    "address",
    [
        "/feeds/posts/default?alt=json&start-index=999999",
        "/feeds/posts/default/-/NO%20SUCH%20LABEL?alt=json",
        "/feeds/posts/default?alt=json&q=nothingmatchesthis",
        "/feeds/%s/comments/default?alt=json",
    ],
)
def test_an_empty_feed_has_no_entry_key(client, news, address):
    if "%s" in address:
        address = address % news.other.public_id
    feed = feed_json(client, address)["feed"]
    assert "entry" not in feed
    assert feed["openSearch$itemsPerPage"] == {"$t": "25"}
    if "start-index" in address:
        assert feed["openSearch$totalResults"] == {"$t": "3"}
        assert feed["openSearch$startIndex"] == {"$t": "999999"}
    else:
        assert feed["openSearch$totalResults"] == {"$t": "0"}


def test_label_feed_with_a_space_in_the_name(client, news):
    feed = feed_json(client, "/feeds/posts/default/-/TOP%20STORY?alt=json")["feed"]
    assert [entry["title"]["$t"] for entry in feed["entry"]] == [
        LEAD_TITLE,
        news.imported.title,
    ]
    assert feed["openSearch$totalResults"] == {"$t": "2"}
    assert (
        link(feed, "alternate")["href"] == "http://testserver/search/label/TOP%20STORY"
    )


def test_paging_fields_and_next_link(client, news):
    feed = feed_json(
        client, "/feeds/posts/default?alt=json&max-results=1&start-index=2"
    )["feed"]
    assert [entry["title"]["$t"] for entry in feed["entry"]] == [news.other.title]
    assert feed["openSearch$startIndex"] == {"$t": "2"}
    assert feed["openSearch$itemsPerPage"] == {"$t": "1"}
    assert link(feed, "next")["href"] == (
        "http://testserver/feeds/posts/default?alt=json&max-results=1&start-index=3"
    )


def test_max_results_151_gives_at_most_150_entries(client, frozen_now):
    bulk_posts(160)
    feed = feed_json(client, "/feeds/posts/default?alt=json&max-results=151")["feed"]
    assert len(feed["entry"]) == 150
    assert feed["openSearch$itemsPerPage"] == {"$t": "150"}
    assert feed["openSearch$totalResults"] == {"$t": "160"}


# Comments.


def test_comment_entries_point_at_their_post_and_parent(client, news):
    feed = feed_json(
        client, "/feeds/%d/comments/default?alt=json" % news.lead.public_id
    )["feed"]
    assert feed["id"] == {"$t": "%s.post%d..comments" % (BLOG, news.lead.public_id)}
    assert feed["title"] == {
        "type": "text",
        "$t": "Comments on Local Glob: " + LEAD_TITLE,
    }
    assert link(feed, "alternate")["href"] == (
        "http://testserver" + news.lead.get_absolute_url()
    )
    assert "category" not in feed
    reply, first = feed["entry"]
    permalink = "http://testserver" + news.lead.get_absolute_url()
    assert reply["id"] == {"$t": "%s.post-%d" % (BLOG, news.reply.pk)}
    assert reply["published"] == {"$t": "2026-03-05T11:30:00.000+05:30"}
    assert reply["title"] == {"type": "text", "$t": "Agreed <b>fully</b>."}
    assert reply["content"] == {
        "type": "html",
        "$t": "<p>Agreed &lt;b&gt;fully&lt;/b&gt;.</p>",
    }
    assert reply["author"] == [
        {
            "name": {"$t": "Ravi"},
            "email": {"$t": "noreply@blogger.com"},
            "gd$image": AUTHOR_IMAGE,
        }
    ]
    assert (
        link(reply, "alternate")["href"] == "http://testserver" + news.reply.blogger_url
    )
    self_href = "http://testserver/feeds/%d/comments/default/%%d" % news.lead.public_id
    assert link(reply, "self")["href"] == self_href % news.reply.pk
    assert link(reply, "related")["href"] == self_href % news.first.pk
    assert reply["thr$in-reply-to"] == {
        "xmlns$thr": THREAD_NS,
        "href": permalink,
        "ref": "%s.post-%d" % (BLOG, news.lead.public_id),
        "source": "http://testserver/feeds/posts/default/%d" % news.lead.public_id,
        "type": "text/html",
    }
    assert [item["rel"] for item in first["link"]] == ["self", "alternate"]


def test_links_in_entries_lead_somewhere(client, news):
    """The `self`, `related` and `replies` feed links answer with that entry."""
    feed = feed_json(client, "/feeds/comments/default?alt=json")["feed"]
    reply = feed["entry"][0]
    parent = client.get(link(reply, "related")["href"] + "?alt=json")
    assert json.loads(parent.content)["entry"]["author"][0]["name"] == {"$t": "Asha"}
    post = client.get(reply["thr$in-reply-to"]["source"] + "?alt=json")
    assert json.loads(post.content)["entry"]["title"]["$t"] == LEAD_TITLE
    posts = feed_json(client, "/feeds/posts/default?alt=json")["feed"]["entry"]
    replies = link(posts[0], "replies", "application/atom+xml")["href"]
    assert len(feed_json(client, replies + "?alt=json")["feed"]["entry"]) == 2


def test_comment_of_a_hidden_thread_is_a_404_on_its_own(client, news):
    address = "/feeds/%d/comments/default/%d?alt=json" % (
        news.lead.public_id,
        news.held.pk,
    )
    assert client.get(address).status_code == 404


def test_comments_summary_feed_has_plain_text(client, news):
    entry = feed_json(client, "/feeds/comments/summary?alt=json")["feed"]["entry"][0]
    assert entry["summary"] == {"type": "text", "$t": "Agreed <b>fully</b>."}
    assert "content" not in entry


# JSONP.


@pytest.mark.parametrize(
    "callback",
    ["showRelated", "_cb", "$", "jQuery1910_17414.x$", "a" * 64, "gdata.io.cb"],
)
def test_jsonp_accepts_script_names(client, news, callback):
    response = client.get(
        "/feeds/posts/default/-/TOP%20STORY",
        {"alt": "json-in-script", "callback": callback, "max-results": "5"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    document = jsonp(response, callback)
    assert document["feed"]["entry"][0]["title"]["$t"] == LEAD_TITLE


@pytest.mark.parametrize(
    "callback",
    [
        "alert(1)//",
        "a b",
        "a" * 65,
        "1abc",
        "",
        "a-b",
        "cb;alert(1)",
        "cb\n",
        "<script>",
        "a[0]",
        "caf\u00e9",
    ],
)
def test_jsonp_refuses_anything_else(client, news, callback):
    response = client.get(
        "/feeds/posts/default", {"alt": "json-in-script", "callback": callback}
    )
    assert response.status_code == 400
    assert b"alert(1)" not in response.content


def test_jsonp_without_callback_calls_bloggers_default(client, news):
    response = client.get("/feeds/posts/default?alt=json-in-script")
    assert jsonp(response, "gdata.io.handleScriptLoaded")["feed"]["entry"]


def test_jsonp_escapes_line_separators(client, frozen_now):
    from tests.factories import make_post

    make_post(title="Line\u2028separator")
    text = client.get(
        "/feeds/posts/default?alt=json-in-script&callback=cb"
    ).content.decode()
    assert "\u2028" not in text
    assert "\\u2028" in text
    document = jsonp_text(text, "cb")
    assert document["feed"]["entry"][0]["title"]["$t"].startswith("Line\u2028separator")


def jsonp_text(text, callback):
    prefix = "// API callback\n%s(" % callback
    return json.loads(text[len(prefix) : -2])


@pytest.mark.parametrize("alt", ["json", "json-in-script&callback=cb"])
def test_premium_text_is_never_in_blogger_json(client, news, alt):
    for path in ("/feeds/posts/default", "/feeds/posts/summary"):
        response = client.get("%s?alt=%s&q=zebracorn" % (path, alt))
        assert SECRET not in response.content.decode()
        response = client.get("%s?alt=%s" % (path, alt))
        assert SECRET not in response.content.decode()
        assert news.draft.title not in response.content.decode()
        assert news.scheduled.title not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "max-results=0",
        "max-results=abc",
        "start-index=0",
        "start-index=-1",
        "published-min=not-a-date",
        "updated-max=2026-02-30T00:00:00",
        "orderby=title",
        "alt=json&alt=rss",
    ],
)
def test_malformed_parameters_with_json_are_a_400(client, news, query):
    assert client.get("/feeds/posts/default?alt=json&" + query).status_code == 400


def json_titles(client, address):
    feed = feed_json(client, address)["feed"]
    return [entry["title"]["$t"] for entry in feed.get("entry", [])]


@pytest.mark.parametrize("orderby", ["relevance", "RELEVANCE", "Relevance"])
def test_orderby_relevance_in_blogger_json(client, frozen_now, orderby):
    strong, weak = make_ranked_posts()
    address = "/feeds/posts/default?alt=json&q=monsoon&orderby=" + orderby
    assert json_titles(client, address) == [strong.title, weak.title]
    assert json_titles(client, address + "&start-index=2") == [weak.title]
    # Without `q`, relevance is published order.
    assert json_titles(client, "/feeds/posts/summary?alt=json&orderby=" + orderby) == [
        weak.title,
        strong.title,
    ]
    script = client.get(
        "/feeds/posts/default?alt=json-in-script&callback=cb&q=monsoon&orderby="
        + orderby
    )
    assert [entry["title"]["$t"] for entry in jsonp(script, "cb")["feed"]["entry"]] == [
        strong.title,
        weak.title,
    ]


def test_orderby_is_case_insensitive_in_blogger_json(client, news, frozen_now):
    frozen_now.shift(timedelta(minutes=5))
    news.imported.title = "North Korean leader warns, corrected"
    news.imported.save()
    for orderby in ("UPDATED", "Updated"):
        assert json_titles(client, "/feeds/posts/default?alt=json&orderby=" + orderby)[
            0
        ] == ("North Korean leader warns, corrected")
    assert json_titles(client, "/feeds/posts/default?alt=json&orderby=PUBLISHED")[
        0
    ] == (LEAD_TITLE)


def test_blogger_json_at_the_sites_feed_addresses(client, news):
    default = json_titles(client, "/feeds/posts/default?alt=json")
    assert json_titles(client, "/atom.xml?alt=json") == default
    assert json_titles(client, "/rss.xml?alt=json&redirect=false") == default
    assert json_titles(client, "/feeds/posts/full?alt=json") == default
    assert json_titles(client, "/feeds/posts/full/-/TOP%20STORY?alt=json") == [
        LEAD_TITLE,
        news.imported.title,
    ]


def test_path_parameter_gives_the_one_post(client, news):
    feed = feed_json(
        client, "/feeds/posts/default?alt=json&path=" + news.lead.get_absolute_url()
    )["feed"]
    assert [entry["title"]["$t"] for entry in feed["entry"]] == [LEAD_TITLE]
    assert feed["openSearch$totalResults"] == {"$t": "1"}


def test_times_are_blogger_shaped(client, news):
    text = client.get("/feeds/posts/default?alt=json").content.decode()
    stamps = re.findall(r'"published":\{"\$t":"([^"]+)"\}', text)
    assert stamps
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30", stamp)


# JSONP and this site's own pages: `<script src="/feeds/...?alt=json-in-script
# &callback=alert">` slipped into a page would be a same-origin script, which
# the CSP allows; the browser's Fetch Metadata tells such a load apart.

JSONP = "/feeds/posts/default?alt=json-in-script&callback=alert"


def fetch_metadata(site, dest):
    return {"HTTP_SEC_FETCH_SITE": site, "HTTP_SEC_FETCH_DEST": dest}


@pytest.mark.parametrize(
    "dest", ["script", "worker", "sharedworker", "serviceworker", "style", "iframe"]
)
def test_jsonp_is_refused_to_this_sites_own_pages(client, news, dest):
    response = client.get(JSONP, **fetch_metadata("same-origin", dest))
    assert response.status_code == 403
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"alert(" not in response.content
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("site", "dest"),
    [
        ("cross-site", "script"),  # a Blogger widget on another site
        ("same-site", "script"),  # a sister site on another subdomain
        ("same-origin", "document"),  # a link followed: shown as text
        ("same-origin", "empty"),  # fetch() or XMLHttpRequest: never run
        ("none", "document"),  # typed into the address bar
        (None, None),  # a browser without Fetch Metadata, a feed reader
    ],
)
def test_jsonp_still_serves_other_sites_widgets(client, news, site, dest):
    headers = fetch_metadata(site, dest) if site else {}
    response = client.get(JSONP, **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Sec-Fetch-Site", "Sec-Fetch-Dest"} <= vary
    assert jsonp(response, "alert")["feed"]["entry"]


def test_a_cached_widget_answer_is_not_replayed_to_this_sites_pages(
    client, news, settings
):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    SiteSettings.load()  # created by the first request otherwise, purging the cache
    widget = fetch_metadata("cross-site", "script")
    assert client.get(JSONP, **widget).status_code == 200
    assert client.get(JSONP, **widget)["X-Page-Cache"] == "hit"
    response = client.get(JSONP, **fetch_metadata("same-origin", "script"))
    assert response.status_code == 403
    assert b"alert(" not in response.content


def test_json_is_served_as_json_with_nosniff(client, news):
    """`alt=json` cannot run as a script: nosniff and a JSON type."""
    response = client.get(
        "/feeds/posts/default?alt=json", **fetch_metadata("same-origin", "script")
    )
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
