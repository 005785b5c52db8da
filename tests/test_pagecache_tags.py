"""
The page cache by tag (issue 19): a change purges exactly the pages showing
it; keys hold only what the view reads; JSONP is stored once; the edge is told
what each page shows and how long it may keep it; first views render once.
"""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import include, path

from articles.models import Label, Post, SiteSettings
from comments.models import Comment
from comments.services import comment_approve
from pagecache import store
from pagecache.middleware import PageCacheMiddleware
from tests.factories import make_comment, make_page, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def untagged_view(request):
    return HttpResponse("<p>names nothing</p>")


def purging_view(request):
    # A change lands while this page is drawn (another request's save).
    store.purge_tags(["post:999999"])
    return HttpResponse("<p>drawn during a change</p>")


urlpatterns = [
    path("untagged", untagged_view),
    path("purging", purging_view),
    path("", include("newsroom.urls")),
]


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    SiteSettings.load()


def state(response):
    return response.headers.get("X-Page-Cache")


def surrogate_keys(response):
    return set(response.get("Surrogate-Key", "").split())


@pytest.fixture
def two_stories():
    kerala = make_post(title="Kerala story", labels=["KERALA"])
    sports = make_post(title="Sports story", labels=["SPORTS"])
    return kerala, sports


def old_story_and_newer_ones():
    """An old SPORTS story, and seven newer KERALA ones filling the News Feed and related lists."""
    from django.utils import timezone

    sports = make_post(
        title="Sports story",
        labels=["SPORTS"],
        published_at=timezone.now() - timedelta(days=30),
    )
    kerala = [make_post(title="Kerala %d" % n, labels=["KERALA"]) for n in range(7)]
    return sports, kerala[-1]


def test_an_edit_purges_only_the_pages_showing_the_post(client):
    sports, kerala = old_story_and_newer_ones()
    pages = {
        "kerala": kerala.get_absolute_url(),
        "sports": sports.get_absolute_url(),
        "home": "/",
        "kerala label": "/search/label/KERALA",
        "sports label": "/search/label/SPORTS",
    }
    for address in pages.values():
        client.get(address)
    assert all(state(client.get(a)) == "hit" for a in pages.values())

    sports.title = "Sports story, corrected"
    sports.save()

    after = {name: client.get(address) for name, address in pages.items()}
    assert {name: state(r) for name, r in after.items()} == {
        "kerala": "hit",
        "kerala label": "hit",
        "sports": "miss",
        "home": "miss",
        "sports label": "miss",
    }
    assert "Sports story, corrected" in after["home"].content.decode()
    assert "Sports story, corrected" in after["sports label"].content.decode()


def label_count(html, name):
    found = re.search(
        r'label-name">%s</span> <span class="label-count">(\d+)<' % name, html
    )
    return int(found[1]) if found else None


def test_publishing_purges_every_list_and_count(client):
    sports, kerala = old_story_and_newer_ones()
    client.get("/search/label/SPORTS")
    client.get(kerala.get_absolute_url())
    make_post(title="Fresh sports story", labels=["SPORTS"])
    label_page = client.get("/search/label/SPORTS")
    assert state(label_page) == "miss"
    assert "Fresh sports story" in label_page.content.decode()
    # The sidebar's label counts are on every page: they follow everywhere.
    post_page = client.get(kerala.get_absolute_url())
    assert state(post_page) == "miss"
    assert label_count(post_page.content.decode(), "SPORTS") == 2


def test_a_comment_approval_purges_its_post_and_not_the_others(client):
    sports, kerala = old_story_and_newer_ones()
    held = make_comment(sports, text="Held for now", status=Comment.Status.PENDING)
    client.get(kerala.get_absolute_url())
    client.get(sports.get_absolute_url())
    comment_approve(comment=held, actor=None)
    page = client.get(sports.get_absolute_url())
    assert state(page) == "miss"
    assert "Held for now" in page.content.decode()
    assert state(client.get(kerala.get_absolute_url())) == "hit"


def test_a_label_rename_purges_the_pages_naming_it(client, two_stories):
    kerala, sports = two_stories
    client.get(kerala.get_absolute_url())
    client.get("/")
    label = Label.objects.get(name="KERALA")
    label.name = "KERALA NEWS"
    label.save()
    page = client.get(kerala.get_absolute_url())
    assert state(page) == "miss"
    assert "KERALA NEWS" in page.content.decode()
    assert "KERALA NEWS" in client.get("/").content.decode()


def test_a_page_naming_nothing_is_purged_by_any_change(client, settings):
    settings.ROOT_URLCONF = "tests.test_pagecache_tags"
    client.get("/untagged")
    assert state(client.get("/untagged")) == "hit"
    assert "*" in surrogate_keys(client.get("/untagged"))
    make_page(title="Unrelated page")
    assert state(client.get("/untagged")) == "miss"


@pytest.mark.parametrize(
    "address",
    [
        "/",
        "post",
        "/search/label/KERALA",
        "/search?q=story",
        "/2026/",
        "/feeds/posts/default",
        "/feeds/posts/default?alt=json",
        "/feeds/comments/default",
        "/sitemap.xml",
        "/sitemap-posts.xml",
        "/news-sitemap.xml",
        "/robots.txt",
    ],
)
def test_reader_pages_name_what_they_show_and_carry_no_nonce(
    client, two_stories, address
):
    kerala, _sports = two_stories
    if address == "post":
        address = kerala.get_absolute_url()
    response = client.get(address)
    keys = surrogate_keys(response)
    assert "site" in keys
    assert "*" not in keys, keys  # each names what it shows
    assert response["xkey"] == response["Surrogate-Key"]
    if address not in ("/search?q=story", "/robots.txt"):
        assert "post:%d" % kerala.pk in keys or "feeds" in keys
    assert "nonce-" not in response.get("Content-Security-Policy", "")
    control = response["Cache-Control"]
    assert control.startswith("max-age=0, s-maxage=")
    hit = client.get(address)
    assert state(hit) == "hit"
    assert surrogate_keys(hit) == keys


def test_s_maxage_never_outlasts_the_next_scheduled_post(client, frozen_now):
    make_post(title="Live")
    make_scheduled(delay=timedelta(seconds=90), title="Soon")
    response = client.get("/")
    seconds = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"])[1])
    assert 0 < seconds <= 90
    frozen_now.shift(60)
    hit = client.get("/")
    assert state(hit) == "hit"
    assert int(re.search(r"s-maxage=(\d+)", hit["Cache-Control"])[1]) <= 30


@pytest.mark.parametrize(
    "variant",
    [
        "?utm_source=newsletter&utm_medium=email",
        "?fbclid=IwAR0abc",
        "?gclid=Cj0KCQ",
        "?_=1733400000000",
        "?m=1",
        "?m=0&utm_campaign=x",
        "?nobody=reads-this",
    ],
)
def test_parameters_a_page_does_not_read_share_its_entry(client, two_stories, variant):
    kerala, _sports = two_stories
    address = kerala.get_absolute_url()
    first = client.get(address)
    assert state(first) == "miss"
    shared = client.get(address + variant)
    assert state(shared) == "hit"
    assert shared.content == first.content


def test_parameters_a_page_reads_keep_their_own_entries(client, two_stories):
    first = client.get("/search?q=kerala")
    assert state(first) == "miss"
    other = client.get("/search?q=sports")
    assert state(other) == "miss"
    result = '<h2 class="card-title"><a href="%s">'
    kerala, sports = two_stories
    assert result % sports.get_absolute_url() in other.content.decode()
    assert result % sports.get_absolute_url() not in first.content.decode()
    assert state(client.get("/search?q=kerala&utm_source=x")) == "hit"
    assert state(client.get("/search?q=sports")) == "hit"


def test_a_random_jsonp_callback_is_wrapped_around_one_stored_answer(
    client, two_stories
):
    base = "/feeds/posts/default/-/KERALA?alt=json-in-script"
    first = client.get(base + "&callback=jQueryFirst&_=1")
    assert state(first) == "miss"
    for number in range(2, 6):
        name = "jQuery3510_%d_%d" % (number * 7919, 1733400000000 + number)
        response = client.get("%s&callback=%s&_=%d" % (base, name, number))
        assert state(response) == "hit"
        body = response.content.decode()
        assert body.startswith("// API callback\n%s({" % name)
        assert "jQueryFirst" not in body
        assert "Kerala story" in body
    default = client.get(base)
    assert state(default) == "hit"
    assert default.content.startswith(b"// API callback\ngdata.io.handleScriptLoaded(")
    # A bad callback is refused as before, cached answer or not.
    assert client.get(base + "&callback=alert(1)//").status_code == 400
    assert client.get(base + "&callback=a&callback=b").status_code == 400


def test_entries_per_address_are_bounded(client, settings, two_stories):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE_ENTRIES_PER_PATH": 3}
    states = [state(client.get("/search?q=word%d" % n)) for n in range(6)]
    assert states == ["miss", "miss", "miss", "skip", "skip", "skip"]
    # The stored ones are still served; the others are drawn each time.
    assert state(client.get("/search?q=word1")) == "hit"
    assert state(client.get("/search?q=word5")) == "skip"


def test_a_page_drawn_while_a_change_lands_is_not_kept(client, settings):
    settings.ROOT_URLCONF = "tests.test_pagecache_tags"
    response = client.get("/purging")
    assert state(response) == "skip"
    assert "s-maxage" not in response["Cache-Control"]
    assert "Surrogate-Key" not in response


def test_concurrent_first_views_of_a_page_render_it_once(settings):
    """Ten readers ask for one cold page at once: it is drawn once."""
    drawn = []

    def slow_view(request):
        drawn.append(1)
        time.sleep(0.3)
        return HttpResponse("<p>breaking</p>", content_type="text/html")

    middleware = PageCacheMiddleware(slow_view)
    factory = RequestFactory()
    answers = []

    def reader():
        answers.append(middleware(factory.get("/breaking")))

    readers = [threading.Thread(target=reader) for _ in range(10)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(timeout=30)
    assert len(answers) == 10
    assert len(drawn) == 1
    assert sorted(state(a) for a in answers) == ["hit"] * 9 + ["miss"]
    assert {a.content for a in answers} == {b"<p>breaking</p>"}


def test_a_purge_reaches_the_edge_with_the_same_tags(
    client, monkeypatch, two_stories, django_capture_on_commit_callbacks
):
    kerala, _sports = two_stories
    sent = []
    monkeypatch.setattr("pagecache.edge.purge", sent.append)
    keys = surrogate_keys(client.get(kerala.get_absolute_url()))
    with django_capture_on_commit_callbacks(execute=True):
        kerala.title = "Kerala story, updated"
        kerala.save()
        assert sent == []  # the edge hears of it after the commit
    told = set(sent[-1])
    assert "post:%d" % kerala.pk in told
    assert "post:%d" % kerala.pk in keys
    assert "post:*" in told  # a page that kept only the kind is purged too
    store.purge()
    assert sent[-1] == ["site"]


def test_related_lists_are_ranked_again_only_when_a_change_can_reorder_them(
    monkeypatch,
):
    from articles import selectors

    ranked = []
    rank = selectors.rank_candidates

    def counting(post, **kwargs):
        ranked.append(post.pk)
        return rank(post, **kwargs)

    monkeypatch.setattr(selectors, "rank_candidates", counting)
    story = make_post(title="Story", labels=["KERALA"])
    other = make_post(title="Other", labels=["KERALA"])
    list(selectors.related_posts(story))
    list(selectors.related_posts(story))
    assert ranked == [story.pk]
    other.title = "Other, retitled"  # moves nothing
    other.save()
    list(selectors.related_posts(story))
    assert ranked == [story.pk]
    make_post(title="New in Kerala", labels=["KERALA"])  # may reorder it
    assert [p.title for p in selectors.related_posts(story)][0] == "New in Kerala"
    assert ranked == [story.pk, story.pk]


def test_a_list_of_cached_cards_is_checked_in_a_few_cache_reads(client, monkeypatch):
    for number in range(20):
        make_post(title="Card %d" % number, labels=["KERALA"])
    client.cookies["sessionid"] = "no-such-session"  # no whole-page cache
    client.get("/search/label/KERALA")
    reads = []
    get_many = cache.get_many

    def counting(keys, *args, **kwargs):
        reads.append(len(keys))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", counting)
    html = client.get("/search/label/KERALA").content.decode()
    assert all("Card %d" % n in html for n in range(20))
    # Twenty cards, the sidebar and the rest: versions read a few at a time,
    # not once for each card.
    assert len(reads) <= 4, reads


def test_an_edited_title_leaves_no_kept_list_behind(client):
    """The News Feed keeps posts, not HTML: an edit must end it too."""
    story = make_post(title="Before the edit", labels=["KERALA"])
    other = make_post(title="Another story", labels=["SPORTS"])
    client.cookies["sessionid"] = "no-such-session"  # drawn afresh each time
    assert "Before the edit" in client.get(other.get_absolute_url()).content.decode()
    story.title = "After the edit"
    story.save()
    html = client.get("/search/label/SPORTS").content.decode()
    assert "Before the edit" not in html
    assert "After the edit" in html


def test_nothing_is_stored_while_the_cache_is_away(client, monkeypatch):
    """newsroom/cache.py says when Redis does not answer: pages are drawn, not kept."""
    from django.core.cache import caches

    story = make_post(title="During an outage")
    backend = caches["default"]
    monkeypatch.setattr(backend, "available", lambda: False, raising=False)
    for _ in range(2):
        response = client.get(story.get_absolute_url())
        assert state(response) == "skip"
        assert "During an outage" in response.content.decode()
    assert cache.get("pagecache:part:%s:news-feed-5" % store.generation()) is None
    monkeypatch.setattr(backend, "available", lambda: True, raising=False)
    assert state(client.get(story.get_absolute_url())) == "miss"
    assert state(client.get(story.get_absolute_url())) == "hit"


def test_a_tag_purged_by_another_process_reaches_the_versions_this_one_keeps(
    client, two_stories
):
    """Each process keeps the tag versions it read while the purge counter stands still."""
    kerala, _sports = two_stories
    address = kerala.get_absolute_url()
    client.get(address)
    assert state(client.get(address)) == "hit"  # checked against kept versions
    # Another app server's purge, as it reaches the shared cache: the counter,
    # the tag, the counter again (store._purge_versions).
    cache.incr(store.PURGES_KEY)
    cache.incr(store.TAG_KEY % ("post:%d" % kerala.pk))
    cache.incr(store.PURGES_KEY)
    assert state(client.get(address)) == "miss"
    assert state(client.get(address)) == "hit"


def counting_cache_writes(monkeypatch):
    """The tag and counter bumps made from now on, by key."""
    bumps = []
    bump = store._bump

    def counted(key):
        bumps.append(key)
        return bump(key)

    monkeypatch.setattr(store, "_bump", counted)
    return bumps


def test_a_delete_of_many_posts_bumps_each_tag_once_now_and_once_after_commit(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    """
    The demo's 10,000 posts deleted at once made half a million cache writes
    (a dozen for each post and each of its label rows, twice): a
    transaction's purges gather, each tag bumped once now and once after.
    """
    posts = [
        make_post(title="Story %d" % n, labels=["KERALA", "SPORTS"]) for n in range(12)
    ]
    for post in posts[:2]:
        client.get(post.get_absolute_url())
    client.get("/")
    sent = []
    monkeypatch.setattr("pagecache.edge.purge", sent.append)
    bumps = counting_cache_writes(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        Post.objects.filter(pk__in=[post.pk for post in posts]).delete()
        now = list(bumps)
    tags = set(now) - {store.PURGES_KEY}
    assert {"pagecache:tag:post:%d" % post.pk for post in posts} <= tags
    # Each tag once now and once after commit; the counter around each
    # purge that bumps something (a post's own tag is new each time).
    assert {now.count(key) for key in tags} == {1}
    assert {bumps.count(key) for key in tags} == {2}
    assert len(now) <= len(tags) + 2 * (len(posts) + 1)
    assert len(sent) == 1 and set(sent[0]) >= {"post:%d" % posts[0].pk, "home"}
    assert client.get(posts[0].get_absolute_url()).status_code == 404
    home = client.get("/")
    assert state(home) == "miss" and "Story 0" not in home.content.decode()


def test_a_change_after_a_page_was_stored_in_the_same_transaction_purges_it_again(
    client, two_stories
):
    """The tests' one transaction: a tag bumped once is bumped again when an
    entry may have been stored since with its new version."""
    kerala, _sports = two_stories
    address = kerala.get_absolute_url()
    for title in ("Kerala story, first edit", "Kerala story, second edit"):
        kerala.title = title
        kerala.save()
        page = client.get(address)
        assert state(page) == "miss" and title in page.content.decode()
        assert state(client.get(address)) == "hit"


@pytest.mark.django_db(transaction=True)
def test_purges_of_a_rolled_back_transaction_leave_the_next_one_whole(
    client, monkeypatch
):
    kerala = make_post(title="Kerala story", labels=["KERALA"])
    address = kerala.get_absolute_url()
    client.get(address)

    def rolled_back(title):
        with pytest.raises(RuntimeError), transaction.atomic():
            kerala.title = title
            kerala.save()
            raise RuntimeError("rolled back")

    rolled_back("Never kept")
    assert state(client.get(address)) == "miss"  # stored again, as it was
    assert state(client.get(address)) == "hit"
    with transaction.atomic():
        kerala.title = "Kerala story, kept"
        kerala.save()
    page = client.get(address)
    assert state(page) == "miss" and "Kerala story, kept" in page.content.decode()
    # Straight after a rollback, with no page read between, the next
    # transaction gathers afresh: what the rolled-back one bumped is bumped
    # again, for readers during the transaction (another process may have
    # stored the page since) and after its commit.
    rolled_back("Never kept either")
    bumps = counting_cache_writes(monkeypatch)
    tag = "pagecache:tag:post:%d" % kerala.pk
    with transaction.atomic():
        kerala.title = "Kerala story, kept again"
        kerala.save()
        assert bumps.count(tag) == 1
    assert bumps.count(tag) == 2
    page = client.get(address)
    assert "Kerala story, kept again" in page.content.decode()


def test_many_tags_reach_the_edge_in_headers_of_bounded_length(monkeypatch, settings):
    from pagecache import edge

    settings.NEWSROOM = {
        **settings.NEWSROOM,
        "EDGE_PURGE_URLS": ["http://127.0.0.1:9/", "http://127.0.0.1:10/"],
    }
    sent = []
    monkeypatch.setattr(edge, "_send", lambda url, keys: sent.append((url, keys)))
    tags = ["post:%d" % n for n in range(3000)]
    edge.purge(tags)
    assert all(len(keys) <= edge.HEADER_CHARS for _url, keys in sent)
    for url in ("http://127.0.0.1:9/", "http://127.0.0.1:10/"):
        told = [keys.split() for where, keys in sent if where == url]
        assert len(told) > 1 and sum(told, []) == tags
