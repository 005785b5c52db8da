"""
The premium part of a post reaches members only, by every road: the page,
its meta tags and JSON-LD, feeds, search, preview links and cached pages.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings

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
def test_post_page_shows_premium_only_to_members(kind, premium_post):
    """Members and staff read the premium part; others get the box, not a hidden copy."""
    response = _client_for(kind).get(premium_post.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "The free part everyone reads." in html
    if SEES_PREMIUM[kind]:
        assert SECRET in html
        assert "THIS CONTENT IS PREMIUM" not in html
    else:
        assert SECRET not in html
        assert "Members only" not in html
        assert "THIS CONTENT IS PREMIUM" in html
        assert "Please share to unlock" in html


@pytest.mark.django_db
def test_premium_box_offers_share_links_and_sign_in(client, premium_post):
    html = client.get(premium_post.get_absolute_url()).content.decode()
    box = html[html.index('class="premium-box"') :]
    box = box[: box.index("</section>")]
    assert "/accounts/login/?next=%2F" in box
    assert "https://twitter.com/intent/tweet?" in box
    assert "https://wa.me/?" in box


@pytest.mark.django_db
def test_signed_in_non_member_is_told_why_not_asked_to_sign_in(premium_post):
    html = _client_for("non_member").get(premium_post.get_absolute_url())
    html = html.content.decode()
    assert "not a member account yet" in html
    assert "THIS CONTENT IS PREMIUM" in html


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
    # Member first: the page with the premium text must not be stored for others.
    assert SECRET in member.get(url).content.decode()
    first = anonymous.get(url)
    again = anonymous.get(url)
    assert again["X-Page-Cache"] == "hit"  # the cache is really in front
    for response in (first, again, non_member.get(url), non_member.get(url)):
        assert SECRET not in response.content.decode()
        assert "THIS CONTENT IS PREMIUM" in response.content.decode()
    # The anonymous page is cached now: members still get the whole post.
    for _round in range(2):
        html = member.get(url).content.decode()
        assert SECRET in html
        assert "THIS CONTENT IS PREMIUM" not in html


@pytest.mark.django_db
def test_signed_in_pages_are_private_for_every_shared_cache(premium_post):
    """A proxy or CDN in front of the site may not keep a signed-in reader's page."""
    response = _client_for("member").get(premium_post.get_absolute_url())
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response.get("Vary", "")


@pytest.mark.django_db
def test_djangos_own_cache_middleware_keeps_members_pages_out(premium_post, settings):
    """Even a plain site-wide cache in front of the views never stores a member's page."""
    middleware = list(settings.MIDDLEWARE)
    stack = (
        ["django.middleware.cache.UpdateCacheMiddleware"]
        + middleware
        + ["django.middleware.cache.FetchFromCacheMiddleware"]
    )
    url = premium_post.get_absolute_url()
    with override_settings(MIDDLEWARE=stack, CACHE_MIDDLEWARE_SECONDS=600):
        assert SECRET in _client_for("member").get(url).content.decode()
        assert SECRET not in Client().get(url).content.decode()


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
def test_premium_box_replaces_the_share_row_for_non_members(client, premium_post):
    html = client.get(premium_post.get_absolute_url()).content.decode()
    assert html.count('class="share-list"') == 1
    member_html = _client_for("member").get(premium_post.get_absolute_url())
    assert member_html.content.decode().count('class="share-list"') == 1
