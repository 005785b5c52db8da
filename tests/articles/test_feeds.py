"""Atom, RSS 2.0 and JSON Feed at Blogger's addresses, read by a real feed client."""

import json
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from articles.feeds.page import absolute_html
from articles.models import Label, LabeledPost, Page, Post, SiteSettings, Status
from comments.models import Comment
from tests.factories import (
    make_comment,
    make_draft,
    make_image,
    make_page,
    make_post,
    make_scheduled,
    make_user,
)

pytestmark = pytest.mark.django_db

ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
SECRET = "zebracorn-premium-paragraph"
BLOG = "tag:blogger.com,1999:blog-8255692317570297677"
LEAD_TITLE = "Russian, US diplomats discuss steps in Istanbul to fund their embassies"

# Every feed address and format a reader or widget may ask for.
POST_FEEDS = [
    "/feeds/posts/default",
    "/feeds/posts/summary",
    "/feeds/posts/default/-/TOP%20STORY",
    "/feeds/posts/summary/-/TOP%20STORY",
]
COMMENT_FEEDS = ["/feeds/comments/default", "/feeds/comments/summary"]
ALTS = ["", "alt=rss", "alt=json", "alt=json-in-script&callback=cb", "alt=jsonfeed"]


def build_newsroom():
    """
    The seed's story (image, two labels, a premium part, comments in every
    state) beside the things feeds must never show: a draft, a scheduled post,
    a page, comments held, spammed or on a draft.
    """
    now = timezone.now()
    author = make_user(first_name="Anjali", last_name="Nair")
    image = make_image(size=(800, 450), filename="steps.jpg", alt_text="Diplomats")
    lead = make_post(
        title=LEAD_TITLE,
        body='<p>MOSCOW: Russian and American diplomats agreed.</p><p><img src="%s" alt="x"></p>'
        % image.url("s640"),
        excerpt="MOSCOW: Russian and American diplomats have agreed on funding.",
        premium_body="<p>Members only: %s.</p>" % SECRET,
        featured_image=image,
        author=author,
        labels=["TOP STORY", "AROUND THE GLOBE"],
        published_at=now - timedelta(hours=2),
    )
    other = make_post(
        title="Cargo planes crash near Vilnius Airport",
        labels=["AROUND THE GLOBE"],
        published_at=now - timedelta(hours=3),
    )
    imported = make_post(
        title="North Korean leader warns of growing risk",
        labels=["TOP STORY"],
        blogger_id="4512873310000000001",
        published_at=now - timedelta(days=30),
    )
    draft = make_draft(title="Draft story never shown", labels=["TOP STORY"])
    scheduled = make_scheduled(title="Scheduled story not yet", labels=["TOP STORY"])
    page = make_page(title="About the newsroom")
    first = make_comment(
        lead,
        name="Asha",
        text="Good news at last.",
        created_at=now - timedelta(hours=1),
    )
    reply = make_comment(
        lead,
        parent=first,
        name="Ravi",
        text="Agreed <b>fully</b>.",
        created_at=now - timedelta(minutes=30),
    )
    held = make_comment(
        lead,
        name="Held",
        text="Held comment words",
        status=Comment.Status.PENDING,
    )
    spam = make_comment(
        lead, name="Spam", text="Spam comment words", status=Comment.Status.SPAM
    )
    on_draft = make_comment(draft, name="Draft reader", text="Comment on a draft")
    return SimpleNamespace(
        author=author,
        image=image,
        lead=lead,
        other=other,
        imported=imported,
        draft=draft,
        scheduled=scheduled,
        page=page,
        first=first,
        reply=reply,
        held=held,
        spam=spam,
        on_draft=on_draft,
    )


@pytest.fixture
def news(frozen_now):
    return build_newsroom()


def url(path, query=""):
    return "%s?%s" % (path, query) if query else path


def parse(response):
    """feedparser's reading of a response, checked to be well-formed."""
    parsed = feedparser.parse(
        response.content,
        response_headers={"content-type": response["Content-Type"]},
    )
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def bulk_posts(count, *, prefix="bulk", image=None, author=None, label=None):
    """`count` live posts with a label, an image and a comment each, made fast."""
    now = timezone.now()
    posts = Post.objects.bulk_create(
        Post(
            title="%s story %d" % (prefix, number),
            slug="%s-%d" % (prefix, number),
            permalink="/2026/02/%s-%d.html" % (prefix, number),
            body="<p>Body %d.</p>" % number,
            summary="Body %d." % number,
            status=Status.PUBLISHED,
            published_at=now - timedelta(days=1, minutes=number),
            featured_image=image,
            author=author,
        )
        for number in range(count)
    )
    if label is not None:
        LabeledPost.objects.bulk_create(
            LabeledPost(content_object=post, tag=label, position=0) for post in posts
        )
    Comment.objects.bulk_create(
        Comment(post=post, name="Reader", text="Hi", status=Comment.Status.APPROVED)
        for post in posts
    )
    return posts


# Feed readers.


@pytest.mark.parametrize("alt", ["", "alt=atom", "alt=rss"])
@pytest.mark.parametrize("path", POST_FEEDS)
def test_feed_readers_parse_every_post_feed_with_the_live_posts(
    client, news, path, alt
):
    response = client.get(url(path, alt))
    assert response.status_code == 200
    assert response["Content-Type"] == (RSS if alt == "alt=rss" else ATOM)
    parsed = parse(response)
    assert parsed.version == ("rss20" if alt == "alt=rss" else "atom10")
    assert parsed.feed.title == "Local Glob"
    assert parsed.feed.link == "http://testserver/" + (
        "search/label/TOP%20STORY" if "/-/" in path else ""
    )
    titles = [entry.title for entry in parsed.entries]
    if "/-/" in path:
        assert titles == [LEAD_TITLE, news.imported.title]
    else:
        assert titles == [LEAD_TITLE, news.other.title, news.imported.title]
    lead = parsed.entries[0]
    assert lead.link == "http://testserver" + news.lead.get_absolute_url()
    assert lead.id == "%s.post-%d" % (BLOG, news.lead.public_id)
    assert [tag.term for tag in lead.tags] == ["TOP STORY", "AROUND THE GLOBE"]
    assert lead.media_thumbnail == [
        {
            "url": "http://testserver" + news.image.url("s72-c"),
            "height": "72",
            "width": "72",
        }
    ]
    assert lead.thr_total == "2"
    assert lead.author == "Anjali Nair"
    assert lead.published_parsed[:5] == news.lead.published_at.utctimetuple()[:5]
    # The imported post keeps the id readers knew on Blogger.
    assert parsed.entries[-1].id == "%s.post-4512873310000000001" % BLOG
    assert "media_thumbnail" not in parsed.entries[-1]


def test_atom_carries_the_full_sanitised_body_with_absolute_addresses(client, news):
    response = client.get("/feeds/posts/default")
    parsed = parse(response)
    lead = parsed.entries[0]
    assert lead.content[0].type == "text/html"
    body = lead.content[0].value
    assert "MOSCOW: Russian and American diplomats agreed." in body
    # The body stored an s640 picture; like the post page, the feed sends the
    # column-sized file (articles/body_images.py), at an absolute address.
    assert 'src="http://testserver%s"' % news.image.url("s1600") in body
    assert "=&quot;/img/" not in response.content.decode()
    assert "<summary" not in response.content.decode()
    assert parsed.feed.id == BLOG
    assert parsed.feed.opensearch_totalresults == "3"
    replies = [link for link in lead.links if link.rel == "replies"]
    assert [link.href for link in replies] == [
        "http://testserver/feeds/%d/comments/default" % news.lead.public_id,
        "http://testserver%s#comment-form" % news.lead.get_absolute_url(),
    ]
    assert replies[1].title == "2 Comments"


@pytest.mark.parametrize("alt", ["", "alt=rss"])
def test_summary_feeds_carry_the_excerpt_only(client, news, alt):
    parsed = parse(client.get(url("/feeds/posts/summary", alt)))
    lead = parsed.entries[0]
    assert lead.summary == news.lead.excerpt
    assert "content" not in lead
    assert (
        "agreed.</p>"
        not in client.get(url("/feeds/posts/summary", alt)).content.decode()
    )


def test_rss_items_have_guid_description_categories_and_comments(client, news):
    parsed = parse(client.get("/feeds/posts/default?alt=rss"))
    lead = parsed.entries[0]
    assert lead.id == "%s.post-%d" % (BLOG, news.lead.public_id)
    assert lead.guidislink is False
    assert "MOSCOW: Russian and American diplomats agreed." in lead.description
    assert (
        lead.comments == "http://testserver%s#comments" % news.lead.get_absolute_url()
    )
    assert [tag.term for tag in lead.tags] == ["TOP STORY", "AROUND THE GLOBE"]


@pytest.mark.parametrize("alt", ["", "alt=rss"])
def test_comment_feeds_list_approved_comments_on_live_posts_only(client, news, alt):
    parsed = parse(client.get(url("/feeds/comments/default", alt)))
    assert [entry.author for entry in parsed.entries] == ["Ravi", "Asha"]
    assert parsed.entries[0].link == "http://testserver" + news.reply.blogger_url
    assert parsed.entries[0].id == "%s.post-%d" % (BLOG, news.reply.pk)
    per_post = parse(
        client.get(url("/feeds/%d/comments/default" % news.lead.public_id, alt))
    )
    assert [entry.author for entry in per_post.entries] == ["Ravi", "Asha"]
    assert per_post.feed.title == "Comments on Local Glob: " + LEAD_TITLE


def test_comment_text_is_escaped_in_the_atom_content(client, news):
    parsed = parse(client.get("/feeds/comments/default"))
    assert (
        parsed.entries[0].content[0].value == "<p>Agreed &lt;b&gt;fully&lt;/b&gt;.</p>"
    )
    response = client.get("/feeds/comments/default").content.decode()
    assert "<b>fully" not in response


def test_comment_feed_of_a_post_without_comments_is_empty(client, news):
    parsed = parse(client.get("/feeds/%d/comments/default" % news.other.public_id))
    assert parsed.entries == []


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/999999/comments/default",
        "/feeds/99999999999999999999999/comments/default",
        "/feeds/posts/default/999999",
    ],
)
def test_an_unknown_post_id_is_a_404(client, news, path):
    assert client.get(path).status_code == 404


def test_draft_and_scheduled_post_ids_are_404_for_comments(client, news):
    for post in (news.draft, news.scheduled):
        assert (
            client.get("/feeds/%d/comments/default" % post.public_id).status_code == 404
        )
        assert client.get("/feeds/posts/default/%d" % post.public_id).status_code == 404


def test_an_imported_post_is_found_by_its_blogger_id_only(client, news):
    make_comment(news.imported, name="Old reader")
    parsed = parse(client.get("/feeds/4512873310000000001/comments/default"))
    assert [entry.author for entry in parsed.entries] == ["Old reader"]
    # Its database key is not an address of its own.
    assert (
        client.get("/feeds/%d/comments/default" % news.imported.pk).status_code == 404
    )


def test_one_posts_own_address_lists_that_post(client, news):
    parsed = parse(client.get("/feeds/posts/default/%d" % news.lead.public_id))
    assert [entry.title for entry in parsed.entries] == [LEAD_TITLE]


def test_root_relative_addresses_in_bodies_become_absolute(rf):
    html = (
        '<a href="/2026/01/other.html">x</a><a href="//cdn.example/x">y</a>'
        '<img src="/img/k/s640/a.jpg" srcset="/img/k/s320/a.jpg 320w, '
        'https://elsewhere.example/b.jpg 640w">'
    )
    assert absolute_html(html, rf.get("/feeds/posts/default")) == (
        '<a href="http://testserver/2026/01/other.html">x</a>'
        '<a href="//cdn.example/x">y</a>'
        '<img src="http://testserver/img/k/s640/a.jpg" '
        'srcset="http://testserver/img/k/s320/a.jpg 320w, '
        'https://elsewhere.example/b.jpg 640w">'
    )


# Labels.


def test_unknown_label_is_an_empty_feed_not_an_error(client, news):
    response = client.get("/feeds/posts/default/-/NO%20SUCH%20LABEL")
    assert response.status_code == 200
    assert parse(response).entries == []


def test_label_feeds_match_the_name_exactly(client, news):
    parsed = parse(client.get("/feeds/posts/default/-/top%20story"))
    assert parsed.entries == []


def test_two_labels_in_the_path_list_posts_with_both(client, news):
    parsed = parse(
        client.get("/feeds/posts/default/-/TOP%20STORY/AROUND%20THE%20GLOBE")
    )
    assert [entry.title for entry in parsed.entries] == [LEAD_TITLE]


def test_a_label_name_holding_a_slash_is_one_label(client, news):
    make_post(title="Split story", labels=["News/Politics"])
    parsed = parse(
        client.get("/feeds/posts/default/-/" + quote("News/Politics", safe=""))
    )
    assert [entry.title for entry in parsed.entries] == ["Split story"]


# What feeds never show.


@pytest.mark.parametrize("alt", ALTS)
@pytest.mark.parametrize("path", POST_FEEDS + COMMENT_FEEDS)
def test_feeds_never_show_drafts_scheduled_posts_pages_or_premium_text(
    client, news, path, alt
):
    response = client.get(url(path, alt))
    assert response.status_code == 200
    text = response.content.decode()
    for hidden in (
        news.draft.title,
        news.scheduled.title,
        news.page.title,
        SECRET,
        "Held comment words",
        "Spam comment words",
        "Comment on a draft",
        "/feeds/%d/" % news.draft.public_id,
    ):
        assert hidden not in text


@pytest.mark.parametrize("alt", ALTS)
def test_searching_feeds_for_premium_text_finds_nothing(client, news, alt):
    response = client.get(url("/feeds/posts/default", "q=zebracorn&" + alt))
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert LEAD_TITLE not in response.content.decode()


def test_a_scheduled_post_joins_the_feed_exactly_at_its_time(client, frozen_now):
    make_post(title="Already live")
    make_scheduled(title="Goes live at noon", delay=timedelta(hours=1))
    frozen_now.shift(timedelta(minutes=59, seconds=59))
    for alt in ("", "alt=rss", "alt=json", "alt=jsonfeed"):
        assert (
            "Goes live at noon"
            not in client.get(url("/feeds/posts/default", alt)).content.decode()
        )
    frozen_now.shift(timedelta(seconds=1))
    parsed = parse(client.get("/feeds/posts/default"))
    assert [entry.title for entry in parsed.entries] == [
        "Goes live at noon",
        "Already live",
    ]
    for alt in ("alt=rss", "alt=json", "alt=jsonfeed"):
        assert (
            "Goes live at noon"
            in client.get(url("/feeds/posts/default", alt)).content.decode()
        )


# Parameters: the same rules for every format.


def titles(client, query, path="/feeds/posts/default"):
    return [entry.title for entry in parse(client.get(url(path, query))).entries]


def test_max_results_and_start_index_page_through_the_feed(client, news):
    assert titles(client, "max-results=1") == [LEAD_TITLE]
    assert titles(client, "max-results=1&start-index=2") == [news.other.title]
    assert titles(client, "max-results=2&start-index=3") == [news.imported.title]
    parsed = parse(client.get("/feeds/posts/default?max-results=1&start-index=2"))
    assert parsed.feed.opensearch_startindex == "2"
    assert parsed.feed.opensearch_itemsperpage == "1"
    nexts = [link.href for link in parsed.feed.links if link.rel == "next"]
    assert nexts == [
        "http://testserver/feeds/posts/default?max-results=1&start-index=3"
    ]


def test_the_last_page_has_no_next_link(client, news):
    parsed = parse(client.get("/feeds/posts/default?max-results=3"))
    assert [link for link in parsed.feed.links if link.rel == "next"] == []


@pytest.mark.parametrize("alt", ["", "alt=rss", "alt=jsonfeed"])
def test_start_index_beyond_the_end_is_an_empty_feed(client, news, alt):
    response = client.get(url("/feeds/posts/default", "start-index=999999&" + alt))
    assert response.status_code == 200
    if alt == "alt=jsonfeed":
        assert json.loads(response.content)["items"] == []
    else:
        assert parse(response).entries == []


def test_max_results_over_150_gives_150(client, frozen_now):
    bulk_posts(151)
    parsed = parse(client.get("/feeds/posts/default?max-results=151"))
    assert len(parsed.entries) == 150
    assert parsed.feed.opensearch_itemsperpage == "150"
    assert parsed.feed.opensearch_totalresults == "151"
    assert len(parse(client.get("/feeds/posts/default")).entries) == 25


@pytest.mark.parametrize(
    "query",
    [
        "max-results=0",
        "max-results=-1",
        "max-results=abc",
        "max-results=1.5",
        "start-index=0",
        "start-index=-1",
        "start-index=abc",
        "orderby=title",
        "alt=xml",
        "alt=JSON",
        "published-min=yesterday",
        "published-max=2026-13-01",
        "updated-min=2026-03-05T25:00:00",
        "updated-max=5",
        "published-min=" + "9" * 50,
        "max-results=5&max-results=6",
        "alt=rss&alt=atom",
        "alt=json-in-script&callback=alert(1)//",
    ],
)
@pytest.mark.parametrize("path", ["/feeds/posts/default", "/feeds/comments/default"])
def test_malformed_parameters_are_a_400(client, news, path, query):
    assert client.get(url(path, query)).status_code == 400


def test_a_parameter_repeated_with_the_same_value_is_fine(client, news):
    assert titles(client, "max-results=1&max-results=1") == [LEAD_TITLE]


def test_unknown_parameters_are_ignored(client, news):
    assert titles(client, "max-results=1&m=1&_=1741234567&redirect=false") == [
        LEAD_TITLE
    ]


def test_published_and_updated_bounds_are_inclusive_min_exclusive_max(
    client, news, frozen_now
):
    lead_time = timezone.localtime(news.lead.published_at).isoformat()
    assert titles(client, "published-min=" + quote(lead_time)) == [LEAD_TITLE]
    assert titles(client, "published-max=" + quote(lead_time)) == [
        news.other.title,
        news.imported.title,
    ]
    # A "+" left unquoted arrives as a space and still means the offset.
    assert titles(client, "published-min=" + lead_time) == [LEAD_TITLE]
    assert titles(
        client, "published-min=2026-02-01T00:00:00Z&published-max=2026-03-05"
    ) == [news.imported.title]
    frozen_now.shift(timedelta(minutes=5))
    news.imported.title = "North Korean leader warns, corrected"
    news.imported.save()
    now = quote(timezone.localtime().isoformat())
    assert titles(client, "updated-min=" + now) == [
        "North Korean leader warns, corrected"
    ]
    assert titles(client, "updated-max=" + now) == [LEAD_TITLE, news.other.title]


def test_orderby_updated_lists_the_latest_change_first(client, news, frozen_now):
    frozen_now.shift(timedelta(minutes=5))
    news.imported.title = "North Korean leader warns, corrected"
    news.imported.save()
    assert (
        titles(client, "orderby=updated")[0] == "North Korean leader warns, corrected"
    )
    assert titles(client, "orderby=published")[0] == LEAD_TITLE


def feed_titles(client, address):
    response = client.get(address)
    assert response.status_code == 200, (address, response.content[:200])
    return [entry.title for entry in parse(response).entries]


def make_ranked_posts():
    """Two posts matching "monsoon": the older one much more strongly."""
    strong = make_post(
        title="Monsoon floods: the monsoon season explained",
        excerpt="The monsoon, day by day.",
        body="<p>Monsoon rain. The monsoon is late; monsoon winds.</p>",
        published_at=timezone.now() - timedelta(days=3),
    )
    weak = make_post(
        title="Budget session opens in the assembly",
        excerpt="The finance minister presents the budget.",
        body="<p>%s The session may pause for the monsoon.</p>"
        % ("The finance minister spoke about roads and schools. " * 20),
        published_at=timezone.now() - timedelta(hours=1),
    )
    return strong, weak


@pytest.mark.parametrize("orderby", ["relevance", "RELEVANCE", "Relevance", ""])
def test_orderby_relevance_lists_the_best_match_first_with_q(
    client, frozen_now, orderby
):
    strong, weak = make_ranked_posts()
    query = "q=monsoon" + ("&orderby=" + orderby if orderby else "")
    address = url("/feeds/posts/default", query)
    assert feed_titles(client, address) == [strong.title, weak.title]
    # Paging keeps the rank order.
    assert feed_titles(client, address + "&max-results=1&start-index=2") == [weak.title]
    # The other orders still win over the rank when asked for.
    for other in ("published", "PUBLISHED", "updated"):
        assert feed_titles(
            client, url("/feeds/posts/default", "q=monsoon&orderby=" + other)
        ) == [weak.title, strong.title]


@pytest.mark.parametrize("orderby", ["relevance", "RELEVANCE"])
def test_orderby_relevance_without_q_is_published_order(client, news, orderby):
    expected = [LEAD_TITLE, news.other.title, news.imported.title]
    for path in ("/feeds/posts/default", "/feeds/posts/summary"):
        assert feed_titles(client, url(path, "orderby=" + orderby)) == expected
    # A label filter in `q` has no words to rank: published order too.
    assert feed_titles(
        client,
        url("/feeds/posts/default", 'orderby=relevance&q=label:"TOP STORY"'),
    ) == [LEAD_TITLE, news.imported.title]
    # Comment feeds accept it too.
    response = client.get("/feeds/comments/default?orderby=Relevance")
    assert response.status_code == 200


def test_orderby_is_case_insensitive(client, news, frozen_now):
    frozen_now.shift(timedelta(minutes=5))
    news.imported.title = "North Korean leader warns, corrected"
    news.imported.save()
    for orderby in ("UPDATED", "Updated", "uPdAtEd"):
        assert feed_titles(client, "/feeds/posts/default?orderby=" + orderby)[0] == (
            "North Korean leader warns, corrected"
        )
    assert feed_titles(client, "/feeds/posts/default?orderby=PUBLISHED")[0] == (
        LEAD_TITLE
    )


def test_q_finds_text_and_labels(client, news):
    assert titles(client, "q=Vilnius") == [news.other.title]
    assert titles(client, 'q=label:"TOP STORY"') == [LEAD_TITLE, news.imported.title]
    assert titles(client, 'q=label:"TOP STORY"|label:"AROUND THE GLOBE"') == [
        LEAD_TITLE,
        news.other.title,
        news.imported.title,
    ]
    assert titles(client, "q=nothingmatchesthis") == []
    assert titles(client, "q=%21%21") == []


def test_path_selects_one_post(client, news):
    assert titles(client, "path=" + news.other.get_absolute_url()) == [news.other.title]
    assert titles(client, "path=/2099/01/nothing.html") == []
    assert titles(client, "path=" + news.scheduled.get_absolute_url()) == []


def test_comment_feeds_page_too(client, news):
    assert [
        entry.author
        for entry in parse(
            client.get("/feeds/comments/default?max-results=1&start-index=2")
        ).entries
    ] == ["Asha"]


# Conditional GET.


@pytest.mark.parametrize(
    "path", ["/feeds/posts/default", "/feeds/posts/default?alt=json"]
)
def test_etag_and_last_modified_answer_304_until_something_changes(client, news, path):
    first = client.get(path)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # A comment approved in the same second still changes both answers.
    make_comment(news.other, name="Late reader")
    changed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 200
    assert changed["Last-Modified"] == http_date(timezone.now().timestamp() + 1)


def test_last_modified_never_goes_back_when_a_post_is_deleted(client, news, frozen_now):
    modified = client.get("/feeds/posts/default")["Last-Modified"]
    frozen_now.shift(timedelta(minutes=10))
    news.lead.delete()
    response = client.get("/feeds/posts/default", HTTP_IF_MODIFIED_SINCE=modified)
    assert response.status_code == 200
    assert LEAD_TITLE not in response.content.decode()


def test_feeds_answer_get_and_head_only(client, news):
    assert client.head("/feeds/posts/default").status_code == 200
    assert client.post("/feeds/posts/default").status_code == 405
    assert client.post("/feeds/comments/default?alt=json").status_code == 405


def test_the_feed_is_the_same_in_every_reader_language(client, news):
    english = client.get("/feeds/posts/default")
    hindi = client.get("/feeds/posts/default", HTTP_ACCEPT_LANGUAGE="hi")
    assert hindi.content == english.content
    assert b'xml:lang="en"' in hindi.content


# Formats.


@pytest.mark.parametrize(
    "query, content_type",
    [
        ("", ATOM),
        ("alt=atom", ATOM),
        ("alt=rss", RSS),
        ("alt=json", "application/json"),
        ("alt=json-in-script&callback=cb", "text/javascript; charset=utf-8"),
        ("alt=jsonfeed", "application/feed+json"),
    ],
)
@pytest.mark.parametrize("path", POST_FEEDS + COMMENT_FEEDS)
def test_each_format_has_its_content_type(client, news, path, query, content_type):
    response = client.get(url(path, query))
    assert response["Content-Type"] == content_type
    assert response["Access-Control-Allow-Origin"] == "*"


def test_json_feed_follows_version_1_1(client, news):
    response = client.get("/feeds/posts/default/-/TOP%20STORY?alt=jsonfeed")
    document = json.loads(response.content)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == "Local Glob"
    assert document["home_page_url"] == "http://testserver/search/label/TOP%20STORY"
    assert document["feed_url"] == (
        "http://testserver/feeds/posts/default/-/TOP%20STORY?alt=jsonfeed"
    )
    assert "next_url" not in document
    lead = document["items"][0]
    assert lead["id"] == "%s.post-%d" % (BLOG, news.lead.public_id)
    assert lead["url"] == "http://testserver" + news.lead.get_absolute_url()
    assert lead["title"] == LEAD_TITLE
    assert lead["summary"] == news.lead.excerpt
    assert "MOSCOW: Russian and American diplomats agreed." in lead["content_html"]
    assert lead["date_published"] == "2026-03-05T10:00:00.000+05:30"
    assert lead["authors"] == [{"name": "Anjali Nair"}]
    assert lead["tags"] == ["TOP STORY", "AROUND THE GLOBE"]
    assert lead["image"] == "http://testserver" + news.image.url("s640")
    assert lead["_newsroom"] == {
        "comment_count": 2,
        "thumbnail": "http://testserver" + news.image.url("s72-c"),
    }
    assert [item["title"] for item in document["items"]] == [
        LEAD_TITLE,
        news.imported.title,
    ]


def test_json_feed_summary_has_text_only_and_pages(client, news):
    document = json.loads(
        client.get("/feeds/posts/summary?alt=jsonfeed&max-results=1").content
    )
    assert document["items"][0]["content_text"] == news.lead.excerpt
    assert "content_html" not in document["items"][0]
    assert document["next_url"] == (
        "http://testserver/feeds/posts/summary?alt=jsonfeed&max-results=1&start-index=2"
    )


def test_json_feed_of_comments(client, news):
    document = json.loads(client.get("/feeds/comments/default?alt=jsonfeed").content)
    assert [item["authors"] for item in document["items"]] == [
        [{"name": "Ravi"}],
        [{"name": "Asha"}],
    ]
    assert (
        document["items"][0]["content_html"]
        == "<p>Agreed &lt;b&gt;fully&lt;/b&gt;.</p>"
    )


# Cost.


@pytest.mark.parametrize(
    "address",
    [
        "/feeds/posts/default",
        "/feeds/posts/default?alt=rss",
        "/feeds/posts/summary",
        "/feeds/posts/default?alt=json",
        "/feeds/posts/default?alt=json-in-script&callback=cb",
        "/feeds/posts/default?alt=jsonfeed",
        "/feeds/posts/default/-/KERALA?alt=json",
        "/feeds/comments/default",
        "/feeds/comments/default?alt=json",
    ],
)
def test_feeds_of_5_and_150_entries_cost_the_same_queries(
    client, frozen_now, django_assert_num_queries, address
):
    """Labels, images, authors and comment counts come with the rows, not per entry."""
    label = Label.objects.create(name="KERALA")
    image = make_image(size=(200, 100))
    author = make_user(first_name="Asha")
    bulk_posts(5, prefix="few", image=image, author=author, label=label)
    many = b"Reader" if "comments" in address else b"many story 144"
    address += ("&" if "?" in address else "?") + "max-results=150"
    client.get(address)  # the site settings row is read once, then cached
    with CaptureQueriesContext(connection) as small:
        response = client.get(address)
    assert response.status_code == 200
    bulk_posts(145, prefix="many", image=image, author=author, label=label)
    with django_assert_num_queries(len(small)):
        response = client.get(address)
    assert response.content.count(many) >= (150 if many == b"Reader" else 1)
    assert len(small) <= 6


# The page cache.


def test_feeds_are_cached_per_address_and_purged_like_pages(client, news, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    SiteSettings.load()  # made before caching starts: its creation purges
    for address in (
        "/feeds/posts/default",
        "/feeds/posts/default?alt=jsonfeed",
        "/feeds/posts/default?alt=json-in-script&callback=one",
    ):
        assert client.get(address)["X-Page-Cache"] == "miss"
    # One JSONP answer for every callback: each reader's is wrapped around it.
    second = client.get("/feeds/posts/default?alt=json-in-script&callback=two")
    assert second["X-Page-Cache"] == "hit"
    assert second.content.startswith(b"// API callback\ntwo(")
    assert client.get("/feeds/posts/default?alt=jsonfeed")["X-Page-Cache"] == "hit"
    make_post(title="Breaking after caching")
    response = client.get("/feeds/posts/default")
    assert response["X-Page-Cache"] == "miss"
    assert "Breaking after caching" in response.content.decode()


# Blogger's other addresses for the posts feed.


def entry_ids(response):
    return [entry.id for entry in parse(response).entries]


@pytest.mark.parametrize("query", ["", "redirect=false", "redirect=false&m=1"])
def test_atom_xml_and_rss_xml_answer_the_posts_feed_directly(client, news, query):
    atom = client.get(url("/atom.xml", query))
    assert atom.status_code == 200
    assert atom["Content-Type"] == ATOM
    rss = client.get(url("/rss.xml", query))
    assert rss.status_code == 200
    assert rss["Content-Type"] == RSS
    assert atom["Access-Control-Allow-Origin"] == "*"
    default = client.get("/feeds/posts/default")
    assert entry_ids(atom) == entry_ids(default)
    assert entry_ids(rss) == entry_ids(client.get("/feeds/posts/default?alt=rss"))
    assert [entry.title for entry in parse(atom).entries] == [
        LEAD_TITLE,
        news.other.title,
        news.imported.title,
    ]
    assert SECRET not in atom.content.decode() + rss.content.decode()


def test_atom_xml_and_rss_xml_read_the_feed_parameters(client, news):
    assert feed_titles(client, "/atom.xml?max-results=1&start-index=2") == [
        news.other.title
    ]
    assert feed_titles(client, "/rss.xml?q=Vilnius") == [news.other.title]
    assert feed_titles(client, "/rss.xml?orderby=relevance&max-results=1") == [
        LEAD_TITLE
    ]
    # An explicit `alt` still chooses the format.
    assert client.get("/rss.xml?alt=atom")["Content-Type"] == ATOM
    assert client.get("/atom.xml?alt=json")["Content-Type"] == "application/json"
    # The next page stays at the same address, in the same format.
    atom = parse(client.get("/atom.xml?max-results=1"))
    assert [link.href for link in atom.feed.links if link.rel == "next"] == [
        "http://testserver/atom.xml?max-results=1&start-index=2"
    ]
    assert client.get("/atom.xml?max-results=0").status_code == 400
    assert client.post("/atom.xml").status_code == 405


@pytest.mark.parametrize("alt", ["", "alt=rss", "alt=json", "alt=jsonfeed"])
def test_full_is_the_default_projection(client, news, alt):
    for full, default in (
        ("/feeds/posts/full", "/feeds/posts/default"),
        ("/feeds/posts/full/-/TOP%20STORY", "/feeds/posts/default/-/TOP%20STORY"),
        (
            "/feeds/posts/full/%s" % news.imported.blogger_id,
            "/feeds/posts/default/%s" % news.imported.blogger_id,
        ),
    ):
        response = client.get(url(full, alt))
        assert response.status_code == 200, full
        expected = client.get(url(default, alt)).content.decode()
        # The same answer but for the feed's own address.
        assert response.content.decode().replace(
            "/feeds/posts/full", "/feeds/posts/default"
        ) == expected.replace("/feeds/posts/full", "/feeds/posts/default")
    body = client.get(url("/feeds/posts/full", alt)).content.decode()
    assert "Russian and American diplomats agreed" in body
    assert SECRET not in body


def test_the_blogger_addresses_are_cached_and_purged_like_other_feeds(
    client, news, settings
):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    SiteSettings.load()  # made before caching starts: its creation purges
    addresses = (
        "/atom.xml",
        "/rss.xml",
        "/feeds/posts/full",
        "/feeds/posts/full/-/TOP%20STORY",
        "/feeds/posts/default?orderby=relevance&q=diplomats",
    )
    for address in addresses:
        assert client.get(address)["X-Page-Cache"] == "miss", address
    for address in addresses:
        assert client.get(address)["X-Page-Cache"] == "hit", address
    # A parameter the feed does not read shares the feed's entry.
    assert client.get("/rss.xml?redirect=false")["X-Page-Cache"] == "hit"
    make_post(title="Breaking after caching", labels=["TOP STORY"])
    for address in addresses[:-1]:
        response = client.get(address)
        assert response["X-Page-Cache"] == "miss", address
        assert "Breaking after caching" in response.content.decode(), address


@pytest.mark.parametrize(
    "query",
    [
        "v=2",
        "redirect=false",
        "fields=entry(title)&prettyprint=true",
        "category=KERALA",
        "alt=rss&callback=alert(1)",
        "orderby=relevance&orderby=relevance",
    ],
)
@pytest.mark.parametrize("path", ["/feeds/posts/full", "/atom.xml"])
def test_bloggers_other_parameters_are_accepted_and_ignored(client, news, path, query):
    assert feed_titles(client, url(path, query)) == [
        LEAD_TITLE,
        news.other.title,
        news.imported.title,
    ]


def test_addresses_blogger_has_and_newsroom_does_not(client, news):
    for address in ("/feeds/posts/basic", "/feeds/pages/default", "/atom.xml/x"):
        assert client.get(address).status_code == 404, address
    for address in ("/feeds/posts/default", "/atom.xml", "/rss.xml"):
        assert client.put(address).status_code == 405, address
    # GData's "either" in the path is one (unknown) label: an empty feed.
    assert feed_titles(client, "/feeds/posts/default/-/TOP%20STORY|KERALA") == []
    assert feed_titles(client, "/feeds/comments/full?q=nothingmatches") == [
        entry.title for entry in parse(client.get("/feeds/comments/default")).entries
    ]
    assert client.get("/rss.xml?alt=RSS").status_code == 400


# Comments on static pages.


@pytest.fixture
def page_comments(news):
    """A live page with a thread, beside a draft page with a comment of its own."""
    about = make_page(
        title="About Local Glob", slug="about", blogger_id="6000000000000000001"
    )
    now = timezone.now()
    root = make_comment(
        about, name="Meera", text="Lovely page.", created_at=now - timedelta(minutes=20)
    )
    reply = make_comment(
        about,
        parent=root,
        name="Arun",
        text="Thanks!",
        created_at=now - timedelta(minutes=10),
    )
    make_comment(
        about, name="Held", text="Held page words", status=Comment.Status.PENDING
    )
    hidden = make_page(title="Draft page", status=Status.DRAFT, published_at=None)
    make_comment(hidden, name="Hidden", text="On a draft page")
    return SimpleNamespace(page=about, root=root, reply=reply)


@pytest.mark.parametrize("alt", ["", "alt=rss"])
def test_the_site_comment_feed_lists_comments_on_live_pages_linked_to_the_page(
    client, news, page_comments, alt
):
    """As Blogger's does: the page's comments, each linking to its place on the page."""
    parsed = parse(client.get(url("/feeds/comments/default", alt)))
    assert [entry.author for entry in parsed.entries] == [
        "Arun",
        "Meera",
        "Ravi",
        "Asha",
    ]
    reply = parsed.entries[0]
    assert reply.link == "http://testserver" + page_comments.reply.blogger_url
    assert reply.link.startswith("http://testserver/p/about.html?showComment=")
    assert reply.id == "%s.post-%d" % (BLOG, page_comments.reply.pk)
    if not alt:
        in_reply_to = reply.get("thr_in-reply-to") or reply["thr_in_reply_to"]
        assert in_reply_to["href"] == "http://testserver/p/about.html"
        assert in_reply_to["ref"] == "%s.page-6000000000000000001" % BLOG


def test_a_page_comments_own_address_answers_and_replies_point_to_it(
    client, news, page_comments
):
    document = json.loads(client.get("/feeds/comments/default?alt=json").content)
    reply = document["feed"]["entry"][0]
    assert reply["thr$in-reply-to"] == {
        "xmlns$thr": "http://purl.org/syndication/thread/1.0",
        "href": "http://testserver/p/about.html",
        "ref": "%s.page-6000000000000000001" % BLOG,
        "type": "text/html",
    }
    links = {link["rel"]: link["href"] for link in reply["link"]}
    assert links["alternate"] == "http://testserver" + page_comments.reply.blogger_url
    for rel in ("self", "related"):
        assert links[rel].startswith(
            "http://testserver/feeds/6000000000000000001/comments/default/"
        )
        entry = client.get(links[rel] + "?alt=json")
        assert entry.status_code == 200
    own = json.loads(client.get(links["self"] + "?alt=json").content)
    assert own["entry"]["author"][0]["name"]["$t"] == "Arun"
    parent = json.loads(client.get(links["related"] + "?alt=json").content)
    assert parent["entry"]["author"][0]["name"]["$t"] == "Meera"
    # Under a post's id, or another page's, the same comment is not found.
    wrong = "/feeds/%d/comments/default/%d" % (
        news.lead.public_id,
        page_comments.reply.pk,
    )
    assert client.get(wrong).status_code == 404


def test_a_posts_comment_feed_stays_the_posts_own(client, news, page_comments):
    per_post = parse(client.get("/feeds/%d/comments/default" % news.lead.public_id))
    assert [entry.author for entry in per_post.entries] == ["Ravi", "Asha"]


@pytest.mark.parametrize("alt", ["", "alt=rss"])
def test_a_pages_comment_feed_answers_at_its_blogger_address(
    client, news, page_comments, alt
):
    """Blogger's `/feeds/PAGEID/comments/default` of a page keeps working."""
    response = client.get(url("/feeds/6000000000000000001/comments/default", alt))
    assert response.status_code == 200
    parsed = parse(response)
    assert [entry.author for entry in parsed.entries] == ["Arun", "Meera"]
    assert parsed.feed.title == "Comments on Local Glob: About Local Glob"
    assert parsed.feed.link == "http://testserver/p/about.html"
    if not alt:
        assert parsed.feed.id == "%s.page6000000000000000001..comments" % BLOG


def test_a_pages_comment_feed_in_blogger_json(client, news, page_comments):
    document = json.loads(
        client.get("/feeds/6000000000000000001/comments/default?alt=json").content
    )
    assert document["feed"]["openSearch$totalResults"]["$t"] == "2"
    names = [entry["author"][0]["name"]["$t"] for entry in document["feed"]["entry"]]
    assert names == ["Arun", "Meera"]


def test_a_draft_or_unknown_page_has_no_comment_feed(client, news, page_comments):
    # Blogger's long ids: no post of ours can have the same number.
    Page.objects.filter(title="Draft page").update(blogger_id="6000000000000000002")
    assert client.get("/feeds/6000000000000000002/comments/default").status_code == 404
    assert client.get("/feeds/6000000000000000003/comments/default").status_code == 404


def test_the_json_feed_and_path_filter_take_page_comments(client, news, page_comments):
    document = json.loads(client.get("/feeds/comments/default?alt=jsonfeed").content)
    first = document["items"][0]
    assert first["url"] == "http://testserver" + page_comments.reply.blogger_url
    assert first["_in_reply_to"] == "http://testserver/p/about.html"
    on_page = parse(client.get("/feeds/comments/default?path=/p/about.html"))
    assert [entry.author for entry in on_page.entries] == ["Arun", "Meera"]
    on_post = parse(
        client.get("/feeds/comments/default?path=" + news.lead.get_absolute_url())
    )
    assert [entry.author for entry in on_post.entries] == ["Ravi", "Asha"]


@pytest.mark.parametrize(
    "address",
    [
        "/feeds/comments/default",
        "/feeds/comments/default?alt=rss",
        "/feeds/comments/default?alt=json",
        "/feeds/comments/default?alt=jsonfeed",
    ],
)
def test_comment_feeds_with_page_comments_and_replies_cost_the_same_queries(
    client, frozen_now, django_assert_num_queries, address
):
    """Each comment's post or page, and each reply's parent, come with the rows."""

    def threads(count):
        for _ in range(count):
            for target in (make_post(), make_page()):
                make_comment(target, parent=make_comment(target))

    threads(1)
    address += ("&" if "?" in address else "?") + "max-results=150"
    client.get(address)  # the site settings row is read once, then cached
    with CaptureQueriesContext(connection) as small:
        assert client.get(address).status_code == 200
    threads(20)
    with django_assert_num_queries(len(small)):
        response = client.get(address)
    assert response.content.count(b"/p/page-") >= 40
