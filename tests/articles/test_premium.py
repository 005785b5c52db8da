"""
The premium part of a post reaches members only, by every road: the page,
its meta tags and JSON-LD, feeds, search, preview links and cached pages.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings

from tests.accounts.premium_helpers import browser_get, share
from tests.factories import make_post, make_user

SECRET = "zebracorn-premium-paragraph"
PREMIUM_HTML = "<p>Members only: %s and more.</p>" % SECRET


def _member():
    user = make_user()
    user.groups.add(Group.objects.get_or_create(name="Members")[0])
    return user


def _client_for(kind):
    client = Client()
    if kind == "non_member":
        client.force_login(make_user())
    elif kind == "member":
        client.force_login(_member())
    elif kind == "staff":
        client.force_login(make_user(is_staff=True))
    return client


@pytest.fixture
def premium_post(db):
    return make_post(
        title="Budget talks in Kochi",
        body="<p>The free part everyone reads.</p>",
        premium_body=PREMIUM_HTML,
        labels=["KERALA"],
    )


READERS = ["anonymous", "non_member", "member", "staff"]
SEES_PREMIUM = {"anonymous": False, "non_member": False, "member": True, "staff": True}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", READERS)
def test_post_page_never_holds_the_premium_text(kind, premium_post):
    """
    Not even a member's page: the part comes from /premium/ID/part (checked
    there), so the page is one cached page for everyone who is not signed in.
    """
    response = _client_for(kind).get(premium_post.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "The free part everyone reads." in html
    assert SECRET not in html
    assert "Members only:" not in html
    assert "THIS CONTENT IS PREMIUM" in html
    assert 'data-premium-part="/premium/%d/part"' % premium_post.pk in html
    assert ("data-premium-member" in html) is SEES_PREMIUM[kind]
    assert '<script src="/static/js/premium.js" defer></script>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("kind", READERS)
def test_the_part_endpoint_answers_members_only(kind, premium_post):
    response = _client_for(kind).get("/premium/%d/part" % premium_post.pk)
    assert response.status_code == (200 if SEES_PREMIUM[kind] else 403)
    assert (SECRET in response.content.decode()) is SEES_PREMIUM[kind]


@pytest.mark.django_db
def test_a_members_box_offers_the_part_without_javascript(premium_post):
    html = _client_for("member").get(premium_post.get_absolute_url()).content.decode()
    box = html[html.index('class="premium-box"') :]
    box = box[: box.index("</section>")]
    assert 'href="/premium/%d/"' % premium_post.pk in box
    assert "Read the premium part" in box
    page = _client_for("member").get("/premium/%d/" % premium_post.pk)
    assert page.status_code == 200
    assert SECRET in page.content.decode()


@pytest.mark.django_db
def test_members_only_box_leads_to_sign_in_and_membership(client, premium_post):
    html = client.get(premium_post.get_absolute_url()).content.decode()
    box = html[html.index('class="premium-box"') :]
    box = box[: box.index("</section>")]
    assert "For members only" in box
    assert "Please share to unlock" not in box
    assert 'href="/accounts/membership/"' in box
    assert "/accounts/login/?next=%2F" in box
    assert "unlock-form" not in box  # sharing unlocks nothing here
    # The share row is under the post as usual.
    share = html[html.index('<nav class="share"') :]
    assert "https://twitter.com/intent/tweet?" in share
    assert "https://wa.me/?" in share


@pytest.mark.django_db
def test_share_to_unlock_box_has_the_five_share_buttons(client):
    post = make_post(
        title="Budget talks in Kochi",
        premium_body=PREMIUM_HTML,
        premium_mode="share",
    )
    html = client.get(post.get_absolute_url()).content.decode()
    box = html[html.index('class="premium-box"') :]
    box = box[: box.index("</section>")]
    assert "Please share to unlock" in box
    buttons = re.findall(
        r'<form class="unlock-form" method="post" action="/premium/%d/shared" '
        r'data-csrf="lazy"><input type="hidden" name="via" value="(\w+)">'
        r'<button type="submit" class="share-link share-\w+" data-href="([^"]+)">'
        % post.pk,
        box,
    )
    assert [via for via, _href in buttons] == [
        "whatsapp",
        "facebook",
        "x",
        "email",
        "copy",
    ]
    address = "http%3A%2F%2Ftestserver%2F"
    hrefs = dict(buttons)
    assert hrefs["whatsapp"].startswith(
        "https://wa.me/?text=Budget+talks+in+Kochi+" + address
    )
    assert hrefs["facebook"] == "https://www.facebook.com/sharer/sharer.php?u=%s%s" % (
        address,
        post.get_absolute_url()[1:].replace("/", "%2F"),
    )
    assert hrefs["x"].startswith("https://twitter.com/intent/tweet?text=Budget")
    assert hrefs["email"].startswith(
        "mailto:?subject=Budget%20talks%20in%20Kochi&amp;body="
    )
    assert hrefs["copy"] == "http://testserver" + post.get_absolute_url()
    assert 'href="/premium/%d/"' % post.pk in box  # no-JS: "Read the premium part"
    assert 'href="/accounts/membership/"' in box
    # The box carries the share buttons: no second share row.
    assert '<nav class="share"' not in html


@pytest.mark.django_db
def test_signed_in_non_member_is_told_why_not_asked_to_sign_in(premium_post):
    html = _client_for("non_member").get(premium_post.get_absolute_url())
    html = html.content.decode()
    assert "not a member account yet" in html
    assert "THIS CONTENT IS PREMIUM" in html
    box = html[html.index('class="premium-box"') :]
    assert (
        'href="/accounts/membership/">Become a member' in box[: box.index("</section>")]
    )


def _main(response):
    """The page's main content, without the sidebar's News Feed."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _head_and_metadata(html):
    """The <head>, every <meta> tag and every JSON-LD block of a page."""
    head = html[: html.index("</head>")]
    metas = " ".join(re.findall(r"<meta[^>]*>", html))
    json_ld = " ".join(
        re.findall(
            r"<script[^>]*application/ld\+json[^>]*>(.*?)</script>", html, re.DOTALL
        )
    )
    return head, metas, json_ld


@pytest.mark.django_db
@pytest.mark.parametrize("kind", READERS)
def test_meta_description_open_graph_and_json_ld_never_carry_premium(
    kind, premium_post
):
    """Not even a member's page puts the premium text in its metadata (it is shared)."""
    html = _client_for(kind).get(premium_post.get_absolute_url()).content.decode()
    for part in _head_and_metadata(html):
        assert SECRET not in part


@pytest.mark.django_db
def test_post_without_premium_part_shows_no_box(client):
    post = make_post(body="<p>All free.</p>")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "THIS CONTENT IS PREMIUM" not in html
    assert 'class="share"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("kind", READERS)
def test_search_never_finds_or_shows_premium_text(kind, premium_post):
    client = _client_for(kind)
    by_secret = client.get("/search", {"q": SECRET})
    assert by_secret.status_code == 200
    assert premium_post.get_absolute_url() not in _main(by_secret)
    by_title = client.get("/search", {"q": "Kochi"})
    assert premium_post.get_absolute_url() in _main(by_title)
    assert SECRET not in by_title.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", READERS)
def test_lists_and_sidebar_never_carry_premium_text(kind, premium_post):
    client = _client_for(kind)
    for url in ["/", "/search", "/search/label/KERALA"]:
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET not in response.content.decode()


@pytest.mark.django_db
def test_premium_body_is_sanitised_on_save():
    post = make_post(premium_body='<p onclick="x()">Hi<script>alert(1)</script></p>')
    post.refresh_from_db()
    assert "<script" not in post.premium_body
    assert "onclick" not in post.premium_body


# The page cache -------------------------------------------------------------


@pytest.fixture
def page_cache_on(settings):
    """The production page cache (pagecache/store.py), off elsewhere in tests."""
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}


@pytest.mark.django_db
def test_page_cache_never_hands_a_members_page_to_anyone_else(
    premium_post, page_cache_on
):
    """Whoever comes first, each reader gets the page meant for them."""
    url = premium_post.get_absolute_url()
    anonymous, non_member, member = (
        Client(),
        _client_for("non_member"),
        _client_for("member"),
    )
    # Member first: their page (with its member's box) is not stored for others.
    assert "data-premium-member" in member.get(url).content.decode()
    first = anonymous.get(url)
    again = anonymous.get(url)
    assert again["X-Page-Cache"] == "hit"  # the cache is really in front
    for response in (first, again, non_member.get(url), non_member.get(url)):
        html = response.content.decode()
        assert SECRET not in html
        assert "THIS CONTENT IS PREMIUM" in html
        assert "data-premium-member" not in html
    # The anonymous page is cached now: members still get their own box, and
    # the part from the endpoint.
    for _round in range(2):
        assert "data-premium-member" in member.get(url).content.decode()
        assert (
            SECRET in member.get("/premium/%d/part" % premium_post.pk).content.decode()
        )


def _without_nonce(body):
    return re.sub(rb'nonce="[^"]*"', b"", body)


@pytest.mark.django_db
def test_the_cached_page_before_and_after_a_grant(page_cache_on):
    """
    A grant changes nothing on the page: the same cached copy is served before
    and after it (the cookie is sent to /premium/ only), and the part comes
    from the endpoint.
    """
    post = make_post(
        title="Budget talks in Kochi", premium_body=PREMIUM_HTML, premium_mode="share"
    )
    url = post.get_absolute_url()
    reader = Client()
    assert browser_get(reader, url)["X-Page-Cache"] in ("miss", "skip")
    before = browser_get(reader, url)
    assert before["X-Page-Cache"] == "hit"
    assert SECRET not in before.content.decode()
    assert share(reader, post).json()["granted"] is True
    after = browser_get(reader, url)
    assert after["X-Page-Cache"] == "hit"
    assert _without_nonce(after.content) == _without_nonce(before.content)
    browser_get(reader, url + "?m=1")
    mobile = browser_get(reader, url + "?m=1")
    assert mobile["X-Page-Cache"] == "hit"
    assert SECRET not in mobile.content.decode()
    assert SECRET in browser_get(reader, "/premium/%d/part" % post.pk).content.decode()
    # Even a client that sends the grant cookie with every request (Django's
    # test client does) never gets the premium text with the page.
    sent_everywhere = reader.get(url)
    assert SECRET not in sent_everywhere.content.decode()
    assert reader.get("/premium/%d/part" % post.pk).status_code == 200


@pytest.mark.django_db
def test_signed_in_pages_are_private_for_every_shared_cache(premium_post):
    """A proxy or CDN in front of the site may not keep a signed-in reader's page."""
    response = _client_for("member").get(premium_post.get_absolute_url())
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response.get("Vary", "")


@pytest.mark.django_db
def test_djangos_own_cache_middleware_never_stores_a_premium_part(
    premium_post, settings
):
    """Even a plain site-wide cache in front of the views never keeps the part."""
    middleware = list(settings.MIDDLEWARE)
    stack = (
        ["django.middleware.cache.UpdateCacheMiddleware"]
        + middleware
        + ["django.middleware.cache.FetchFromCacheMiddleware"]
    )
    url = premium_post.get_absolute_url()
    part_url = "/premium/%d/part" % premium_post.pk
    with override_settings(MIDDLEWARE=stack, CACHE_MIDDLEWARE_SECONDS=600):
        member = _client_for("member")
        assert "data-premium-member" in member.get(url).content.decode()
        assert SECRET in member.get(part_url).content.decode()
        assert "data-premium-member" not in Client().get(url).content.decode()
        refused = Client().get(part_url)
        assert refused.status_code == 403
        assert SECRET not in refused.content.decode()


# Preview links ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", READERS)
def test_someone_elses_preview_link_shows_premium_only_to_members(kind):
    """An editor's signed preview link, opened by anyone, follows the same rule."""
    from articles.preview import preview_url
    from tests.factories import make_draft

    draft = make_draft(body="<p>Draft free part.</p>", premium_body=PREMIUM_HTML)
    response = _client_for(kind).get(preview_url(draft))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Draft free part." in html
    assert (SECRET in html) is SEES_PREMIUM[kind]
    assert ("THIS CONTENT IS PREMIUM" in html) is not SEES_PREMIUM[kind]


@pytest.mark.django_db
def test_share_links_are_plain_links_to_the_usual_networks(client):
    post = make_post(title="Rain & floods")
    html = client.get(post.get_absolute_url()).content.decode()
    share = html[html.index('<nav class="share"') :]
    share = share[: share.index("</nav>")]
    for address in [
        "https://twitter.com/intent/tweet?text=Rain+%26+floods&amp;url=http%3A%2F%2Ftestserver%2F",
        "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Ftestserver%2F",
        "https://wa.me/?text=Rain+%26+floods+http%3A%2F%2Ftestserver%2F",
        "https://www.linkedin.com/sharing/share-offsite/?url=http%3A%2F%2Ftestserver%2F",
        "https://t.me/share/url?url=http%3A%2F%2Ftestserver%2F",
        "mailto:?subject=Rain%20%26%20floods&amp;body=http%3A%2F%2Ftestserver%2F",
    ]:
        assert address in share
    assert "<script" not in share
    # No script from another site anywhere on the page.
    assert not re.search(r'<script[^>]+src="(https?:)?//', html)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["members", "share"])
def test_one_row_of_share_buttons_under_a_premium_post(client, mode):
    """A share-to-unlock box carries the share buttons; otherwise the usual row."""
    post = make_post(premium_body=PREMIUM_HTML, premium_mode=mode)
    html = client.get(post.get_absolute_url()).content.decode()
    rows = html.count('class="share-list"') + html.count('class="unlock-list"')
    assert rows == 1
    assert ('class="unlock-list"' in html) is (mode == "share")
    member_html = _client_for("member").get(post.get_absolute_url()).content.decode()
    assert member_html.count('class="share-list"') == 1
    assert 'class="unlock-list"' not in member_html


# Every road, for readers who may read the part ------------------------------


def _reader_who_shared(post):
    """A reader who pressed a share button (granted if the post unlocks by sharing)."""
    client = Client()
    share(client, post)
    return client


def _roads(post):
    number = post.public_id
    year, month = post.published_at.year, post.published_at.month
    return [
        post.get_absolute_url(),
        post.get_absolute_url() + "?m=1",
        "/",
        "/?m=1",
        "/search?q=Kochi",
        "/search?q=zebracorn",
        "/search/label/KERALA",
        "/%d/" % year,
        "/%d/%02d/" % (year, month),
        "/feeds/posts/default",
        "/feeds/posts/default?alt=rss",
        "/feeds/posts/default?alt=json",
        "/feeds/posts/default?alt=json-in-script&callback=show",
        "/feeds/posts/default?alt=jsonfeed",
        "/feeds/posts/summary?alt=json",
        "/feeds/posts/default?q=zebracorn&alt=json",
        "/feeds/posts/default/-/KERALA?alt=json",
        "/feeds/posts/default/%d?alt=json" % number,
        "/feeds/posts/default/%d" % number,
        "/feeds/%d/comments/default?alt=json" % number,
        "/atom.xml",
        "/rss.xml",
        "/sitemap.xml",
        "/sitemap-posts.xml",
        "/news-sitemap.xml",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["granted", "member", "anonymous"])
@pytest.mark.parametrize("mode", ["share", "members"])
def test_no_road_but_the_endpoint_carries_the_premium_text(kind, mode):
    """
    The page, ?m=1, lists, search, feeds (Atom, RSS, JSON, JSONP, JSON Feed),
    the post's own feed entry and sitemaps: never the part, even for a member
    or a reader who shared the post.
    """
    post = make_post(
        title="Budget talks in Kochi",
        premium_body=PREMIUM_HTML,
        premium_mode=mode,
        labels=["KERALA"],
    )
    client = _reader_who_shared(post) if kind == "granted" else _client_for(kind)
    for road in _roads(post):
        response = client.get(road)
        assert response.status_code == 200, road
        assert SECRET not in response.content.decode(), road
    readable = client.get("/premium/%d/part" % post.pk)
    may_read = kind == "member" or (kind, mode) == ("granted", "share")
    assert readable.status_code == (200 if may_read else 403)
    assert (SECRET in readable.content.decode()) is may_read


@pytest.mark.django_db
def test_the_roads_do_name_the_post(premium_post):
    """The roads above are real: they carry the post, only not its premium part."""
    client = _client_for("member")
    for road in [
        "/feeds/posts/default?alt=json",
        "/sitemap-posts.xml",
        "/search?q=Kochi",
    ]:
        assert premium_post.get_absolute_url() in client.get(road).content.decode(), (
            road
        )


# Editors choose the mode -----------------------------------------------------


@pytest.mark.django_db
def test_an_editor_marks_a_posts_premium_part_share_to_unlock(client):
    from articles import roles
    from tests.articles.newsroom_admin import change_url, make_person, post_form_data

    post = make_post(premium_body=PREMIUM_HTML)
    assert post.premium_mode == "members"  # the default, as for existing posts
    client.force_login(make_person(roles.EDITORS))
    form = client.get(change_url(post)).content.decode()
    assert 'name="premium_mode"' in form
    assert "Share to unlock" in form and "Members only" in form
    response = client.post(change_url(post), post_form_data(post, premium_mode="share"))
    assert response.status_code == 302, response.content.decode()[:2000]
    post.refresh_from_db()
    assert post.premium_mode == "share"
    html = Client().get(post.get_absolute_url()).content.decode()
    assert "Please share to unlock" in html
    bad = client.post(change_url(post), post_form_data(post, premium_mode="free"))
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()


# Badges on cards --------------------------------------------------------------


@pytest.mark.django_db
def test_premium_posts_carry_a_badge_on_cards(client):
    plain = make_post(title="A free story", labels=["KERALA"])
    paid = make_post(
        title="A premium story", premium_body=PREMIUM_HTML, labels=["KERALA"]
    )
    for url in ["/", "/search/label/KERALA", "/search?q=story"]:
        html = client.get(url).content.decode()
        cards = re.findall(r'<article class="card.*?</article>', html, re.DOTALL)
        badges = {
            title: "premium-badge" in card
            for card in cards
            for title in (plain.title, paid.title)
            if ">%s</a>" % title in card
        }
        assert badges == {plain.title: False, paid.title: True}, url
        assert SECRET not in html


@pytest.mark.django_db
def test_the_badge_costs_no_query(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(6):
        make_post(title="Story %d" % number, labels=["KERALA"])
    client.get("/search/label/KERALA")  # the site settings row, made once
    with CaptureQueriesContext(connection) as free:
        client.get("/search/label/KERALA")
    free = len(free)  # read now: the next request empties the log
    for number in range(3):
        make_post(
            title="Premium %d" % number, premium_body=PREMIUM_HTML, labels=["KERALA"]
        )
    client.get("/search/label/KERALA")
    with django_assert_num_queries(free):
        html = client.get("/search/label/KERALA").content.decode()
    assert html.count('class="premium-badge"') == 3
