"""
Share to unlock (docs/premium.md): a share button gives the browser a signed,
per-post, expiring grant; /premium/ID/part checks it (or membership) on every
request and is never cached.
"""

import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from accounts import premium
from tests.accounts.premium_helpers import (
    SECRET,
    make_member,
    make_premium_post,
    part,
    share,
)
from tests.factories import make_draft, make_post, make_user


@pytest.fixture
def share_post(db):
    return make_premium_post(mode="share")


@pytest.mark.django_db
def test_a_share_unlocks_that_post_at_once_and_no_other(client, share_post):
    other = make_premium_post(mode="share", title="Another premium story")
    assert part(client, share_post).status_code == 403
    response = share(client, share_post, via="whatsapp")
    assert response.status_code == 200
    answer = response.json()
    address = "http://testserver" + share_post.get_absolute_url()
    assert answer == {
        "granted": True,
        "part": "/premium/%d/part" % share_post.pk,
        "page": "/premium/%d/" % share_post.pk,
        "share": "https://wa.me/?text=Budget+talks+in+Kochi+" + quote(address, safe=""),
    }
    unlocked = part(client, share_post)
    assert unlocked.status_code == 200
    assert SECRET in unlocked.content.decode()
    assert 'class="post-body post-premium"' in unlocked.content.decode()
    refused = part(client, other)
    assert refused.status_code == 403
    assert SECRET not in refused.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "via, target",
    [
        ("whatsapp", "https://wa.me/?text="),
        (
            "facebook",
            "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Ftestserver%2F",
        ),
        ("x", "https://twitter.com/intent/tweet?text="),
        (
            "email",
            "mailto:?subject=Budget%20talks%20in%20Kochi&body=http%3A%2F%2Ftestserver%2F",
        ),
        ("copy", "http://testserver/"),
    ],
)
def test_every_share_button_unlocks_and_names_its_network(
    client, share_post, via, target
):
    answer = share(client, share_post, via=via).json()
    assert answer["granted"] is True
    assert answer["share"].startswith(target)
    assert part(client, share_post).status_code == 200


@pytest.mark.django_db
def test_the_grant_cookie_is_signed_http_only_and_sent_only_to_premium_addresses(
    client, share_post, settings
):
    response = share(client, share_post)
    cookie = response.cookies[premium.COOKIE]
    assert cookie["path"] == "/premium/"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    with pytest.raises(signing.BadSignature):  # signed for this use only
        signing.loads(cookie.value, salt="another.use")
    granted = signing.loads(cookie.value, salt=premium.SALT)
    assert [item[0] for item in granted] == [share_post.pk]
    settings.SESSION_COOKIE_SECURE = True
    assert share(Client(), share_post).cookies[premium.COOKIE]["secure"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [
        "[[%d, 1]]",  # unsigned
        "signed-with-another-salt",
        "tampered",
        "",
    ],
)
def test_a_forged_or_altered_grant_unlocks_nothing(client, share_post, value):
    now = int(timezone.now().timestamp())
    if value == "signed-with-another-salt":
        value = signing.dumps([[share_post.pk, now]], salt="something.else")
    elif value == "tampered":
        # A good grant for this post, its signature changed by one character.
        good = signing.dumps([[share_post.pk, now]], salt=premium.SALT)
        value = good[:-1] + ("A" if good[-1] != "A" else "B")
    elif "%d" in value:
        value = value % share_post.pk
    client.cookies[premium.COOKIE] = value
    response = part(client, share_post)
    assert response.status_code == 403
    assert SECRET not in response.content.decode()


@pytest.mark.django_db
def test_a_grant_for_another_post_in_a_good_cookie_unlocks_only_that_post(
    client, share_post
):
    other = make_premium_post(mode="share")
    now = int(timezone.now().timestamp())
    client.cookies[premium.COOKIE] = signing.dumps([[other.pk, now]], salt=premium.SALT)
    assert part(client, share_post).status_code == 403
    assert part(client, other).status_code == 200


@pytest.mark.django_db
def test_a_grant_lasts_thirty_days(share_post):
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        share(client, share_post)
    with time_machine.travel(start + timedelta(days=29, hours=23), tick=False):
        assert part(client, share_post).status_code == 200
    with time_machine.travel(start + timedelta(days=30, minutes=1), tick=False):
        assert part(client, share_post).status_code == 403


@pytest.mark.django_db
def test_an_older_grant_in_the_cookie_expires_on_its_own(share_post):
    """Each post's grant keeps its own time: sharing another post renews nothing else."""
    other = make_premium_post(mode="share")
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        share(client, share_post)
    with time_machine.travel(start + timedelta(days=20), tick=False):
        share(client, other)
    with time_machine.travel(start + timedelta(days=31), tick=False):
        assert part(client, share_post).status_code == 403
        assert part(client, other).status_code == 200


@pytest.mark.django_db
def test_the_cookie_keeps_the_newest_fifty_grants(client):
    posts = [make_premium_post(mode="share") for _ in range(premium.MAX_GRANTS + 1)]
    start = timezone.now()
    for minute, post in enumerate(posts):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            response = share(client, post)
    assert len(response.cookies[premium.COOKIE].value) < 2000
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert part(client, posts[0]).status_code == 403
        assert part(client, posts[1]).status_code == 200
        assert part(client, posts[-1]).status_code == 200
        # Sharing the oldest kept one again makes it the newest.
        share(client, posts[1])
        share(client, posts[0])
        assert part(client, posts[1]).status_code == 200
        assert part(client, posts[2]).status_code == 403


@pytest.mark.django_db
def test_sharing_a_members_only_post_unlocks_nothing(client):
    post = make_premium_post(mode="members")
    response = share(client, post)
    assert response.status_code == 403
    assert response.json()["granted"] is False
    assert premium.COOKIE not in response.cookies
    assert part(client, post).status_code == 403
    form = share(client, post, json=False)
    assert form.status_code == 403
    assert SECRET not in form.content.decode()
    assert "/accounts/membership/" in form.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["members", "share"])
def test_members_and_staff_read_the_part_without_sharing(mode):
    post = make_premium_post(mode=mode)
    for user, expected in [
        (make_member(), 200),
        (make_user(is_staff=True), 200),
        (make_user(), 403),
        (None, 403),
    ]:
        client = Client()
        if user is not None:
            client.force_login(user)
        response = part(client, post)
        assert response.status_code == expected
        assert (SECRET in response.content.decode()) is (expected == 200)


@pytest.mark.django_db
def test_a_revoked_member_no_longer_reads_the_part(client):
    from django.contrib.auth.models import Group

    post = make_premium_post(mode="members")
    reader = make_member()
    client.force_login(reader)
    assert part(client, post).status_code == 200
    reader.groups.remove(Group.objects.get(name="Members"))
    assert part(client, post).status_code == 403


@pytest.mark.django_db
def test_premium_answers_are_never_kept_by_any_cache(client, share_post):
    answers = [
        part(client, share_post),  # 403
        client.get("/premium/%d/" % share_post.pk),  # 403 page
        share(client, share_post),
        share(client, share_post, json=False),
        part(client, share_post),  # 200
        client.get("/premium/%d/" % share_post.pk),  # 200 page
    ]
    for response in answers:
        control = response["Cache-Control"]
        assert "private" in control and "no-store" in control, response
        assert "Cookie" in response["Vary"]
        assert "noindex" in response["X-Robots-Tag"]


@pytest.mark.django_db
def test_the_page_cache_never_stores_a_premium_answer(share_post, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    member = Client()
    member.force_login(make_member())
    assert part(member, share_post).status_code == 200
    anonymous = Client()
    for _round in range(2):
        response = part(anonymous, share_post)
        assert response.status_code == 403
        assert SECRET not in response.content.decode()
        assert response.get("X-Page-Cache") != "hit"


@pytest.mark.django_db
def test_bad_share_requests_get_clear_answers(client, share_post):
    url = "/premium/%d/shared" % share_post.pk
    assert client.post(url).status_code == 400
    assert client.post(url, {"via": "myspace"}).status_code == 400
    assert client.post(url + "?via=myspace").status_code == 400
    assert client.post(url + "?via=x").status_code == 303  # the brief's ?via= works too
    assert client.get(url + "?via=x").status_code == 405
    assert (
        client.post("/premium/999999999999999999/shared", {"via": "x"}).status_code
        == 404
    )
    assert client.post("/premium/9999999999999999999999/shared").status_code == 404
    free = make_post()
    assert client.post("/premium/%d/shared" % free.pk, {"via": "x"}).status_code == 404
    draft = make_draft(premium_body="<p>%s</p>" % SECRET, premium_mode="share")
    for address in ["/premium/%d/shared", "/premium/%d/part", "/premium/%d/"]:
        response = client.post(address % draft.pk, {"via": "x"})
        assert response.status_code in (404, 405)
        response = client.get(address % draft.pk)
        assert response.status_code in (404, 405)
        assert SECRET not in response.content.decode()
    assert client.post("/premium/%d/part" % share_post.pk).status_code == 405


# Without JavaScript ------------------------------------------------------------


@pytest.mark.django_db
def test_without_javascript_a_share_leads_to_the_premium_page_with_the_share_link(
    client, share_post
):
    response = share(client, share_post, via="whatsapp", json=False)
    assert response.status_code == 303
    assert response["Location"] == "/premium/%d/?via=whatsapp" % share_post.pk
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert SECRET in html
    assert "Unlocked: thank you for sharing." in html
    assert 'href="https://wa.me/?text=Budget+talks+in+Kochi' in html
    assert "Share on WhatsApp" in html
    assert 'href="%s"' % share_post.get_absolute_url() in html


@pytest.mark.django_db
def test_without_javascript_copy_link_shows_the_address_to_copy(client, share_post):
    response = share(client, share_post, via="copy", json=False)
    html = client.get(response["Location"]).content.decode()
    assert re.search(
        r'<input id="premium-address"[^>]*readonly value="http://testserver%s"'
        % re.escape(share_post.get_absolute_url()),
        html,
    )
    assert SECRET in html


@pytest.mark.django_db
def test_without_javascript_the_refused_premium_page_offers_the_share_buttons(
    client, share_post
):
    response = client.get("/premium/%d/" % share_post.pk)
    html = response.content.decode()
    assert response.status_code == 403
    assert SECRET not in html
    assert "Please share to unlock" in html
    assert html.count('class="unlock-form"') == 5
    assert 'action="/premium/%d/shared"' % share_post.pk in html


@pytest.mark.django_db
def test_a_share_form_sent_without_a_token_is_offered_again_then_unlocks(share_post):
    """The cached page's forms carry no CSRF token: one confirmation, then the grant."""
    client = Client(enforce_csrf_checks=True)
    url = "/premium/%d/shared" % share_post.pk
    refused = client.post(url, {"via": "facebook"}, HTTP_SEC_FETCH_SITE="same-origin")
    html = refused.content.decode()
    assert refused.status_code == 403
    assert "Sharing this post to unlock its premium part" in html
    assert "Shared on" in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    sent = client.post(
        url,
        {"via": "facebook", "csrfmiddlewaretoken": token},
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert sent.status_code == 303
    assert part(client, share_post).status_code == 200


@pytest.mark.django_db
def test_a_share_from_another_site_is_refused_and_not_offered_again(share_post):
    client = Client(enforce_csrf_checks=True)
    url = "/premium/%d/shared" % share_post.pk
    refused = client.post(url, {"via": "x"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert refused.status_code == 403
    assert "csrfmiddlewaretoken" not in refused.content.decode()
    assert premium.COOKIE not in refused.cookies


@pytest.mark.django_db
def test_the_script_sends_the_token_it_fetched(share_post):
    client = Client(enforce_csrf_checks=True)
    token = client.get("/csrf-token").json()["token"]
    response = client.post(
        "/premium/%d/shared" % share_post.pk,
        {"via": "copy"},
        HTTP_ACCEPT="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    assert json.loads(response.content)["granted"] is True
    assert part(client, share_post).status_code == 200


# Cost --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_part_costs_one_query_for_a_reader_with_a_grant(
    client, share_post, django_assert_num_queries
):
    share(client, share_post)
    with django_assert_num_queries(1):
        assert part(client, share_post).status_code == 200
    with django_assert_num_queries(1):
        assert part(Client(), share_post).status_code == 403


@pytest.mark.django_db
def test_the_part_costs_a_constant_few_queries_for_a_member(
    share_post, django_assert_num_queries
):
    client = Client()
    client.force_login(make_member())
    part(client, share_post)  # the site settings row is made on a first request
    # The user (with the member check, accounts/backends.py) and the post;
    # the session comes from the cache.
    with django_assert_num_queries(2):
        assert part(client, share_post).status_code == 200


@pytest.mark.django_db
def test_the_demo_gets_one_share_to_unlock_post(client):
    import io

    from accounts.demo import load_demo_share_post

    make_premium_post(mode="members", title="The newest, members only")
    older = make_post(
        title="An older story", published_at=timezone.now() - timedelta(days=1)
    )
    out = io.StringIO()
    assert load_demo_share_post(out) is True
    older.refresh_from_db()
    assert older.premium_mode == "share" and older.premium_body
    assert older.get_absolute_url() in out.getvalue()
    assert load_demo_share_post(io.StringIO()) is False
    html = client.get(older.get_absolute_url()).content.decode()
    assert "Please share to unlock" in html
