"""
Signed-in readers and members (issue 19, point 5): their post and label pages
cost one query more than an anonymous reader's (the user, with what the pages
ask of them; the session comes from the cache), whatever the data size; the
parts shared between them never carry one reader's name, token or premium
box to another; their pages stay private; signing out ends the session.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.backends import reads_premium
from articles.models import SiteSettings
from articles.roles import EDITORS, WRITERS, is_member
from tests.accounts.premium_helpers import SECRET, make_member, make_premium_post
from tests.conftest import FROZEN_NOW
from tests.factories import make_comment, make_moderator, make_post, make_user

pytestmark = pytest.mark.django_db

LABEL = "/search/label/TOP%20STORY"
PASSWORD = "a-good-test-password"


@pytest.fixture
def page_cache_on(settings):
    """As in production: shared parts kept between requests."""
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}


def build_site(size):
    for index in range(size):
        post = make_post(
            title="Story %d" % index,
            labels=["TOP STORY", "Movie"][: 1 + index % 2],
            published_at=FROZEN_NOW - timedelta(hours=index + 1),
        )
        if index % 3 == 0:
            make_comment(post)
    target = make_premium_post(mode="share", labels=["TOP STORY"])
    make_comment(target)
    return target


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["reader", "member"])
@pytest.mark.parametrize("page_kind", ["post", "label"])
def test_a_signed_in_page_costs_one_query_more_than_an_anonymous_one(
    frozen_now, who, page_kind
):
    """The user, read with their roles in one query; nothing grows with the data."""
    target = build_site(5)
    SiteSettings.load()
    url = target.get_absolute_url() if page_kind == "post" else LABEL
    person = make_member() if who == "member" else make_user()
    client = signed_in(person)
    anonymous = Client()
    client.get(url)  # the first request of a session warms what every page reads
    anonymous.get(url)
    small = count(client, url)
    assert small == count(anonymous, url) + 1
    build_site(60)
    for number in range(20):
        make_user().groups.add(Group.objects.get_or_create(name="Members")[0])
        if number % 4 == 0:
            make_comment(target)
    anonymous.get(url)  # the related stories, ranked again after the change
    assert count(client, url) == small


@pytest.mark.parametrize("who", ["reader", "member"])
def test_with_shared_parts_warm_a_post_page_costs_two_queries(
    page_cache_on, who, django_assert_num_queries
):
    """The post and the user: the session, sidebar, comments and boxes are kept."""
    post = make_premium_post(mode="share")
    make_comment(post)
    SiteSettings.load()
    client = signed_in(make_member() if who == "member" else make_user())
    client.get(post.get_absolute_url())
    with django_assert_num_queries(2):
        response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def names_and_tokens(html):
    return (
        re.search(r'<span class="account-name">([^<]*)</span>', html)[1],
        re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html),
    )


def test_shared_header_shows_each_reader_their_own_name_and_token(page_cache_on):
    post = make_post()
    SiteSettings.load()
    asha = signed_in(make_user(first_name="Asha <b>&", last_name="Menon"))
    ravi = signed_in(make_user(username="ravi"))
    first = asha.get(post.get_absolute_url()).content.decode()
    second = ravi.get(post.get_absolute_url()).content.decode()
    again = asha.get(post.get_absolute_url()).content.decode()

    assert names_and_tokens(first)[0] == "Asha &lt;b&gt;&amp; Menon"
    assert names_and_tokens(second)[0] == "ravi"
    assert names_and_tokens(again)[0] == "Asha &lt;b&gt;&amp; Menon"
    assert "Asha" not in second and "ravi" not in first
    assert "mark0" not in first + second + again  # no mark is left in
    # Every form's token is a real one, for this reader: signing out works.
    tokens = names_and_tokens(again)[1]
    assert tokens and len(set(tokens)) == len(tokens)
    response = asha.post("/accounts/logout/", {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302
    assert "_auth_user_id" not in asha.session


def test_sign_out_without_the_token_is_refused(page_cache_on):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    client.get(make_post().get_absolute_url())
    assert client.post("/accounts/logout/").status_code == 403
    assert "_auth_user_id" in client.session


def test_members_and_readers_each_get_their_own_premium_box(page_cache_on):
    """The box is shared among members, and among readers: never across."""
    post = make_premium_post(mode="members")
    SiteSettings.load()
    member, reader = signed_in(make_member()), signed_in(make_user())
    for _round in range(2):
        as_member = member.get(post.get_absolute_url()).content.decode()
        as_reader = reader.get(post.get_absolute_url()).content.decode()
        assert "/premium/%d/part" % post.pk in as_member
        assert "Become a member" not in as_member
        assert "Become a member" in as_reader
        # The premium text itself is on neither page: the box fetches it.
        assert SECRET not in as_member and SECRET not in as_reader
    assert member.get("/premium/%d/part" % post.pk).status_code == 200
    assert reader.get("/premium/%d/part" % post.pk).status_code == 403


@pytest.mark.parametrize("who", ["reader", "member"])
def test_signed_in_pages_stay_private_and_out_of_the_page_cache(page_cache_on, who):
    post = make_premium_post(mode="members")
    SiteSettings.load()
    person = make_member() if who == "member" else make_user(first_name="Zora")
    client = signed_in(person)
    for url in (post.get_absolute_url(), LABEL):
        response = client.get(url)
        assert "private" in response["Cache-Control"]
        # Not kept by the page cache: the next anonymous reader's page is new.
        anonymous = Client().get(url)
        assert anonymous["X-Page-Cache"] != "hit"
        html = anonymous.content.decode()
        assert person.get_username() not in html and "Zora" not in html
        assert "Sign in" in html


def test_signing_out_ends_the_session_kept_in_the_cache(page_cache_on):
    """The session is read from the cache: signing out must end it there too."""
    client = signed_in(make_user(first_name="Zora"))
    post = make_post()
    html = client.get(post.get_absolute_url()).content.decode()
    token = names_and_tokens(html)[1][0]
    stolen = client.cookies["sessionid"].value
    client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    replay = Client()
    replay.cookies["sessionid"] = stolen
    html = replay.get(post.get_absolute_url()).content.decode()
    assert "Zora" not in html and "Sign in" in html


def test_a_session_signed_in_before_names_djangos_backend_and_still_works():
    user = make_user(first_name="Zora")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(make_post().get_absolute_url()).content.decode()
    assert '<span class="account-name">Zora</span>' in html


def test_a_wrong_password_is_checked_once(monkeypatch):
    """ModelBackend stays listed for old sessions: it must not hash the password again."""
    from django.contrib.auth import backends

    user = make_user()
    checked, failures = [], []
    real = backends.check_password_with_timing_attack_mitigation

    def counting(*args, **kwargs):
        checked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(
        backends, "check_password_with_timing_attack_mitigation", counting
    )

    def failed(**kwargs):
        failures.append(kwargs["credentials"]["username"])

    user_login_failed.connect(failed)
    try:
        client = Client()
        assert not client.login(username=user.username, password="wrong")
        assert not client.login(username="nobody", password="wrong")
        assert len(checked) == 2
        assert failures == [user.username, "nobody"]
        assert client.login(username=user.username, password=PASSWORD)
    finally:
        user_login_failed.disconnect(failed)


def people():
    writers = Group.objects.get_or_create(name=WRITERS)[0]
    editors = Group.objects.get_or_create(name=EDITORS)[0]
    revoked = make_member()
    revoked.groups.clear()
    direct = make_user()
    direct.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    return {
        "reader": make_user(),
        "member": make_member(),
        "writer": _in(make_user(), writers),
        "editor": _in(make_user(is_staff=True), editors),
        "moderator": make_moderator(),
        "staff": make_user(is_staff=True),
        "superuser": make_user(is_superuser=True),
        "revoked": revoked,
        "direct": direct,
    }


def _in(user, group):
    user.groups.add(group)
    return user


PERMISSIONS = [
    "comments.moderate_comment",
    "articles.publish_post",
    "articles.change_post",
    "accounts.manage_membership",
]


def test_the_backend_answers_permissions_and_membership_as_django_does():
    from django.contrib.auth.backends import ModelBackend

    from accounts.backends import AccountBackend

    for name, person in people().items():
        ours = AccountBackend().get_user(person.pk)
        theirs = ModelBackend().get_user(person.pk)
        assert reads_premium(ours) == is_member(theirs), name
        for permission in PERMISSIONS:
            assert ours.has_perm(permission) == theirs.has_perm(permission), (
                name,
                permission,
            )
    assert AccountBackend().get_user(10**9) is None


def test_an_inactive_account_is_not_signed_in():
    user = make_user()
    client = signed_in(user)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    html = client.get(make_post().get_absolute_url()).content.decode()
    assert "Sign in" in html and "account-name" not in html


def comment_form(html):
    start = html.index('<form id="comment-form"')
    return html[start : html.index("</form>", start)]


def test_each_reader_comments_with_their_own_name_and_tokens(page_cache_on, frozen_now):
    """
    The comment form on a signed-in reader's page names them and carries a
    form token and a CSRF token of their own, however the section is shared.
    """
    from comments import spam
    from comments.models import Comment

    post = make_post()
    make_comment(post, text="An approved comment everyone sees.")
    SiteSettings.load()
    asha = Client(enforce_csrf_checks=True)
    asha.force_login(make_user(first_name="Asha <b>&", last_name="Menon"))
    ravi = Client(enforce_csrf_checks=True)
    ravi.force_login(make_user(username="ravi"))
    forms = {}
    for name, client in (("asha", asha), ("ravi", ravi), ("asha again", asha)):
        html = client.get(post.get_absolute_url()).content.decode()
        assert "An approved comment everyone sees." in html
        assert "mark0" not in html
        forms[name] = comment_form(html)
    assert "Commenting as <strong>Asha &lt;b&gt;&amp; Menon</strong>" in forms["asha"]
    assert "Commenting as <strong>ravi</strong>" in forms["ravi"]
    assert "Asha" not in forms["ravi"] and "ravi" not in forms["asha again"]
    tokens = [re.search(r'name="token" value="([^"]+)"', f)[1] for f in forms.values()]
    assert len(set(tokens)) == 3
    assert all(spam.read_token(token, post)[1] is None for token in tokens)

    frozen_now.shift(30)  # the reader takes their time to write
    form = forms["asha again"]
    response = asha.post(
        re.search(r'action="([^"]+)"', form)[1],
        {
            "csrfmiddlewaretoken": re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', form
            )[1],
            "token": re.search(r'name="token" value="([^"]+)"', form)[1],
            "text": "Signed and sent.",
            "parent": "",
            "website": "",
        },
    )
    assert response.status_code == 302
    assert Comment.objects.get(text="Signed and sent.").name == "Asha <b>& Menon"
