"""
Sign-up with a confirmed address, the same answer whether or not the address
has an account, and the caps on sign-up and password-reset mails.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from tests.accounts.helpers import (
    WRONG_PASSWORD_ERROR,
    last_mail_to,
    link_in,
    sign_in,
    signed_in,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kerala-backwaters-2026"


def _sign_up(client, username, email, ip="10.0.0.1", next_url=""):
    data = {
        "username": username,
        "display_name": username.title(),
        "email": email,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/signup/", data, REMOTE_ADDR=ip)


def test_an_account_signs_in_only_once_its_address_is_confirmed(client):
    response = _sign_up(client, "asha", "asha@example.com", next_url="/search")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/sent/?next=%2Fsearch"
    assert not signed_in(client)
    user = get_user_model().objects.get(username="asha")
    assert user.email == "asha@example.com"
    assert not user.is_active
    assert not user.is_staff
    message = last_mail_to("asha@example.com")
    assert message.subject == "Confirm your e-mail address on Local Glob"
    link = link_in(message, "/accounts/signup/confirm/")
    # Not before the address is confirmed; the owner is told why.
    refused = sign_in(Client(), "asha", NEW_PASSWORD)
    assert refused.status_code == 200
    assert "Please confirm your e-mail address first" in refused.content.decode()
    assert WRONG_PASSWORD_ERROR in sign_in(Client(), "asha", "wrong").content.decode()
    # Opening the link shows a button; it confirms, signs in and goes on.
    page = client.get(link)
    assert page.status_code == 200
    get_user_model().objects.get(username="asha", is_active=False)
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/search"
    assert signed_in(client)
    assert get_user_model().objects.get(username="asha").is_active
    # The link has done its work: it signs nobody in again.
    again = Client()
    response = again.post(link)
    assert "Address already confirmed" in response.content.decode()
    assert not signed_in(again)
    assert sign_in(Client(), "asha", NEW_PASSWORD, ip="10.0.0.2").status_code == 302


def test_a_confirmation_link_expires_and_cannot_be_forged(frozen_now):
    _sign_up(Client(), "late", "late@example.com")
    link = link_in(last_mail_to("late@example.com"), "/accounts/signup/confirm/")
    forged = Client().post(link[:-3] + "xx/")
    assert forged.status_code == 400
    assert "This link is not valid" in forged.content.decode()
    frozen_now.shift(timedelta(days=3, minutes=1))
    expired = Client().post(link)
    assert expired.status_code == 400
    assert "This link has expired" in expired.content.decode()
    assert not get_user_model().objects.get(username="late").is_active


def _page_text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_sign_up_answers_the_same_whether_or_not_the_address_has_an_account():
    owner = make_user(username="meera", email="meera@example.com")
    known = Client()
    response_known = _sign_up(known, "other", "MEERA@example.com")
    unknown = Client()
    response_unknown = _sign_up(unknown, "fresh", "fresh@example.com")
    assert response_known.status_code == response_unknown.status_code == 302
    assert response_known["Location"] == response_unknown["Location"]
    assert _page_text(known.get(response_known["Location"])) == _page_text(
        unknown.get(response_unknown["Location"])
    )
    # No second account for the known address; its owner is told how to get in.
    assert not get_user_model().objects.filter(username="other").exists()
    assert (
        get_user_model().objects.filter(email__iexact="meera@example.com").count() == 1
    )
    message = last_mail_to("meera@example.com")
    assert message.subject == "You already have an account on Local Glob"
    assert 'Your username is "meera"' in message.body
    reset = link_in(message, "/accounts/reset/")
    resetter = Client()
    form = resetter.get(reset, follow=True)
    assert "Choose a new password" in form.content.decode()
    resetter.post(
        form.redirect_chain[-1][0],
        {"new_password1": "monsoon-rains-2026", "new_password2": "monsoon-rains-2026"},
    )
    owner.refresh_from_db()
    assert owner.check_password("monsoon-rains-2026")


def test_signing_up_again_before_confirming_sends_the_link_again():
    _sign_up(Client(), "asha", "asha@example.com")
    response = _sign_up(Client(), "asha2", "asha@example.com")
    assert response["Location"] == "/accounts/signup/sent/"
    assert not get_user_model().objects.filter(username="asha2").exists()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Confirm your e-mail address on Local Glob"
    assert 'Someone signed up as "asha"' in mail.outbox[1].body


def test_usernames_stay_unique_they_are_shown_on_comments():
    make_user(username="ravi")
    response = _sign_up(Client(), "ravi", "ravi2@example.com")
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert mail.outbox == []


def test_sign_up_never_redirects_off_site():
    client = Client()
    _sign_up(client, "third", "third@example.com", next_url="https://evil.example/")
    link = link_in(last_mail_to("third@example.com"), "/accounts/signup/confirm/")
    assert "evil" not in link
    response = client.post(link + "?next=https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_up_is_capped_per_address_and_mails_per_recipient(frozen_now):
    # At most 3 account mails to one address an hour, whatever the sender...
    statuses = [
        _sign_up(
            Client(), "u%d" % n, "victim@example.com", ip="10.1.0.%d" % n
        ).status_code
        for n in range(5)
    ]
    assert statuses == [302] * 5
    assert len(mail.outbox) == 3
    # ...and 10 sign-up posts per address an hour: then 429, what was typed kept.
    client = Client()
    for number in range(10):
        _sign_up(client, "p%d" % number, "p%d@example.com" % number, ip="10.2.0.1")
    response = _sign_up(client, "p10", "p10@example.com", ip="10.2.0.1")
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    html = response.content.decode()
    assert "Too many requests from your network. Please wait" in html
    assert 'value="p10@example.com"' in html
    assert not get_user_model().objects.filter(username="p10").exists()
    frozen_now.shift(timedelta(hours=1))
    assert _sign_up(client, "p10", "p10@example.com", ip="10.2.0.1").status_code == 302


def test_a_sign_up_mail_that_cannot_be_sent_is_a_form_error(mail_server_down):
    response = _sign_up(Client(), "asha", "asha@example.com")
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not send the e-mail just now" in html
    assert 'value="asha@example.com"' in html
    assert 'value="asha"' in html
    # No half-made account holds the username.
    assert not get_user_model().objects.filter(username="asha").exists()


def test_password_reset_mails_are_capped_per_recipient_and_address(frozen_now):
    make_user(username="meera", email="meera@example.com")
    for number in range(5):
        response = Client().post(
            "/accounts/password_reset/",
            {"email": "meera@example.com"},
            REMOTE_ADDR="10.3.0.%d" % number,
        )
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 3
    client = Client()
    for number in range(10):
        response = client.post(
            "/accounts/password_reset/",
            {"email": "x%d@example.com" % number},
            REMOTE_ADDR="10.4.0.1",
        )
        assert response.status_code == 302
    response = client.post(
        "/accounts/password_reset/", {"email": "y@example.com"}, REMOTE_ADDR="10.4.0.1"
    )
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert "Please wait" in response.content.decode()
    assert len(mail.outbox) == 3


def test_a_reset_mail_that_cannot_be_sent_is_a_form_error(mail_server_down):
    make_user(username="meera", email="meera@example.com")
    response = Client().post(
        "/accounts/password_reset/", {"email": "meera@example.com"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not send the e-mail just now" in html
    assert 'value="meera@example.com"' in html
