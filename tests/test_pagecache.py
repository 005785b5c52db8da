"""The shared page cache: who gets cached pages, and when they are purged."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone

from articles.models import Label, Post, SiteSettings
from comments.models import Comment
from comments.services import comment_approve, comment_remove
from pagecache import store as pagecache
from tests.factories import (
    make_comment,
    make_image,
    make_page,
    make_post,
    make_scheduled,
    make_user,
)

pytestmark = pytest.mark.django_db

NONCE_PAGE = engines["django"].from_string(
    '<p>Nonce page</p><script nonce="{{ csp_nonce }}">var x = 1;</script>'
)


def nonce_view(request):
    return HttpResponse(NONCE_PAGE.render({}, request))


def token_view(request):
    return HttpResponse("<p>token %s</p>" % get_token(request))


def cookie_view(request):
    response = HttpResponse("<p>cookie</p>")
    response.set_cookie("tracker", "1")
    return response


urlpatterns = [
    path("nonce", nonce_view),
    path("token", token_view),
    path("cookie", cookie_view),
    path("", include("newsroom.urls")),
]


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    # The first request of a fresh database would create the settings row.
    SiteSettings.load()


def state(response):
    return response.headers.get("X-Page-Cache")


def rendered(response):
    """Names of the templates drawn for a response."""
    return {template.name for template in response.templates}


def test_second_anonymous_request_is_a_hit_costing_no_query(
    client, django_assert_num_queries
):
    post = make_post(title="Cached story")
    first = client.get(post.get_absolute_url())
    assert state(first) == "miss"
    with django_assert_num_queries(0):
        second = client.get(post.get_absolute_url())
    assert state(second) == "hit"
    assert second.status_code == 200
    assert "Cached story" in second.content.decode()
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_query_string_language_and_host_get_their_own_entries(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    make_post()
    assert state(client.get("/")) == "miss"
    assert state(client.get("/?max-results=5")) == "miss"
    assert state(client.get("/", HTTP_ACCEPT_LANGUAGE="hi")) == "miss"
    assert state(client.get("/", HTTP_HOST="other.example")) == "miss"
    assert state(client.get("/", HTTP_ACCEPT_LANGUAGE="hi")) == "hit"
    assert state(client.get("/?max-results=5")) == "hit"


@pytest.mark.parametrize(
    "change",
    [
        "post title",
        "post deleted",
        "page saved",
        "label renamed",
        "labels changed",
        "image text",
        "site settings",
        "comment approved",
        "comment removed",
        "author renamed",
    ],
)
def test_every_change_that_shows_purges_the_pages(client, change):
    author = make_user(first_name="Asha", last_name="Rao")
    image = make_image(alt_text="Old picture")
    post = make_post(title="Old title", labels=["KERALA"], author=author)
    post.featured_image = image
    post.save()
    held = make_comment(post, text="Held words", status=Comment.Status.PENDING)
    shown = make_comment(post, text="Shown words")
    url = post.get_absolute_url()
    client.get(url)
    assert state(client.get(url)) == "hit"

    if change == "post title":
        post.title = "New title"
        post.save()
        expected = "New title"
    elif change == "post deleted":
        post.delete()
        assert client.get(url).status_code == 404
        return
    elif change == "page saved":
        make_page(title="Brand new page")
    elif change == "label renamed":
        label = Label.objects.get(name="KERALA")
        label.name = "KERALAM"
        label.save()
        expected = "KERALAM"
    elif change == "labels changed":
        post.set_labels(["KERALA", "FRESH LABEL"])
        expected = "FRESH LABEL"
    elif change == "image text":
        image.alt_text = "New picture"
        image.save()
        expected = "New picture"
    elif change == "site settings":
        site = SiteSettings.load()
        site.name = "Global Glob"
        site.save()
        expected = "Global Glob"
    elif change == "comment approved":
        comment_approve(comment=held, actor=None)
        expected = "Held words"
    elif change == "comment removed":
        comment_remove(comment=shown, actor=None)
        response = client.get(url)
        assert state(response) == "miss"
        assert "Shown words" not in response.content.decode()
        return
    elif change == "author renamed":
        author.first_name = "Meera"
        author.save()
        expected = "Meera"

    response = client.get(url)
    assert state(response) == "miss"
    if change != "page saved":
        assert expected in response.content.decode()


def test_only_registered_models_purge(client):
    """A model no app registered (moderation log, rate counters) purges nothing."""
    from comments.models import ModerationEvent
    from newsroom.models import RateCounter
    from pagecache import registry

    assert not registry.registered(ModerationEvent)
    post = make_post()
    comment = make_comment(post)
    url = post.get_absolute_url()
    client.get(url)
    ModerationEvent.objects.create(
        comment=comment,
        action=ModerationEvent.Action.REMOVE,
        from_status=Comment.Status.APPROVED,
        to_status=Comment.Status.REMOVED,
    )
    RateCounter.objects.create(key="test", count=1, expires_at=timezone.now())
    assert state(client.get(url)) == "hit"


def test_a_registration_names_the_tags_a_change_purges(monkeypatch):
    """Tags are collected per change; an empty list purges nothing."""
    from articles.purges import user_tags
    from comments.pages import comment_tags
    from followers.models import Follower

    purged = []
    monkeypatch.setattr(pagecache, "purge_tags", purged.append)
    post = make_post(labels=["KERALA"])
    kerala = Label.objects.get(name="KERALA")
    # A new post enters the lists and its label's pages.
    assert {"post:%d" % post.pk, "home", "feeds", "sidebar", "lists"} <= set(purged[0])
    assert "label:%d" % kerala.pk in set().union(*purged)
    purged.clear()
    # An edit that leaves it where it was purges only what shows it (and,
    # as its words changed, the kept search rankings).
    post.title = "A better title"
    post.save()
    assert purged == [["post:%d" % post.pk, "feeds", "search"]]
    purged.clear()
    # Moving it in time moves it in the lists.
    post.published_at -= timedelta(days=40)
    post.save()
    assert {"home", "lists", "sidebar", "label:%d" % kerala.pk} <= set(purged[0])
    purged.clear()
    make_comment(post, status=Comment.Status.PENDING)
    Follower.objects.create(email="pending@example.com")
    assert purged == []
    SiteSettings.load().save()
    assert purged == [["site"]]
    user = make_user()
    assert user_tags(user, update_fields=frozenset({"last_login"})) == []
    assert user_tags(user) == ["authors"]
    shown = make_comment(post, text="Shown")
    assert comment_tags(shown, created=True)[0] == "post:%d" % post.pk


def test_signing_in_does_not_purge(client):
    user = make_user()
    make_post()
    client.get("/")
    client.login(username=user.username, password="a-good-test-password")
    client.logout()
    client.cookies.clear()
    assert state(client.get("/")) == "hit"


def test_scheduled_post_appears_when_its_time_comes(client, frozen_now):
    make_post(title="Already out")
    make_scheduled(delay=timedelta(minutes=3), title="Coming soon")
    assert "Coming soon" not in client.get("/").content.decode()
    frozen_now.shift(timedelta(minutes=2))
    response = client.get("/")
    assert state(response) == "hit"
    assert "Coming soon" not in response.content.decode()
    frozen_now.shift(timedelta(minutes=1, seconds=1))
    response = client.get("/")
    assert state(response) == "miss"
    assert "Coming soon" in response.content.decode()


def test_a_page_drawn_just_before_a_post_goes_live_ends_at_its_time(
    client, frozen_now, monkeypatch
):
    """A page drawn before the post's time but stored after it (a slow
    render on a busy server) is kept only until that time, not for the
    default lifetime: the lifetime is read before the page is drawn."""
    from articles.views import HomeView

    make_post(title="Already out")
    make_scheduled(delay=timedelta(seconds=30), title="Coming soon")
    drawn = HomeView.get

    def slow_get(self, request, *args, **kwargs):
        response = drawn(self, request, *args, **kwargs)
        response.render()
        frozen_now.shift(timedelta(seconds=31))  # drawn; the post is now live
        return response

    monkeypatch.setattr(HomeView, "get", slow_get)
    stale = client.get("/")
    assert "Coming soon" not in stale.content.decode()
    monkeypatch.setattr(HomeView, "get", drawn)
    fresh = client.get("/")
    assert "Coming soon" in fresh.content.decode()


def test_a_part_drawn_just_before_a_post_goes_live_ends_at_its_time(frozen_now):
    make_scheduled(delay=timedelta(seconds=30), title="Coming soon")

    def live_titles():
        titles = list(
            Post.objects.published().values_list("title", flat=True).order_by("pk")
        )
        frozen_now.shift(timedelta(seconds=31))  # drawn; the post is now live
        return titles

    assert pagecache.remember("live-titles", live_titles) == []
    assert pagecache.remember("live-titles", live_titles) == ["Coming soon"]


def test_lifetime_is_cut_at_the_next_scheduled_post(frozen_now):
    assert pagecache.entry_lifetime(pagecache.generation()) == 600
    make_scheduled(delay=timedelta(seconds=90))
    assert pagecache.entry_lifetime(pagecache.generation()) == 90


def test_staff_never_get_nor_write_shared_pages(staff_client):
    client = Client()
    post = make_post(title="Shared story")
    url = post.get_absolute_url()
    staff_page = staff_client.get(url)
    assert state(staff_page) is None
    assert state(staff_client.get(url)) is None
    # The staff request stored nothing: the reader's first request renders.
    assert state(client.get(url)) == "miss"
    assert state(staff_client.get(url)) is None


def test_personal_cookies_bypass_the_cache_harmless_ones_do_not(client):
    make_post()
    client.get("/")
    client.cookies["csrftoken"] = "x" * 32
    client.cookies["django_language"] = "en"
    assert state(client.get("/")) == "hit"
    client.cookies["newsroom_comments"] = "signed-ids"
    assert state(client.get("/")) is None
    client.cookies.clear()
    client.cookies["sessionid"] = "whatever"
    assert state(client.get("/")) is None


@pytest.mark.urls("tests.test_pagecache")
def test_responses_setting_cookies_or_tokens_are_not_stored(client):
    for url in ("/token", "/cookie"):
        assert state(client.get(url)) == "skip"
        client.cookies.clear()
        assert state(client.get(url)) == "skip"


def test_admin_and_errors_are_not_stored(client):
    assert state(client.get("/2020/01/missing.html")) == "skip"
    assert state(client.get("/admin/login/")) is None


@pytest.mark.urls("tests.test_pagecache")
def test_each_hit_gets_a_fresh_nonce_matching_its_header(client):
    nonces = []
    for expected in ("miss", "hit", "hit"):
        response = client.get("/nonce")
        assert state(response) == expected
        body_nonce = re.search(r'nonce="([^"]+)"', response.content.decode())[1]
        assert "'nonce-%s'" % body_nonce in response["Content-Security-Policy"]
        nonces.append(body_nonce)
    assert len(set(nonces)) == 3


def test_conditional_get_answers_304_until_something_changes(client):
    post = make_post(title="Before")
    url = post.get_absolute_url()
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    modified = first["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    post.title = "After"
    post.save()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "After" in response.content.decode()
    assert response["ETag"] != etag


def test_head_and_post_are_never_served_from_the_cache(client):
    make_post()
    client.get("/")
    assert state(client.head("/")) is None


def label_count(html, name):
    match = re.search(
        r'label-name">%s</span> <span class="label-count">(\d+)' % re.escape(name),
        html,
    )
    return int(match[1]) if match else 0


def test_shared_sidebar_and_cards_follow_changes_for_signed_in_readers(
    staff_client, frozen_now
):
    """Fragments shared by all pages (label counts, cards) are purged like pages."""
    post = make_post(title="First card", labels=["KERALA"])
    make_scheduled(delay=timedelta(minutes=5), labels=["KERALA"])
    html = staff_client.get("/search/label/KERALA").content.decode()
    assert label_count(html, "KERALA") == 1
    assert "First card" in html
    make_post(labels=["KERALA"])
    post.title = "Renamed card"
    post.save()
    html = staff_client.get("/search/label/KERALA").content.decode()
    assert label_count(html, "KERALA") == 2
    assert "Renamed card" in html and "First card" not in html
    frozen_now.shift(timedelta(minutes=5, seconds=1))
    html = staff_client.get("/search/label/KERALA").content.decode()
    assert label_count(html, "KERALA") == 3


def test_shared_fragments_render_once_per_purge(client):
    make_post(labels=["KERALA"])
    client.cookies["sessionid"] = "no-such-session"
    first = client.get("/search/label/KERALA")
    with CaptureQueriesContext(connection) as cold:
        client.get("/search/label/KERALA?max-results=5")
    pagecache.purge()
    with CaptureQueriesContext(connection) as purged:
        client.get("/search/label/KERALA?max-results=5")
    assert first.status_code == 200
    assert len(cold) < len(purged)


def test_a_new_held_comment_does_not_purge_but_approving_it_does(client):
    post = make_post()
    url = post.get_absolute_url()
    client.get(url)
    held = make_comment(post, text="Waiting words", status=Comment.Status.PENDING)
    assert state(client.get(url)) == "hit"
    comment_approve(comment=held, actor=None)
    response = client.get(url)
    assert state(response) == "miss"
    assert "Waiting words" in response.content.decode()


def test_a_purge_elsewhere_reaches_the_parts_this_process_keeps(client):
    # Another app server's purge only bumps the shared generation: the parts
    # this process kept in memory must not outlive it.
    post = make_post(labels=["KERALA"], title="Before the change")
    client.cookies["sessionid"] = "no-such-session"
    assert "Before the change" in client.get("/search/label/KERALA").content.decode()
    type(post).objects.filter(pk=post.pk).update(title="After the change")
    still = client.get("/search/label/KERALA").content.decode()
    assert "Before the change" in still  # the card is a shared fragment
    pagecache.cache.incr(pagecache.GENERATION_KEY)  # as another process would
    fresh = client.get("/search/label/KERALA").content.decode()
    assert "After the change" in fresh and "Before the change" not in fresh


def test_post_page_fragments_are_shared_but_the_premium_part_is_not(client):
    from django.contrib.auth.models import Group

    post = make_post(
        labels=["KERALA"],
        title="Shared story",
        body="<p>Open words.</p>",
        premium_body="<p>Members only: golden-lotus.</p>",
    )
    make_post(labels=["KERALA"], title="A related story")
    member = make_user(username="member")
    member.groups.add(Group.objects.get_or_create(name="Members")[0])
    reader = Client()
    reader.cookies["sessionid"] = "no-such-session"
    with CaptureQueriesContext(connection) as reader_queries:
        first = reader.get(post.get_absolute_url()).content.decode()
    assert "A related story" in first
    assert any("CASE" in query["sql"] for query in reader_queries.captured_queries)
    client.force_login(member)
    with CaptureQueriesContext(connection) as member_queries:
        as_member = client.get(post.get_absolute_url()).content.decode()
    assert "golden-lotus" not in first and "Open words." in first
    # Not even a member's page holds the part: it comes from its endpoint.
    assert "golden-lotus" not in as_member and "Open words." in as_member
    assert "data-premium-member" in as_member
    assert "golden-lotus" in client.get("/premium/%d/part" % post.pk).content.decode()
    # The member's page reused the shared article: no related-stories query.
    assert not any("CASE" in query["sql"] for query in member_queries.captured_queries)
    assert "A related story" in as_member
    again = reader.get(post.get_absolute_url()).content.decode()
    assert "golden-lotus" not in again


def test_home_fragments_follow_a_new_top_story(client):
    make_post(labels=["TOP STORY"], title="Old top story")
    client.cookies["sessionid"] = "no-such-session"  # no whole-page cache
    first = client.get("/").content.decode()
    assert "Old top story" in first
    with CaptureQueriesContext(connection) as warm:
        client.get("/")
    make_post(labels=["TOP STORY"], title="New top story")
    with CaptureQueriesContext(connection) as purged:
        html = client.get("/").content.decode()
    featured = re.search(r'<section class="featured".*?</section>', html, re.S)[0]
    assert "New top story" in featured and "Old top story" not in featured
    assert len(warm) < len(purged)  # the featured and label blocks came from memory


def test_a_list_page_with_every_card_rendered_reads_only_ids(client):
    for number in range(5):
        make_post(labels=["KERALA"], title="Card %d" % number)
    client.cookies["sessionid"] = "no-such-session"
    with CaptureQueriesContext(connection) as cold:
        client.get("/search/label/KERALA")
    with CaptureQueriesContext(connection) as warm:
        second = client.get("/search/label/KERALA").content.decode()
    assert all("Card %d" % n in second for n in range(5))
    card_reads = [
        q for q in warm.captured_queries if '"articles_post"."title"' in q["sql"]
    ]
    assert card_reads == []
    assert any('"articles_post"."title"' in q["sql"] for q in cold.captured_queries)


def test_the_comment_list_is_shared_but_a_writers_held_comment_is_not(client):
    from comments.cookies import COOKIE_NAME, remember_comment

    post = make_post()
    make_comment(post, name="Meera", text="Approved words")
    held = make_comment(post, text="Held words", status=Comment.Status.PENDING)
    client.cookies["sessionid"] = "no-such-session"  # no whole-page cache
    url = post.get_absolute_url()
    for _ in range(2):
        html = client.get(url).content.decode()
        assert "Approved words" in html and "Held words" not in html
        assert "1 Comment" in html
        assert '<article id="c' in html and "&lt;" not in html  # markup, not text
    writer = Client()
    signed = HttpResponse()
    remember_comment(writer.get(url).wsgi_request, signed, held)
    writer.cookies[COOKIE_NAME] = signed.cookies[COOKIE_NAME].value
    own = writer.get(url).content.decode()
    assert "Held words" in own and "Your comment is awaiting moderation." in own
    comment_approve(comment=held, actor=None)
    html = client.get(url).content.decode()
    assert "Held words" in html and "2 Comments" in html
    assert "awaiting moderation" not in html


def test_a_cached_post_page_holds_no_usable_comment_token(client, frozen_now):
    """
    The reported attack: the cached page froze one form token for every
    reader, so a page served 20.9 s after it was stored carried a token old
    enough to skip the minimum fill time, and one token served every post.
    The page now holds no token; the form fetches its own, fresh, with the
    CSRF token when the reader starts writing.
    """
    post = make_post(title="Form story")
    make_comment(post, name="Meera", text="First")
    url = post.get_absolute_url()
    form_tag = re.compile(r'<form id="comment-form"[^>]*>')
    token_field = re.compile(r'name="token"(?: value="([^"]*)")?')
    pages = [client.get(url)]
    frozen_now.shift(timedelta(seconds=20.9))
    pages += [client.get(url), client.get(url + "?replyto=1")]
    assert [state(page) for page in pages] == ["miss", "hit", "miss"]
    for page in pages:
        html = page.content.decode()
        assert 'data-token-for="post-%d"' % post.pk in form_tag.search(html)[0]
        assert not token_field.search(html)[1]
        assert 'action="/comments/post/%d/"' % post.pk in html
    data = {"name": "Asha", "email": "", "text": "Kept words.", "parent": "",
            "website": ""}  # fmt: skip
    # What the cached page holds, sent at once, is not accepted.
    held = client.post("/comments/post/%d/" % post.pk, {**data, "token": ""})
    assert held.status_code == 200
    assert Comment.objects.get(text="Kept words.").status == Comment.Status.SPAM
    # Each reader's own token, fetched as they start: too fast at once...
    answers = [client.get("/csrf-token?for=post-%d" % post.pk) for _ in range(2)]
    assert all(state(answer) != "hit" for answer in answers)
    assert all("no-store" in answer["Cache-Control"] for answer in answers)
    first, second = (answer.json()["form_token"] for answer in answers)
    assert first != second
    text = {**data, "text": "Fresh words."}
    quick = client.post("/comments/post/%d/" % post.pk, {**text, "token": first})
    assert "That was very quick" in quick.content.decode()
    # ...and accepted after the minimum fill time, once.
    frozen_now.shift(timedelta(seconds=5))
    calm = {**text, "text": "Calm words.", "token": second}
    assert client.post("/comments/post/%d/" % post.pk, calm).status_code == 302
    again = client.post("/comments/post/%d/" % post.pk, {**calm, "text": "More."})
    assert "already been sent once" in again.content.decode()
    assert not Comment.objects.filter(text="More.").exists()


def test_a_hit_answers_a_304_without_a_policy_and_a_page_without_nonce_names_none(
    client,
):
    post = make_post(title="Plain page")
    url = post.get_absolute_url()
    first = client.get(url)
    hit = client.get(url)
    assert state(hit) == "hit"
    # The post page's scripts are files: no nonce was used, none is named.
    assert "nonce-" not in hit["Content-Security-Policy"]
    assert hit["Content-Security-Policy"] == first["Content-Security-Policy"]
    # Browsers ask again every time (a 304 below); an edge may keep it.
    assert hit["Cache-Control"].startswith("max-age=0, s-maxage=")
    assert "must-revalidate" in hit["Cache-Control"]
    assert hit["X-Frame-Options"] == first["X-Frame-Options"]
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=hit["ETag"])
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert "Content-Security-Policy" not in not_modified
    assert not_modified["ETag"] == hit["ETag"]


def test_shared_sign_in_and_language_links_return_each_reader_to_their_page(client):
    make_label = Label.objects.create
    make_label(name="TOP STORY")
    post = make_post(labels=["TOP STORY"], title="First page")
    reader = Client()
    reader.cookies["sessionid"] = "no-such-session"  # renders, no whole-page cache
    pages = {
        post.get_absolute_url(): post.get_absolute_url(),
        "/search/label/TOP STORY": "/search/label/TOP%20STORY",
        "/": "/",
    }
    shared = {"accounts/includes/account_links.html", "includes/language_switcher.html"}
    drawn = []
    for address, quoted in pages.items():
        response = reader.get(address)
        html = response.content.decode()
        assert 'href="/accounts/login/?next=%s"' % quoted in html
        assert '<input type="hidden" name="next" value="%s">' % quoted in html
        assert "newsroomPATHmark0" not in html
        drawn.append(shared & rendered(response))
    # Drawn for the first page only; the other pages reuse the shared parts.
    assert drawn == [shared, set(), set()]


def test_the_premium_box_is_shared_by_non_members_but_says_who_they_are(client):
    post = make_post(title="Premium story", premium_body="<p>Secret: amber-kite.</p>")
    url = post.get_absolute_url()
    plain_reader = make_user(username="plain-reader")  # (a new user purges)
    reader = Client()
    reader.cookies["sessionid"] = "no-such-session"
    box = "accounts/includes/premium_section.html"
    first = reader.get(url)
    anonymous = first.content.decode()
    assert box in rendered(first)
    assert "THIS CONTENT IS PREMIUM" in anonymous
    assert "Members read the rest of this post." in anonymous
    client.force_login(plain_reader)
    signed_in_response = client.get(url)
    signed_in = signed_in_response.content.decode()
    assert box in rendered(signed_in_response)  # their own version, drawn once
    assert "THIS CONTENT IS PREMIUM" in signed_in
    assert "Your account is not a member account yet." in signed_in
    assert "Members read the rest of this post." not in signed_in
    assert "amber-kite" not in anonymous + signed_in
    # Another anonymous reader gets the shared part: not drawn again, unchanged.
    other = Client()
    other.cookies["sessionid"] = "another-missing-session"
    again = other.get(url)
    assert box not in rendered(again)
    assert again.content.decode().count("Members read the rest") == 1
    assert box not in rendered(client.get(url))
