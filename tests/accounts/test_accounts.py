"""Reader accounts: sign in and out, password reset (sign-up and limits: the other files)."""

import re

import pytest
from django.core import mail

from tests.factories import make_user

PASSWORD = "a-good-test-password"


def _sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def _signed_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_pages_look_like_the_site(client):
    for url in [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
        "/follow/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<p class="site-title">' in html
        assert "Local Glob:" in html


@pytest.mark.django_db
def test_sign_in_and_out(client):
    make_user(username="ravi")
    response = _sign_in(client, "ravi", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)
    home = client.get("/").content.decode()
    assert "ravi" in home
    assert "Sign out" in home
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not _signed_in(client)
    assert "Sign in" in client.get("/").content.decode()


@pytest.mark.django_db
def test_password_reset_by_email(client):
    user = make_user(username="meera", email="meera@example.com")
    response = client.post("/accounts/password_reset/", {"email": "meera@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your password on Local Glob"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "monsoon-rains-2026", "new_password2": "monsoon-rains-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("monsoon-rains-2026")
    # The link works once.
    reused = client.get(link, follow=True).content.decode()
    assert "This link is no longer valid" in reused


@pytest.mark.django_db
def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"username": "x" * 5000, "password": "y"},
        {"username": "\x00", "password": "y"},
        {"username": "<script>alert(1)</script>", "password": "y"},
        {},
    ],
)
def test_hostile_sign_in_forms_get_a_form_error(client, data):
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert not _signed_in(client)


@pytest.mark.django_db
def test_sign_in_never_redirects_off_site(client):
    make_user(username="ravi")
    response = client.post(
        "/accounts/login/",
        {"username": "ravi", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
