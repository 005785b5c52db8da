"""
The real app (gunicorn, its own SQLite file) behind a real varnishd with the
project's VCL. Changes are made in the server's database through the app's
own code (publishing, label and comment services, saves), run by
`manage.py shell` with the edge's address in DJANGO_EDGE_PURGE_URLS: the
purges the edge receives are the ones the app's signals send.

An edge HIT is answered without the app: it still carries the app's first
answer's `X-Page-Cache: miss` (the app itself would now say "hit").
"""

import html
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from tests.servers import Server, app_server, free_port

from .varnish import AVAILABLE, edge, fetch

pytestmark = [
    pytest.mark.own_server,
    pytest.mark.skipif(
        not AVAILABLE, reason="varnish and varnish-modules are not installed"
    ),
]

PRELUDE = """
import json
from datetime import timedelta
from django.utils import timezone
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from articles import labels as label_service, publishing
from articles.models import Label, Post, SiteSettings, Status
from articles.publishing import State
from comments import services as comment_services
from comments.models import Comment
from tests.factories import make_draft, make_page, make_post
"""

SETUP = (
    PRELUDE
    + """
User = get_user_model()
User.objects.create_superuser("editor", "editor@example.com", "a-good-test-password")
User.objects.create_user("reader", "reader@example.com", "a-good-test-password")
member = User.objects.create_user("member", "member@example.com", "a-good-test-password")
member.groups.add(Group.objects.get_or_create(name="Members")[0])
make_post(title="Standing story", labels=["Standing"])
"""
)

SESSION = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username=%r)
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


@dataclass
class Site:
    server: Server
    base: str

    def run(self, code):
        """Run `code` (after PRELUDE) on the server's database; its last line."""
        return self.server.shell(PRELUDE + code)

    def get(self, path, **headers):
        return fetch(self.base + path, headers=headers)

    def session(self, username):
        return "sessionid=" + self.server.shell(SESSION % username)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("edge-app")
    edge_port = free_port()
    with app_server(
        tmp_path,
        workers=2,
        setup=SETUP,
        DJANGO_EDGE_PURGE_URLS="http://127.0.0.1:%d/" % edge_port,
    ) as server:
        app_port = int(server.base.rsplit(":", 1)[1])
        with edge(tmp_path, app_port, port=edge_port) as base:
            yield Site(server, base)


def cached_twice(site, path, **headers):
    """The page as the edge keeps it: asked for until the edge answers a HIT."""
    status, first_headers, body = site.get(path, **headers)
    assert status == 200, (path, status)
    status, hit_headers, hit_body = site.get(path, **headers)
    assert hit_headers["X-Cache"] == "HIT", (path, hit_headers)
    assert hit_body == body
    return hit_body.decode()


def fresh(site, path, **headers):
    """The edge's next answer for `path`: must come from the app (purged)."""
    status, response_headers, body = site.get(path, **headers)
    assert response_headers["X-Cache"] == "MISS", (path, response_headers)
    return status, body.decode()


def test_an_anonymous_page_is_served_by_the_edge_without_the_app(site):
    status, first, body = site.get("/")
    assert status == 200
    assert first["X-Page-Cache"] in ("miss", "hit")
    status, again, again_body = site.get("/")
    assert (again["X-Cache"], again_body) == ("HIT", body)
    # The app would have answered from its own cache now ("hit").
    assert again["X-Page-Cache"] == first["X-Page-Cache"]
    assert again["X-Varnish"].count(" ") == 1  # this request's id and the stored one's
    assert "Surrogate-Key" not in again and "xkey" not in again
    # Browsers revalidate each time; no cache beyond the edge keeps the page.
    assert again["Cache-Control"] == "max-age=0, must-revalidate"


def test_publish_edit_and_delete_show_at_once(site):
    pk = site.run('print(make_draft(title="Edge draft alpha").pk)')
    assert "Edge draft alpha" not in cached_twice(site, "/")

    url = site.run(
        "post = Post.objects.get(pk=%s)\n"
        "publishing.publish_now(post=post, user=None)\n"
        "print(Post.objects.get(pk=post.pk).get_absolute_url())" % pk
    )
    assert "Edge draft alpha" in fresh(site, "/")[1]
    assert "Edge draft alpha" in cached_twice(site, url)

    site.run(
        "post = Post.objects.get(pk=%s)\n"
        'post.title = "Edge story beta"\n'
        "publishing.save_post(post=post, user=None, was=State.LIVE)" % pk
    )
    status, body = fresh(site, url)
    assert (status, "Edge story beta" in body) == (200, True)
    assert "Edge draft alpha" not in body
    home = fresh(site, "/")[1]
    assert "Edge story beta" in home and "Edge draft alpha" not in home

    cached_twice(site, url)
    site.run("Post.objects.get(pk=%s).delete()" % pk)
    assert fresh(site, url)[0] in (404, 410)
    assert "Edge story beta" not in fresh(site, "/")[1]


def test_a_comment_approved_then_removed(site):
    pk, url = json.loads(
        site.run(
            'post = make_post(title="Edge commented story")\n'
            "print(json.dumps([post.pk, post.get_absolute_url()]))"
        )
    )
    comment = site.run(
        "post = Post.objects.get(pk=%s)\n"
        "comment = Comment.objects.create(post=post, name='Asha', text='Edge comment text',"
        " status=Comment.Status.PENDING)\n"
        "print(comment.pk)" % pk
    )
    assert "Edge comment text" not in cached_twice(site, url)
    site.run(
        "comment_services.comment_approve(comment=Comment.objects.get(pk=%s), actor=None)"
        % comment
    )
    assert "Edge comment text" in fresh(site, url)[1]
    cached_twice(site, url)
    site.run(
        "comment_services.comment_remove(comment=Comment.objects.get(pk=%s), actor=None)"
        % comment
    )
    assert "Edge comment text" not in fresh(site, url)[1]


def label_counts(page):
    """{label name: count} of the sidebar's label list."""
    return {
        html.unescape(name): int(count)
        for name, count in re.findall(
            r'<span class="label-name">([^<]*)</span> <span class="label-count">(\d+)</span>',
            page,
        )
    }


def test_a_label_rename_and_merge_show_with_their_counts(site):
    site.run(
        'make_post(title="Edge rain one", labels=["Edge Rain"])\n'
        'make_post(title="Edge rain two", labels=["Edge Rain"])\n'
        'make_post(title="Edge storm one", labels=["Edge Storm"])'
    )
    label_page = "/search/label/" + quote("Edge Storm")
    counts = label_counts(cached_twice(site, "/"))
    assert (counts["Edge Rain"], counts["Edge Storm"]) == (2, 1)
    assert "Edge storm one" in cached_twice(site, label_page)

    site.run(
        'label_service.label_rename(label=Label.objects.get(name="Edge Rain"),'
        ' new_name="Edge Monsoon")'
    )
    counts = label_counts(fresh(site, "/")[1])
    assert counts["Edge Monsoon"] == 2 and "Edge Rain" not in counts
    cached_twice(site, "/")

    site.run(
        "label_service.label_merge("
        'sources=[Label.objects.get(name="Edge Storm")],'
        ' target=Label.objects.get(name="Edge Monsoon"))'
    )
    counts = label_counts(fresh(site, "/")[1])
    assert counts["Edge Monsoon"] == 3 and "Edge Storm" not in counts
    # The merged label's page now redirects to the target's.
    status, _body = fresh(site, label_page)
    assert status in (301, 302)


def test_the_site_settings_show_at_once(site):
    assert "Edge Gazette" not in cached_twice(site, "/")
    site.run(
        "settings = SiteSettings.load()\n"
        'settings.name = "Edge Gazette"\n'
        "settings.save()"
    )
    assert "Edge Gazette" in fresh(site, "/")[1]


def test_a_page_that_does_not_show_an_edited_post_stays_at_the_edge(site):
    about, url = json.loads(
        site.run(
            'page = make_page(title="Edge about us", body="<p>Who we are.</p>")\n'
            # Older than the sidebar's newest posts: shown on its own page only.
            'post = make_post(title="Edge unrelated story",'
            " published_at=timezone.now() - timedelta(days=400))\n"
            "print(json.dumps([page.get_absolute_url(), post.get_absolute_url()]))"
        )
    )
    cached_twice(site, about)
    site.run(
        'post = Post.objects.get(title="Edge unrelated story")\n'
        'post.body = "<p>A corrected body.</p>"\n'
        "publishing.save_post(post=post, user=None, was=State.LIVE)"
    )
    assert "A corrected body." in fresh(site, url)[1]
    assert site.get(about)[1]["X-Cache"] == "HIT"


def test_signed_in_readers_and_members_always_reach_the_app(site):
    pk, url = json.loads(
        site.run(
            'post = make_post(title="Edge premium story",'
            ' premium_body="<p>Edge members-only paragraph.</p>")\n'
            "print(json.dumps([post.pk, post.get_absolute_url()]))"
        )
    )
    anonymous = cached_twice(site, url)
    for username in ("reader", "member"):
        cookie = site.session(username) + "; csrftoken=abc"
        for path in (url, "/"):
            for _request in range(2):
                status, headers, _body = site.get(path, Cookie=cookie)
                assert (status, headers["X-Cache"]) == (200, "PASS")
                assert "private" in headers["Cache-Control"]
    member = site.session("member")
    status, headers, body = site.get("/premium/%d/" % pk, Cookie=member)
    assert (status, headers["X-Cache"]) == (200, "PASS")
    assert "Edge members-only paragraph." in body.decode()
    # The premium text never entered the edge: not in the post's page...
    assert "Edge members-only paragraph." not in anonymous
    status, headers, body = site.get(url)
    assert headers["X-Cache"] == "HIT"
    assert "Edge members-only paragraph." not in body.decode()
    # ...and the premium addresses are never kept, whoever asks.
    for _request in range(2):
        status, headers, body = site.get("/premium/%d/" % pk)
        assert headers["X-Cache"] == "PASS"
        assert "Edge members-only paragraph." not in body.decode()


def test_posts_the_admin_and_preview_links_reach_the_app(site):
    for _request in range(2):
        status, headers, _body = fetch(site.base + "/", method="POST", data=b"x=1")
        assert headers["X-Cache"] == "PASS"
        status, headers, _body = site.get("/admin/")
        assert (status, headers["X-Cache"]) == (302, "PASS")
    preview = site.run(
        "from articles.preview import preview_url\n"
        'print(preview_url(make_draft(title="Edge secret draft")))'
    )
    for _request in range(2):
        status, headers, body = site.get(preview)
        assert (status, headers["X-Cache"]) == (200, "PASS")
        assert "Edge secret draft" in body.decode()
        assert "no-store" in headers["Cache-Control"]


def page_language(body):
    return re.search(r'<html lang="([^"]+)"', body)[1]


def test_languages_follow_the_app_and_never_mix(site):
    path = "/search/label/Standing"
    cases = [
        ({}, "en"),
        ({"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.8"}, "hi"),
        ({"Accept-Language": "en-US,en;q=0.9,hi;q=0.8"}, "en"),
        ({"Accept-Language": "fr-FR, hi;q=0.5"}, "hi"),
        ({"Accept-Language": "ta-IN"}, "en"),
        ({"Accept-Language": "en", "Cookie": "django_language=hi"}, "hi"),
        ({"Accept-Language": "hi", "Cookie": "django_language=en"}, "en"),
    ]
    for round_number in range(2):
        for headers, language in cases:
            status, response_headers, body = site.get(path, **headers)
            assert status == 200
            assert page_language(body.decode()) == language, headers
            assert response_headers["Content-Language"] == language
            if round_number:
                assert response_headers["X-Cache"] == "HIT", headers
    english = site.get(path)[2].decode()
    hindi = site.get(path, **{"Accept-Language": "hi"})[2].decode()
    assert english != hindi


def test_tracking_parameters_share_one_object(site):
    path = "/search/label/Standing"
    status, headers, body = site.get(path + "?max-results=5")
    for query in (
        "?max-results=5&utm_source=twitter&utm_medium=social",
        "?fbclid=IwAR0x&max-results=5",
        "?max-results=5&gclid=abc&_=1733",
        "?m=1&max-results=5",
    ):
        status, headers, again = site.get(path + query)
        assert (status, headers["X-Cache"], again) == (200, "HIT", body), query


def test_jsonp_with_a_random_callback_is_wrapped_by_the_app(site):
    feed = "/feeds/posts/default?alt=json-in-script&max-results=3"
    answers = []
    for number, callback in enumerate(("jQuery35101_17331", "jQuery35101_99882")):
        status, headers, body = site.get(
            feed + "&callback=%s&_=%s" % (callback, callback[-5:])
        )
        assert (status, headers["X-Cache"]) == (200, "PASS")
        # The second callback is wrapped around the JSON the app kept: no render.
        if number:
            assert headers["X-Page-Cache"] == "hit"
        text = body.decode()
        assert re.search(r"(^|\n)%s\(\{" % callback, text), text[:200]
        answers.append(text.replace(callback, "CALLBACK"))
    assert answers[0] == answers[1]
