"""
/search?q=: ranked full-text results with highlighted snippets, on SQLite
(FTS5) and PostgreSQL alike; the same tests run on both databases.
"""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.search import parse_query, search_posts
from articles.views import MAX_SEARCH_START
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_image, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def titles(response):
    return [post.title for post in response.context["posts"]]


def snippet_of(html, title):
    """The snippet paragraph of the card whose title is `title`."""
    start = html.index(">%s</a>" % title)
    match = re.search(r'<p class="snippet">(.*?)</p>', html[start:], re.S)
    return match.group(1)


def test_title_match_ranks_above_body_match(client, frozen_now):
    make_post(
        title="Council meets on budget",
        body="<p>The harbour was mentioned once in passing.</p>",
        published_at=FROZEN_NOW - timedelta(minutes=5),
    )
    make_post(
        title="Harbour reopens after storm",
        body="<p>Ships are back at the quay.</p>",
        published_at=FROZEN_NOW - timedelta(days=3),
    )
    response = client.get("/search?q=harbour")
    assert response.status_code == 200
    # The newer post mentions the word only in its body: it comes second.
    assert titles(response) == [
        "Harbour reopens after storm",
        "Council meets on budget",
    ]


def test_english_stemming_finds_other_forms_of_a_word(client, frozen_now):
    make_post(title="Farmers protest", body="<p>They were protesting prices.</p>")
    make_post(title="Weather", body="<p>Sunny and warm.</p>")
    assert titles(client.get("/search?q=protests")) == ["Farmers protest"]
    assert titles(client.get("/search?q=protested")) == ["Farmers protest"]


def test_quoted_phrase_matches_the_words_together_only(client, frozen_now):
    make_post(title="One", body="<p>Direct air links were restored.</p>")
    make_post(title="Two", body="<p>Air travel is direct now, with new links.</p>")
    assert titles(client.get('/search?q="direct air links"')) == ["One"]
    assert sorted(titles(client.get("/search?q=direct air links"))) == ["One", "Two"]


def test_malayalam_and_hindi_words_are_found_whole(client, frozen_now):
    """
    Their vowel signs and viramas are combining marks: a word such as
    കേരളം is one word, in the query as in the index, on both databases.
    """
    make_post(title="കേരളം ബജറ്റ് അവതരിപ്പിച്ചു", body="<p>Budget day.</p>")
    make_post(title="केरल समाचार", body="<p>News in Hindi.</p>")
    make_post(title="Weather", body="<p>Sunny and warm.</p>")
    assert titles(client.get("/search?q=കേരളം")) == ["കേരളം ബജറ്റ് അവതരിപ്പിച്ചു"]
    assert titles(client.get("/search?q=ബജറ്റ്")) == ["കേരളം ബജറ്റ് അവതരിപ്പിച്ചു"]
    assert titles(client.get('/search?q="केरल समाचार"')) == ["केरल समाचार"]
    assert titles(client.get("/search?q=केरल")) == ["केरल समाचार"]
    assert parse_query("കേരളം ബജറ്റ്").terms == [("കേരളം",), ("ബജറ്റ്",)]


def test_label_filter_with_text_and_alone(client, frozen_now):
    make_post(title="Kochi film week", labels=["Movie"], body="<p>Films.</p>")
    make_post(title="Kochi port", labels=["KERALA"], body="<p>Ships.</p>")
    make_post(title="Chennai film", labels=["TAMILNADU"], body="<p>Films.</p>")
    assert titles(client.get('/search?q=kochi label:"Movie"')) == ["Kochi film week"]
    either = client.get("/search?q=label:Movie|label:KERALA")
    assert sorted(titles(either)) == ["Kochi film week", "Kochi port"]
    assert "SEARCH: label:Movie|label:KERALA" in either.content.decode()


TITLE = "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; Harbour news"


def test_snippet_highlights_the_match_and_escapes_everything_else(client, frozen_now):
    make_post(
        title="<script>alert('title')</script> Harbour news",
        body=(
            "<p>Code sample: &lt;script&gt;alert(1)&lt;/script&gt; near the "
            "harbour &amp; the quay.</p>"
        ),
    )
    response = client.get("/search?q=<script>alert(2)</script>")
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "SEARCH: &lt;script&gt;alert(2)&lt;/script&gt;" in html
    response = client.get("/search?q=harbour")
    html = response.content.decode()
    assert len(response.context["posts"]) == 1
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)" in html
    snippet = snippet_of(html, TITLE)
    assert "<mark>harbour</mark>" in snippet.lower()
    # Only <mark> is markup in a snippet; the body's "<script>" text is never
    # markup (PostgreSQL's parser drops tag-like text, SQLite escapes it).
    assert set(re.findall(r"<(/?\w+)", snippet)) == {"mark", "/mark"}
    assert "<script" not in snippet


def test_drafts_scheduled_posts_and_premium_text_are_never_found(client, frozen_now):
    make_draft(title="Zebracorn draft", body="<p>zebracorn</p>")
    make_scheduled(title="Zebracorn tomorrow", body="<p>zebracorn</p>")
    make_post(
        title="Budget talks",
        body="<p>The free part.</p>",
        premium_body="<p>Members only: zebracorn figures.</p>",
    )
    response = client.get("/search?q=zebracorn")
    html = response.content.decode()
    assert titles(response) == []
    assert "Not found any post match with your request" in html
    assert "Zebracorn" not in html
    assert "figures" not in html
    # The premium post is found by its free text, with no premium words shown.
    response = client.get("/search?q=free part")
    assert titles(response) == ["Budget talks"]
    assert "Members only" not in response.content.decode()


def test_nothing_found_shows_the_sites_wording_and_back_home(client, frozen_now):
    make_post(title="Harbour")
    response = client.get("/search?q=zebra-unicorn")
    html = response.content.decode()
    assert response.status_code == 200
    assert "SEARCH: zebra-unicorn" in html
    assert "Not found any post match with your request" in html
    assert '<a class="button" href="/">Back Home</a>' in html
    # Only punctuation is nothing to look for: nothing found, no crash.
    assert titles(client.get("/search?q=%22%22%20!!")) == []


def test_search_alone_is_all_posts_newest_first(client, frozen_now):
    make_post(title="Older", published_at=FROZEN_NOW - timedelta(days=1))
    make_post(title="Newer")
    response = client.get("/search")
    assert "ALL POSTS" in response.content.decode()
    assert titles(response) == ["Newer", "Older"]


def test_search_pages_are_noindex(client, frozen_now):
    make_post(title="Harbour")
    for url in ["/search", "/search?q=harbour"]:
        assert '<meta name="robots" content="noindex, follow">' in (
            client.get(url).content.decode()
        )


def test_ranked_pages_walk_every_result_once_in_rank_order(client, frozen_now):
    for index in range(7):
        make_post(
            title="Storm %d" % index if index % 2 else "Quiet day %d" % index,
            body="<p>A storm passed by.</p>",
            published_at=FROZEN_NOW - timedelta(hours=index + 1),
        )
    expected = [
        post.title
        for post in search_posts("storm").order_by(
            "-search_rank", "-published_at", "-id"
        )
    ]
    assert expected[:3] == ["Storm 1", "Storm 3", "Storm 5"]
    seen = []
    url = "/search?q=storm&max-results=2"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen.extend(titles(response))
        url = response.context["older_url"]
        if url:
            query = parse_qs(urlsplit(url).query)
            assert query["q"] == ["storm"] and query["max-results"] == ["2"]
    assert seen == expected


@pytest.mark.parametrize(
    "query", ["start=-1", "start=abc", "start=1e3", "start=%d" % (MAX_SEARCH_START + 1)]
)
def test_malformed_start_is_400(client, frozen_now, query):
    make_post(title="Harbour")
    response = client.get("/search?q=harbour&" + query)
    assert response.status_code == 400
    assert "Back Home" in response.content.decode()


def test_paging_stops_at_the_start_bound(client, frozen_now, monkeypatch):
    """Ranked pages end at the offset bound, even when more results exist."""
    monkeypatch.setattr("articles.views.MAX_SEARCH_START", 2)
    for index in range(5):
        make_post(title="Storm %d" % index)
    first = client.get("/search?q=storm&max-results=1&start=1")
    assert "start=2" in first.context["older_url"]
    last = client.get("/search?q=storm&max-results=1&start=2")
    assert len(titles(last)) == 1
    assert last.context["older_url"] is None
    assert client.get("/search?q=storm&start=3").status_code == 400


def test_parse_query_reads_phrases_and_label_groups():
    parsed = parse_query('"air links" Istanbul label:"TOP STORY"|label:Movie label:x')
    assert parsed.terms == [("air", "links"), ("istanbul",)]
    assert parsed.label_groups == [["TOP STORY", "Movie"], ["x"]]


def build(size, image, start=0):
    for index in range(start, start + size):
        make_post(
            title="Harbour story %d" % index,
            body="<p>Ships at the harbour, day %d.</p>" % index,
            labels=["TOP STORY", "Movie"][: 1 + index % 2],
            featured_image=image,
            published_at=FROZEN_NOW - timedelta(hours=index + 1),
        )


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=harbour",
        "/search?q=harbour&start=5&max-results=5",
        '/search?q=ships label:"TOP STORY"',
        "/search?q=harbour&fragment=1",
    ],
)
def test_query_count_is_the_same_for_10_and_200_posts(
    client, frozen_now, url, django_assert_num_queries
):
    """
    A search page costs the same queries whatever the number of posts, the
    first time after posts changed and again; again, the ranking is kept.
    """
    image = make_image()
    build(5, image)
    client.get(url)  # site settings and other per-process caches
    build(5, image, start=5)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    assert len(again.captured_queries) < len(first.captured_queries)
    build(190, image, start=10)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)
    with django_assert_num_queries(len(again.captured_queries)):
        response = client.get(url)
    assert len(response.context["posts"]) >= 5


@pytest.mark.parametrize("many_matches", [False, True])
def test_ranked_page_lists_what_search_posts_ranks(
    frozen_now, monkeypatch, many_matches
):
    from articles.models import Post
    from articles.search import ranked_page

    for index in range(9):
        make_post(
            title="Tide %d" % index if index % 3 else "Calm %d" % index,
            body="<p>The tide %s.</p>" % ("rose" if index % 2 else "fell"),
            labels=["COAST"] if index % 2 else [],
            published_at=FROZEN_NOW - timedelta(hours=index % 4),
        )
    if many_matches:
        # More matches than a query may carry as parameters: ranked by the database.
        monkeypatch.setattr(type(connection.features), "max_query_params", 50)
    for query in ("tide", 'tide label:"COAST"'):
        expected = [
            (post.pk, post.published_at)
            for post in search_posts(query, Post.objects.published())
        ]
        assert len(expected) == (4 if "COAST" in query else 9)
        for offset in (0, 2, 7):
            page = ranked_page(query, Post.objects.published(), offset, 3)
            assert [(pk, moment) for pk, moment, _snippet in page] == expected[
                offset : offset + 3
            ]


def test_a_shared_card_shows_each_search_its_own_snippet(client, frozen_now, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    make_post(
        title="Market day",
        body="<p>Farmers sold mangoes in the square. %s Fishermen sold sardines.</p>"
        % ("Filler words go here. " * 30),
    )
    client.cookies["sessionid"] = "no-such-session"  # renders, no whole-page cache
    cards_drawn = []
    for word, other in (
        ("mangoes", "sardines"),
        ("sardines", "mangoes"),
        ("mangoes", "sardines"),
    ):
        response = client.get("/search?q=%s" % word)
        html = response.content.decode()
        snippet = snippet_of(html, "Market day")
        assert "<mark>%s</mark>" % word in snippet
        assert other not in snippet
        assert "newsroomSNIPPETmark" not in html
        cards_drawn.append(
            sum(
                t.name == "articles/includes/post_card.html" for t in response.templates
            )
        )
    # The card was drawn for the first search only; later ones reuse it.
    assert cards_drawn == [1, 0, 0]
