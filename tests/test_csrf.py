import re

import pytest
from django.test import Client

from comments.models import Comment
from tests.comments.helpers import form_data
from tests.factories import make_post

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


def test_comment_without_token_is_refused_but_nothing_typed_is_lost(strict_client):
    post = make_post()
    data = form_data(post, name="Asha", text="Hello <b>there</b>\nsecond line")
    refused = strict_client.post("/comments/post/%d/" % post.pk, data)
    html = refused.content.decode()
    assert refused.status_code == 403
    assert Comment.objects.count() == 0
    # The reader's words are shown escaped and carried in the confirmation form.
    assert "Hello &lt;b&gt;there&lt;/b&gt;<br>second line" in html
    assert (
        '<input type="hidden" name="text" value="Hello &lt;b&gt;there&lt;/b&gt;' in html
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    resent = dict(data, csrfmiddlewaretoken=token)
    response = strict_client.post("/comments/post/%d/" % post.pk, resent)
    assert response.status_code == 302
    assert Comment.objects.get().text == data["text"]


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
