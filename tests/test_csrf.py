import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client

from comments import spam
from comments.models import Comment
from tests.comments.helpers import form_data
from tests.factories import make_page, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client():
    return Client(enforce_csrf_checks=True)


def test_anonymous_post_page_carries_no_token_and_sets_no_cookie(strict_client):
    """One cached copy of a post page fits every anonymous reader."""
    post = make_post()
    response = strict_client.get(post.get_absolute_url())
    assert "csrftoken" not in response.cookies
    assert b"csrfmiddlewaretoken" not in response.content
    assert b'data-csrf="lazy"' in response.content


def test_token_endpoint_sets_the_cookie_and_is_never_cached(strict_client):
    response = strict_client.get("/csrf-token")
    assert response.status_code == 200
    assert response.json()["token"]
    assert "csrftoken" in response.cookies
    assert "no-cache" in response["Cache-Control"]


def hidden_fields(html):
    """The hidden fields of the confirmation (or comment) form, as a browser sends them."""
    return [
        (unescape(name), unescape(value))
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html
        )
    ]


def test_comment_without_token_is_refused_but_nothing_typed_is_lost(
    strict_client, frozen_now
):
    post = make_post()
    # As the cached page sends it without JavaScript: no CSRF or form token.
    data = form_data(post, name="Asha", text="Hello <b>there</b>\nsecond line")
    data["token"] = ""
    refused = strict_client.post("/comments/post/%d/" % post.pk, data)
    html = refused.content.decode()
    assert refused.status_code == 403
    assert Comment.objects.count() == 0
    # The reader's words are shown escaped and carried in the confirmation form.
    assert "Hello &lt;b&gt;there&lt;/b&gt;<br>second line" in html
    assert (
        '<input type="hidden" name="text" value="Hello &lt;b&gt;there&lt;/b&gt;' in html
    )
    fields = dict(hidden_fields(html))
    assert fields["csrfmiddlewaretoken"] and fields["token"]
    frozen_now.shift(timedelta(seconds=5))  # a person reads the page, then clicks
    response = strict_client.post("/comments/post/%d/" % post.pk, fields)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.text, comment.status) == (data["text"], Comment.Status.PENDING)


class TestCommentWithoutJavaScript:
    """
    The first POST comes without a CSRF token and without a form token. The
    confirmation page puts in a form token issued at that first attempt, so
    the minimum fill time is measured from a moment the server saw: a reader
    who takes a moment over the confirmation is published, a bot that
    confirms at once is held as spam, and the confirmation sends only once.
    """

    def refused(self, client, target, **fields):
        kind = "post" if target._meta.model_name == "post" else "page"
        data = form_data(target, **{"token": "", **fields})
        response = client.post(
            "/comments/%s/%d/" % (kind, target.pk),
            data,
            HTTP_SEC_FETCH_SITE="same-origin",
        )
        assert response.status_code == 403
        return response.content.decode()

    def test_the_confirmation_carries_a_token_issued_at_the_first_attempt(
        self, strict_client, frozen_now
    ):
        post = make_post()
        html = self.refused(strict_client, post, token="some stale token")
        fields = dict(hidden_fields(html))
        assert fields["token"] != "some stale token"
        token, refusal = spam.read_token(fields["token"], post)
        assert refusal is None
        assert token.age == 0  # issued now, at the refused first attempt
        # Made here, not typed by the reader: sent, but not listed.
        assert "Form check" not in html
        assert "<dt>Comment</dt><dd>A clear and useful article.</dd>" in html

    def test_a_page_comment_gets_a_token_for_its_page(self, strict_client):
        page = make_page(slug="about", comments_open=True)
        fields = dict(hidden_fields(self.refused(strict_client, page)))
        assert spam.read_token(fields["token"], page)[1] is None

    def test_a_bot_confirming_at_once_is_held_and_cannot_confirm_twice(
        self, strict_client, frozen_now
    ):
        post = make_post()
        fields = dict(hidden_fields(self.refused(strict_client, post, text="Spam")))
        url = "/comments/post/%d/" % post.pk
        quick = strict_client.post(url, fields)
        assert "That was very quick" in quick.content.decode()
        frozen_now.shift(timedelta(seconds=10))
        again = strict_client.post(url, {**fields, "text": "More spam"})
        assert "already been sent once" in again.content.decode()
        assert list(Comment.objects.values_list("text", "status")) == [
            ("Spam", Comment.Status.SPAM)
        ]

    def test_a_form_shown_again_sends_without_another_confirmation(
        self, strict_client, frozen_now
    ):
        post = make_post()
        url = "/comments/post/%d/" % post.pk
        fields = dict(hidden_fields(self.refused(strict_client, post, text="Mine")))
        quick = strict_client.post(url, fields)  # too quick: shown again
        html = quick.content.decode()
        form = html[html.index('<form id="comment-form"') :]
        form = form[: form.index("</form>")]
        shown = dict(hidden_fields(form))
        assert shown["csrfmiddlewaretoken"] and shown["token"] != fields["token"]
        frozen_now.shift(timedelta(seconds=5))
        resent = {**shown, "name": "Asha", "email": "", "text": "Mine", "website": ""}
        assert strict_client.post(url, resent).status_code == 302
        assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 1


def test_token_endpoint_gives_a_comment_form_its_own_token(strict_client):
    post = make_post()
    answers = [strict_client.get("/csrf-token?for=post-%d" % post.pk) for _ in range(2)]
    tokens = [answer.json()["form_token"] for answer in answers]
    assert tokens[0] != tokens[1]
    for answer, token in zip(answers, tokens, strict=True):
        assert "no-store" in answer["Cache-Control"]
        assert answer.json()["token"]
        assert spam.read_token(token, post)[1] is None
    for wanted in ("", "user-1", "post-x", "post-1%00"):
        answer = strict_client.get("/csrf-token", {"for": wanted})
        assert answer.status_code == 200
        assert "form_token" not in answer.json()


def test_comment_with_fetched_token_is_accepted(strict_client):
    post = make_post()
    token = strict_client.get("/csrf-token").json()["token"]
    data = dict(form_data(post), csrfmiddlewaretoken=token)
    response = strict_client.post("/comments/post/%d/" % post.pk, data)
    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_language_switch_needs_a_token(strict_client):
    refused = strict_client.post("/i18n/setlang/", {"language": "hi", "next": "/"})
    assert refused.status_code == 403
    assert "django_language" not in refused.cookies
    token = strict_client.get("/csrf-token").json()["token"]
    response = strict_client.post(
        "/i18n/setlang/", {"language": "hi", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "hi"


def test_stale_get_form_failure_offers_no_resend(strict_client):
    response = strict_client.post("/i18n/setlang/")
    assert response.status_code == 403
    assert b"This form has expired" in response.content


# The one-click CSRF: a refused POST is offered again only for a reader's own
# comment, follow or language form sent from this site; never for the admin,
# sign-in, accounts or moderation, and never for a POST from another site.


def test_resend_page_says_what_will_be_sent_and_where(strict_client):
    post = make_post(title="Backwaters")
    data = form_data(post, name="Asha", text="Lovely piece")
    response = strict_client.post(
        "/comments/post/%d/" % post.pk, data, HTTP_SEC_FETCH_SITE="same-origin"
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert "What will be sent: Your comment on this post." in html
    assert "<code>http://testserver/comments/post/%d/</code>" % post.pk in html
    assert "<dt>Name</dt><dd>Asha</dd>" in html
    assert "<dt>Comment</dt><dd>Lovely piece</dd>" in html
    assert 'class="resend-form"' in html
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "http://attacker.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "http://attacker.example/page.html"},
    ],
)
def test_a_comment_posted_from_another_site_is_not_offered_again(
    strict_client, headers
):
    post = make_post()
    response = strict_client.post(
        "/comments/post/%d/" % post.pk, form_data(post), **headers
    )
    _plain_refusal(response)
    assert b"A clear and useful article" not in response.content
    assert Comment.objects.count() == 0


@pytest.fixture
def editor_client(django_user_model):
    user = django_user_model.objects.create_superuser(
        "boss", "boss@example.com", "a-good-test-password"
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _plain_refusal(response):
    assert response.status_code == 403
    assert b"resend-form" not in response.content
    assert b"What will be sent" not in response.content
    assert b"did not come from this site" in response.content


@pytest.mark.parametrize("same_origin", [True, False])
def test_admin_action_without_token_is_refused_plainly(editor_client, same_origin):
    """The reported attack: a bulk 'publish now' posted to the admin."""
    from articles.models import Status

    post = make_post(status=Status.DRAFT)
    headers = {"HTTP_SEC_FETCH_SITE": "same-origin" if same_origin else "cross-site"}
    response = editor_client.post(
        "/admin/articles/post/",
        {"action": "publish_now", "_selected_action": [post.pk]},
        **headers,
    )
    _plain_refusal(response)
    post.refresh_from_db()
    assert post.status == Status.DRAFT


@pytest.mark.parametrize(
    "path, data",
    [
        ("/accounts/login/", {"username": "attacker", "password": "x"}),
        ("/admin/login/", {"username": "attacker", "password": "x"}),
        ("/accounts/signup/", {"username": "a", "email": "a@example.com"}),
        ("/accounts/password_reset/", {"email": "boss@example.com"}),
        ("/accounts/logout/", {}),
    ],
)
def test_account_forms_without_token_are_refused_plainly(strict_client, path, data):
    _plain_refusal(strict_client.post(path, data, HTTP_SEC_FETCH_SITE="same-origin"))


def test_moderation_without_token_is_refused_plainly(editor_client):
    from tests.factories import make_comment

    comment = make_comment(make_post(), status=Comment.Status.PENDING)
    for action in ("approve", "delete"):
        _plain_refusal(
            editor_client.post(
                "/comments/%d/%s/" % (comment.pk, action),
                HTTP_SEC_FETCH_SITE="same-origin",
            )
        )
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
