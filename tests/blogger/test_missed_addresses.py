"""
Issue 16, point 8: 404s on old Blogger addresses are logged (count and last
referrer) and turned into 301s by editors; readers never see the log.
"""

import importlib
import os
import tempfile
from pathlib import Path

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


# One action (issue 16, point 8): the log's best guess and "Redirect here".


def redirect_url(missed):
    return "/admin/blogger/missedaddress/%d/redirect/" % missed.pk


def test_each_row_shows_its_best_guess_with_a_one_click_button(client, editor):
    moved = make_post(title="Monsoon arrives early in Kerala")
    about = make_page(title="About us", slug="about-us")
    label = make_post(labels=["Cricket"]).labels.get()
    renamed = make_post(title="Budget session opens with a walkout")
    for path in [
        "/2019/05/%s.html" % moved.slug,
        "/2019/05/about-us.html",
        "/search/label/cricket",
        "/2018/02/budget-session-opens-walkout_1.html",
        "/2019/05/nothing-like-this-here.html",
    ]:
        client.get(path)
    page = client.get(LOG)
    rows = {row.path: row for row in page.context["cl"].result_list}
    assert rows["/2019/05/%s.html" % moved.slug].guess == moved
    assert rows["/2019/05/about-us.html"].guess == about
    assert rows["/search/label/cricket"].guess == label
    assert rows["/2018/02/budget-session-opens-walkout_1.html"].guess == renamed
    assert rows["/2019/05/nothing-like-this-here.html"].guess is None
    html = page.content.decode()
    assert html.count('class="button redirect-here"') == 4
    assert html.count("Choose another…") == 4
    assert "No likely match" in html
    forms = page.context["redirect_forms"]
    assert {form["target"] for form in forms} == {
        "post:%d" % moved.pk,
        "page:%d" % about.pk,
        "label:%d" % label.pk,
        "post:%d" % renamed.pk,
    }
    # Each button names its own small form, which carries a CSRF token.
    for form in forms:
        assert 'form="%s"' % form["id"] in html
        assert (
            '<form id="%s" method="post" action="%s"'
            % (
                form["id"],
                form["action"],
            )
            in html
        )
    assert html.count("csrfmiddlewaretoken") >= len(forms)


def test_the_log_page_reads_guesses_in_a_bounded_number_of_queries(
    client, editor, django_assert_max_num_queries
):
    for number in range(30):
        make_post(title="Story number %d" % number)
        MissedAddress.objects.create(path="/2019/05/story-number-%d.html" % number)
        MissedAddress.objects.create(path="/search/label/Gone%d" % number)
    # Exact slugs and labels: one query each for every row of the page.
    with django_assert_max_num_queries(25):
        assert client.get(LOG).status_code == 200


def test_one_click_makes_the_301_and_the_row_leaves_the_log(client, editor):
    post = make_post(title="Flood warning for Kochi")
    client.get(OLD_POST, HTTP_REFERER="https://a.example/")
    missed = MissedAddress.objects.get()
    response = client.post(redirect_url(missed), {"target": "post:%d" % post.pk})
    assert response.status_code == 302
    assert response["Location"] == LOG
    redirect = Redirect.objects.get()
    assert (redirect.old_path, redirect.post, redirect.created_by) == (
        OLD_POST,
        post,
        editor,
    )
    assert not MissedAddress.objects.exists()
    message = [str(m) for m in client.get(LOG).context["messages"]]
    assert message == ["%s now answers 301 to %s." % (OLD_POST, post.permalink)]
    client.logout()
    answer = client.get(OLD_POST + "?m=1")
    assert (answer.status_code, answer["Location"]) == (301, post.permalink)
    assert not MissedAddress.objects.exists()


def test_one_click_answers_at_once_with_the_page_cache_on(client, editor, settings):
    settings.NEWSROOM = {**getattr(settings, "NEWSROOM", {}), "PAGE_CACHE": True}
    page = make_page(title="Contact", slug="contact")
    anonymous = type(client)()
    assert anonymous.get("/p/contact-us.html").status_code == 404
    assert anonymous.get("/p/contact-us.html").status_code == 404
    missed = MissedAddress.objects.get()
    assert missed.hits == 2
    client.post(redirect_url(missed), {"target": "page:%d" % page.pk})
    assert anonymous.get("/p/contact-us.html")["Location"] == "/p/contact.html"


def test_one_click_to_a_label(client, editor):
    label = make_post(labels=["TOP STORY"]).labels.get()
    missed = MissedAddress.objects.create(path="/search/label/Top Stories")
    client.post(redirect_url(missed), {"target": "label:%d" % label.pk})
    response = client.get("/search/label/Top%20Stories")
    assert (response.status_code, response["Location"]) == (
        301,
        label.get_absolute_url(),
    )


def test_one_click_needs_csrf(editor):
    from django.test import Client

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(editor)
    post = make_post()
    missed = MissedAddress.objects.create(path=OLD_POST)
    response = checked.post(redirect_url(missed), {"target": "post:%d" % post.pk})
    assert response.status_code == 403
    assert not Redirect.objects.exists()
    # With the token from the log's own form, it goes through.
    page = checked.get(LOG)
    token = page.context["csrf_token"]
    response = checked.post(
        redirect_url(missed),
        {"target": "post:%d" % post.pk, "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302
    assert Redirect.objects.get().post == post


@pytest.mark.parametrize("who", ["anonymous", "reader", "writer", "viewer"])
def test_one_click_needs_the_add_redirect_permission(client, who):
    from django.contrib.auth.models import Permission

    post = make_post()
    missed = MissedAddress.objects.create(path=OLD_POST)
    if who == "reader":
        client.force_login(make_user())
    elif who == "writer":
        grant_editors()
        client.force_login(make_person(roles.WRITERS))
    elif who == "viewer":
        # Staff who may read the log but not make redirects.
        user = make_user(is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_missedaddress"))
        client.force_login(user)
        page = client.get(LOG)
        assert page.status_code == 200
        assert b"button redirect-here" not in page.content
    response = client.post(redirect_url(missed), {"target": "post:%d" % post.pk})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
    assert not Redirect.objects.exists()
    assert MissedAddress.objects.exists()


def test_one_click_refuses_bad_targets_and_get(client, editor):
    missed = MissedAddress.objects.create(path=OLD_POST)
    draft = make_post(status="draft", published_at=None)
    assert client.get(redirect_url(missed)).status_code == 405
    for target in ["", "post:999999", "user:1", "post:x", "post:%d" % draft.pk]:
        response = client.post(redirect_url(missed), {"target": target})
        assert response.status_code == 400, target
    assert (
        client.post("/admin/blogger/missedaddress/999999/redirect/").status_code == 404
    )
    assert not Redirect.objects.exists()


def test_one_click_on_an_address_that_already_has_a_redirect(client, editor):
    post = make_post()
    missed = MissedAddress.objects.create(path=OLD_POST)
    Redirect.objects.create(old_path=OLD_POST, target_path="/elsewhere/")
    response = client.post(
        redirect_url(missed), {"target": "post:%d" % post.pk}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        "%s already has a redirect: change it under Redirects." % OLD_POST
    ]
    assert Redirect.objects.get().target_path == "/elsewhere/"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_clicks_redirect_here_in_the_log(live_server, page):
    """The log in a browser: the guess, one click, the row gone, the 301 live."""
    import urllib.request

    from playwright.sync_api import expect

    from tests.articles.newsroom_admin import PASSWORD

    shots = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-ids"
    make_person(roles.EDITORS, username="editor", first_name="Asha")
    grant_editors()
    post = make_post(title="Monsoon arrives early in Kerala")
    make_page(title="About us", slug="about-us")
    make_post(labels=["Cricket"])
    base = live_server.url
    for path, hits in [
        ("/2019/05/%s.html" % post.slug, 3),
        ("/2019/06/about-us.html", 1),
        ("/search/label/cricket", 2),
        ("/2018/02/nothing-like-this-here.html", 1),
    ]:
        for _ in range(hits):
            asked = urllib.request.Request(
                base + path, headers={"Referer": "https://old.example/x"}
            )
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(asked)

    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(base + LOG)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=shots / "log.png", full_page=True)
    row = page.locator("tr", has_text="/2019/05/%s.html" % post.slug)
    expect(row.locator(".guess")).to_contain_text(post.title)
    row.get_by_role("button", name="Redirect here").click()
    expect(page.locator(".messagelist .success")).to_contain_text("now answers 301")
    page.screenshot(path=shots / "log-after.png", full_page=True)
    expect(page.locator("tr", has_text="/2019/05/%s.html" % post.slug)).to_have_count(0)
    answer = page.request.get(base + "/2019/05/%s.html" % post.slug, max_redirects=0)
    assert (answer.status, answer.headers["location"]) == (301, post.permalink)
