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
