"""
Issue 16, point 8: 404s on old Blogger addresses are logged (count and last
referrer) and turned into 301s by editors; readers never see the log.
"""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import roles
from blogger import middleware
from blogger.middleware import looks_like_blogger
from blogger.models import MissedAddress, Redirect
from tests.articles.newsroom_admin import make_person
from tests.factories import make_page, make_post, make_user

pytestmark = pytest.mark.django_db

LOG = "/admin/blogger/missedaddress/"
ADD_REDIRECT = "/admin/blogger/redirect/add/"
OLD_POST = "/2019/05/a-post-that-moved.html"


def grant_editors():
    # ensure_roles() sets only articles' permissions: add blogger's as the
    # migration does.
    module = importlib.import_module("blogger.migrations.0002_editor_permissions")
    module.grant_editors(apps, None)


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS)
    grant_editors()
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "path",
    [
        "/2019/05/old.html",
        "/p/about-us.html",
        "/search/label/Old%20Label",
        "/feeds/posts/default/-/Gone",
        "/2019_05_01_archive.html",
        "/2019/05/",
    ],
)
def test_old_blogger_shapes_are_recognised(path):
    from urllib.parse import unquote

    assert looks_like_blogger(unquote(path))


@pytest.mark.parametrize(
    "path", ["/wp-login.php", "/posts/nothing/", "/2019/05/old.php", "/p/x.htm"]
)
def test_other_shapes_are_not(path):
    assert not looks_like_blogger(path)


def test_a_404_on_an_old_address_is_logged_with_count_and_last_referrer(client):
    assert client.get(OLD_POST, HTTP_REFERER="https://a.example/").status_code == 404
    assert (
        client.get(OLD_POST + "?m=1", HTTP_REFERER="https://b.example/x").status_code
        == 404
    )
    missed = MissedAddress.objects.get()
    assert (missed.path, missed.hits) == (OLD_POST, 2)
    assert missed.last_referrer == "https://b.example/x"
    assert missed.last_seen >= missed.first_seen


def test_a_404_elsewhere_is_not_logged(client):
    assert client.get("/wp-login.php").status_code == 404
    assert client.get("/no/such/thing/").status_code == 404
    assert not MissedAddress.objects.exists()


def test_a_post_a_page_or_a_live_address_is_not_logged(client):
    post = make_post()
    assert client.get(post.get_absolute_url()).status_code == 200
    assert not MissedAddress.objects.exists()


def test_answering_addresses_do_no_database_work_here(client, monkeypatch):
    calls = []
    monkeypatch.setattr(middleware, "find_redirect", lambda path: calls.append(path))
    post = make_post()
    client.get(post.get_absolute_url())
    assert calls == []


def test_the_log_is_capped_but_logged_addresses_still_count(client, monkeypatch):
    monkeypatch.setattr(middleware, "MAX_MISSED_ADDRESSES", 3)
    for number in range(5):
        client.get("/2019/05/gone-%d.html" % number)
    client.get("/2019/05/gone-0.html")
    assert MissedAddress.objects.count() == 3
    assert MissedAddress.objects.get(path="/2019/05/gone-0.html").hits == 2


def test_long_paths_and_referrers_are_bounded(client):
    assert client.get("/2019/05/%s.html" % ("x" * 400)).status_code == 404
    assert not MissedAddress.objects.exists()
    client.get(OLD_POST, HTTP_REFERER="https://r.example/" + "y" * 5000)
    assert len(MissedAddress.objects.get().last_referrer) == 500


@pytest.mark.parametrize(
    "path",
    [
        "/2019/05/x%00y.html",
        "/2019/05/%FF%FE%C3%28.html",
        "/search/label/%27%20OR%201%3D1%20--",
        "/p/%3Cscript%3E.html",
        "/feeds/%ED%A0%80",
        "/search/label/" + "%F0%9F%98%80" * 100,
    ],
)
def test_hostile_old_looking_paths_never_give_a_500(client, path):
    response = client.get(path, HTTP_REFERER="\udcff\x00<script>")
    assert response.status_code in (400, 404)


def test_the_admin_action_turns_a_miss_into_a_301_to_a_post(client, editor):
    post = make_post()
    client.get(OLD_POST, HTTP_REFERER="https://a.example/")
    page = client.get(LOG)
    assert page.status_code == 200
    assert b"https://a.example/" in page.content
    assert (
        b"/admin/blogger/redirect/add/?old_path=%2F2019%2F05%2Fa-post-that-moved.html"
        in page.content
    )
    form = client.get(ADD_REDIRECT, {"old_path": OLD_POST})
    assert form.context["adminform"].form.initial["old_path"] == OLD_POST

    response = client.post(
        ADD_REDIRECT + "?old_path=" + OLD_POST,
        {
            "old_path": OLD_POST,
            "post": post.pk,
            "page": "",
            "label": "",
            "target_path": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    redirect = Redirect.objects.get()
    assert redirect.created_by == editor
    assert not MissedAddress.objects.exists()

    response = client.get(OLD_POST + "?m=1")
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()
    assert not MissedAddress.objects.exists()


def test_redirects_to_a_page_a_label_or_a_path(client, editor):
    page = make_page()
    post = make_post(labels=["Cricket"])
    label = post.labels.get()
    for old, field, value in [
        ("/p/about.html", "page", page.pk),
        ("/search/label/Sport", "label", label.pk),
        ("/feeds/old/posts/default", "target_path", "/feeds/posts/default"),
    ]:
        data = {"old_path": old, "post": "", "page": "", "label": "", "target_path": ""}
        data[field] = value
        assert client.post(ADD_REDIRECT, data).status_code == 302
    assert client.get("/p/about.html")["Location"] == page.get_absolute_url()
    assert client.get("/search/label/Sport")["Location"] == label.get_absolute_url()
    assert client.get("/feeds/old/posts/default")["Location"] == "/feeds/posts/default"
    assert client.head("/p/about.html").status_code == 301


def test_a_redirect_needs_one_local_target(client, editor):
    post = make_post()
    page = make_page()
    base = {
        "old_path": OLD_POST,
        "post": "",
        "page": "",
        "label": "",
        "target_path": "",
    }
    for data in [
        base,
        {**base, "post": post.pk, "page": page.pk},
        {**base, "target_path": "//evil.example/"},
        {**base, "target_path": "https://evil.example/"},
        {**base, "old_path": "2019/no-slash.html", "post": post.pk},
    ]:
        assert client.post(ADD_REDIRECT, data).status_code == 200
    assert not Redirect.objects.exists()


def test_a_live_address_is_never_redirected(client):
    post = make_post()
    Redirect.objects.create(old_path=post.get_absolute_url(), target_path="/elsewhere/")
    assert client.get(post.get_absolute_url()).status_code == 200


def test_redirect_lookup_is_one_query(client):
    Redirect.objects.create(old_path=OLD_POST, target_path="/x/")
    with CaptureQueriesContext(connection) as queries:
        client.get(OLD_POST)
    assert sum("blogger_redirect" in q["sql"] for q in queries.captured_queries) == 1


@pytest.mark.parametrize("who", ["anonymous", "reader", "member", "writer"])
def test_readers_never_see_the_log(client, who):
    MissedAddress.objects.create(path=OLD_POST)
    if who == "reader":
        client.force_login(make_user())
    elif who == "member":
        client.force_login(make_person(roles.MEMBERS))
    elif who == "writer":
        client.force_login(make_person(roles.WRITERS))
        grant_editors()
    for url in (LOG, ADD_REDIRECT, "/admin/blogger/redirect/"):
        response = client.get(url)
        assert response.status_code in (302, 403), (who, url)
    response = client.post(ADD_REDIRECT, {"old_path": OLD_POST, "target_path": "/"})
    assert response.status_code in (302, 403)
    assert not Redirect.objects.exists()


def test_editors_get_the_permissions_from_the_migration():
    from django.contrib.auth.models import Group

    grant_editors()
    editors = Group.objects.get(name=roles.EDITORS)
    codenames = set(
        editors.permissions.filter(content_type__app_label="blogger").values_list(
            "codename", flat=True
        )
    )
    assert {"view_missedaddress", "add_redirect", "delete_redirect"} <= codenames
    assert "add_missedaddress" not in codenames


def test_syncing_the_roles_keeps_what_other_apps_granted():
    """ensure_roles() (the demo loader runs it) replaces only articles' permissions."""
    from django.contrib.auth.models import Group

    grant_editors()
    roles.ensure_roles()
    editors = Group.objects.get(name=roles.EDITORS)
    assert editors.permissions.filter(
        content_type__app_label="blogger", codename="add_redirect"
    ).exists()
