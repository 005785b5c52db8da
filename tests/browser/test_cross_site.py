"""
The one-click CSRF replayed in Chromium: a page on a second loopback origin
auto-posts to the site while an editor, a moderator or a reader is signed in.
Nothing changes, and the refusal offers nothing to click that would send it.
A reader without JavaScript still comments from the site's own page with one
more click.
"""

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from articles.models import Status
from comments.models import Comment
from tests.articles.newsroom_admin import PASSWORD, make_person
from tests.browser.desk import log_in as sign_in
from tests.factories import make_comment, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class AttackerSite:
    """http://127.0.0.1:PORT serving one page that auto-posts `fields` to `action`."""

    def __init__(self):
        self.pages = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                body = site.pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self, name, action, fields):
        inputs = "".join(
            '<input type="hidden" name="%s" value="%s">'
            % (html.escape(key), html.escape(str(value)))
            for key, value in fields
        )
        self.pages["/" + name] = (
            "<!doctype html><title>Win a prize</title>"
            '<form id="f" method="post" action="%s">%s</form>'
            "<script>document.getElementById('f').submit()</script>"
            % (html.escape(action), inputs)
        )
        return self.url + "/" + name

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attacker():
    site = AttackerSite()
    yield site
    site.close()


def assert_nothing_to_click(page):
    expect(page.locator("h1")).to_have_text("Please confirm")
    expect(page.get_by_text("did not come from this site")).to_be_visible()
    assert page.locator("form.resend-form").count() == 0
    assert page.get_by_role("button", name="Send").count() == 0


def test_cross_site_posts_change_nothing_for_a_signed_in_editor(
    live_server, page, attacker
):
    base = live_server.url
    make_person("Editors", username="editor")
    draft = make_post(title="Embargoed story", status=Status.DRAFT)
    held = make_comment(make_post(), status=Comment.Status.PENDING)
    sign_in(page, base, "editor")

    attacks = [
        # The reported attack: the admin's bulk "publish now".
        (
            "/admin/articles/post/",
            [("action", "publish_now"), ("_selected_action", draft.pk)],
        ),
        # Moderation: approve and delete a held comment.
        ("/comments/%d/approve/" % held.pk, [("x", "1")]),
        ("/comments/%d/delete/" % held.pk, [("x", "1")]),
        # Sign-out and password change are account POSTs too.
        (
            "/accounts/password_change/",
            [("new_password1", "owned-by-attacker-1"), ("new_password2", "x")],
        ),
    ]
    for number, (path, fields) in enumerate(attacks):
        with page.expect_response(base + path) as answer:
            page.goto(attacker.page("attack%d" % number, base + path, fields))
        assert answer.value.status == 403, path
        page.wait_for_load_state("load")
        assert_nothing_to_click(page)

    draft.refresh_from_db()
    held.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert held.status == Comment.Status.PENDING
    # Still signed in with the same password: the admin answers.
    page.goto(base + "/admin/")
    expect(page.locator("#user-tools")).to_contain_text("Log out")


def test_cross_site_sign_in_and_comment_are_refused(live_server, page, attacker):
    base = live_server.url
    make_person("Editors", username="mallory")
    post = make_post(title="Harbour reopens")

    # Login CSRF: signing the victim in to the attacker's account.
    page.goto(
        attacker.page(
            "login",
            base + "/accounts/login/",
            [("username", "mallory"), ("password", PASSWORD)],
        )
    )
    page.wait_for_url(base + "/accounts/login/")
    assert_nothing_to_click(page)
    page.goto(base + "/admin/")
    expect(page).to_have_url(base + "/admin/login/?next=/admin/")

    # A comment in the reader's name, from another site.
    page.goto(
        attacker.page(
            "comment",
            base + "/comments/post/%d/" % post.pk,
            [("name", "Victim"), ("text", "Buy cheap pills"), ("email", "")],
        )
    )
    page.wait_for_url(base + "/comments/post/%d/" % post.pk)
    assert_nothing_to_click(page)
    assert not Comment.objects.exists()


def test_reader_without_javascript_comments_with_one_more_click(
    live_server, browser, settings
):
    settings.COMMENTS = {"MIN_FILL_SECONDS": 1}
    post = make_post(title="Harbour reopens")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + post.get_absolute_url())
        page.get_by_label("Name").fill("Asha")
        page.get_by_role("textbox", name="Comment").fill(
            "Glad the boats are out again."
        )
        page.locator("#comment-form button[type=submit]").click()
        page.wait_for_load_state("load")
        expect(page.locator("h1")).to_have_text("Please confirm")
        expect(
            page.get_by_text("What will be sent: Your comment on this post.")
        ).to_be_visible()
        expect(page.locator(".confirm-fields")).to_contain_text(
            "Glad the boats are out again."
        )
        # The confirmation's form token was issued at the first attempt: the
        # minimum fill time runs from there, so a person reads, then sends.
        page.wait_for_timeout(1200)
        page.get_by_role("button", name="Send").click()
        page.wait_for_load_state("load")
        expect(page.locator("#comments")).to_contain_text(
            "Your comment is awaiting moderation."
        )
    finally:
        context.close()
    comment = Comment.objects.get()
    assert comment.text == "Glad the boats are out again."
    assert comment.status == Comment.Status.PENDING
