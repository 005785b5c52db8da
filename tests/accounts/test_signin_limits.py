"""
Sign-in limits (accounts/limits.py on newsroom/ratelimit.py): per address
across usernames, per username across addresses, the owner's device cookie and
unlock link, 429 + Retry-After on the readers' and the admin's sign-in.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from accounts import devices
from tests.accounts.helpers import (
    PASSWORD,
    last_mail_to,
    link_in,
    sign_in,
    signed_in,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

WAIT_MESSAGE = "Too many sign-in attempts. Please wait 15 minutes and try again."


def _lock_out(username, tries=5, url="/accounts/login/"):
    """Wrong passwords for `username`, each from its own address and browser."""
    for number in range(tries):
        response = sign_in(
            Client(), username, "wrong", ip="10.8.0.%d" % (number + 1), url=url
        )
        assert response.status_code == 200
        # The password was checked: the readers' or the admin's wrong-password error.
        assert "correct username and password" in response.content.decode()


def test_spraying_many_usernames_from_one_address_is_limited(frozen_now):
    names = ["reader%d" % number for number in range(10)]
    for name in names:
        make_user(username=name)
    sprayer = Client()
    statuses = []
    for _round in range(3):
        for name in names:
            statuses.append(
                sign_in(sprayer, name, "wrong", ip="203.0.113.7").status_code
            )
    # 20 attempts per address in 15 minutes were checked; the other 10 were not.
    assert statuses == [200] * 20 + [429] * 10, statuses
    # Even the right password is not checked from that address now...
    response = sign_in(sprayer, "reader0", PASSWORD, ip="203.0.113.7")
    assert response.status_code == 429
    assert not signed_in(sprayer)
    # ...while another address is unaffected, and the window ends.
    assert sign_in(Client(), "reader1", PASSWORD, ip="198.51.100.2").status_code == 302
    frozen_now.shift(timedelta(minutes=16))
    assert sign_in(sprayer, "reader0", PASSWORD, ip="203.0.113.7").status_code == 302


def test_one_username_is_limited_across_addresses(frozen_now):
    make_user(username="target")
    _lock_out("target")
    # A sixth address, even with the right password, is refused unchecked.
    elsewhere = Client()
    response = sign_in(elsewhere, "target", PASSWORD, ip="192.0.2.99")
    assert response.status_code == 429
    assert WAIT_MESSAGE in response.content.decode()
    assert not signed_in(elsewhere)
    frozen_now.shift(timedelta(minutes=16))
    assert sign_in(elsewhere, "target", PASSWORD, ip="192.0.2.99").status_code == 302


def test_usernames_are_counted_case_insensitively(frozen_now):
    make_user(username="target")
    for number, name in enumerate(["target", "TARGET", "Target", "tArget", "targeT"]):
        sign_in(Client(), name, "wrong", ip="10.7.0.%d" % number)
    assert sign_in(Client(), "target", PASSWORD, ip="10.7.1.1").status_code == 429


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_refused_sign_in_answers_429_with_retry_after(frozen_now, url):
    make_user(username="editor", is_staff=True)
    _lock_out("editor", url=url)
    client = Client()
    response = sign_in(client, "editor", PASSWORD, ip="10.9.9.9", url=url)
    assert response.status_code == 429
    # The frozen clock stands at the start of a 15-minute window.
    assert response["Retry-After"] == "900"
    html = response.content.decode()
    assert WAIT_MESSAGE in html
    # The owner is told where to ask for an unlock link.
    assert "/accounts/unlock/" in html
    assert not signed_in(client)
    frozen_now.shift(timedelta(minutes=10))
    response = sign_in(client, "editor", PASSWORD, ip="10.9.9.9", url=url)
    assert response["Retry-After"] == "300"
    assert "Please wait 5 minutes" in response.content.decode()


def test_the_owners_browser_keeps_its_way_in_with_the_device_cookie(frozen_now):
    make_user(username="owner")
    browser = Client()
    assert sign_in(browser, "owner", PASSWORD, ip="10.1.1.1").status_code == 302
    cookie = browser.cookies[devices.COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    browser.post("/accounts/logout/")
    _lock_out("owner", tries=4)  # the owner's own sign-in counted once
    assert sign_in(Client(), "owner", PASSWORD, ip="10.1.1.3").status_code == 429
    # The owner's browser, from any address, is held only by its own limit.
    assert sign_in(browser, "owner", PASSWORD, ip="10.1.1.2").status_code == 302
    # A device cookie names one user: the attacker's own does not help them...
    make_user(username="attacker")
    attacker = Client()
    assert sign_in(attacker, "attacker", PASSWORD, ip="10.6.6.6").status_code == 302
    attacker.post("/accounts/logout/")
    assert sign_in(attacker, "owner", PASSWORD, ip="10.6.6.6").status_code == 429
    # ...and neither does a forged one.
    forged = Client()
    forged.cookies[devices.COOKIE_NAME] = cookie.value[:-2] + "xx"
    assert sign_in(forged, "owner", PASSWORD, ip="10.6.6.7").status_code == 429


def test_the_device_cookie_is_secure_in_production(settings):
    settings.SESSION_COOKIE_SECURE = True
    make_user(username="owner")
    browser = Client()
    sign_in(browser, "owner", PASSWORD)
    assert browser.cookies[devices.COOKIE_NAME]["secure"]


def test_a_device_has_its_own_limit_and_a_success_clears_it(frozen_now):
    make_user(username="forgetful")
    browser = Client()
    assert sign_in(browser, "forgetful", PASSWORD).status_code == 302
    browser.post("/accounts/logout/")
    for _attempt in range(9):
        assert sign_in(browser, "forgetful", "wrong").status_code == 200
    assert sign_in(browser, "forgetful", PASSWORD).status_code == 302
    browser.post("/accounts/logout/")
    for _attempt in range(10):
        assert sign_in(browser, "forgetful", "wrong").status_code == 200
    assert sign_in(browser, "forgetful", PASSWORD).status_code == 429


def test_the_trusted_proxy_header_names_the_client(settings, frozen_now):
    settings.NEWSROOM = {**settings.NEWSROOM, "CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}
    names = ["reader%d" % number for number in range(7)]
    for name in names:
        make_user(username=name)
    proxy = "10.0.0.1"  # every request arrives from the proxy
    sprayer = Client()
    statuses = [
        sign_in(
            sprayer, name, "wrong", ip=proxy, HTTP_X_REAL_IP="203.0.113.50"
        ).status_code
        for _round in range(3)
        for name in names
    ]
    assert statuses == [200] * 20 + [429]
    # Another reader behind the same proxy is counted on their own.
    reader = Client()
    response = sign_in(
        reader, "reader6", PASSWORD, ip=proxy, HTTP_X_REAL_IP="198.51.100.4"
    )
    assert response.status_code == 302


def test_the_unlock_link_lets_this_browser_in_once_and_expires(frozen_now):
    make_user(username="owner", email="owner@example.com")
    _lock_out("owner")
    browser = Client()
    refused = sign_in(browser, "owner", PASSWORD, ip="10.2.2.2")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert 'action="/accounts/unlock/"' in html
    assert 'name="username" value="owner"' in html
    response = browser.post(
        "/accounts/unlock/", {"username": "owner"}, REMOTE_ADDR="10.2.2.2"
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/unlock/sent/"
    link = link_in(last_mail_to("owner@example.com"), "/accounts/unlock/")
    # Opening the link changes nothing (mail scanners open links)...
    page = browser.get(link)
    assert page.status_code == 200
    assert devices.COOKIE_NAME not in browser.cookies
    # ...its button lets this browser in, once.
    assert browser.post(link).status_code == 200
    assert devices.COOKIE_NAME in browser.cookies
    assert sign_in(browser, "owner", PASSWORD, ip="10.2.2.2").status_code == 302
    other = Client()
    used = other.post(link)
    assert used.status_code == 400
    assert "This link was already used" in used.content.decode()
    assert devices.COOKIE_NAME not in other.cookies
    # A fresh link expires after an hour.
    late = Client()
    late.post("/accounts/unlock/", {"username": "owner"}, REMOTE_ADDR="10.2.2.3")
    expiring = link_in(last_mail_to("owner@example.com"), "/accounts/unlock/")
    assert expiring != link
    frozen_now.shift(timedelta(minutes=61))
    expired = late.post(expiring)
    assert expired.status_code == 400
    assert "This link has expired" in expired.content.decode()
    assert devices.COOKIE_NAME not in late.cookies


def test_asking_for_an_unlock_link_answers_the_same_and_is_capped(frozen_now):
    make_user(username="owner", email="owner@example.com")
    make_user(username="free", email="free@example.com")
    _lock_out("owner")
    answers = [
        Client().post(
            "/accounts/unlock/", {"username": name}, REMOTE_ADDR="10.3.0.%d" % n
        )
        for n, name in enumerate(["nobody", "free", "owner"])
    ]
    # The same answer for an unknown account, one not held and a held one.
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/accounts/unlock/sent/")
    }
    assert [message.to for message in mail.outbox] == [["owner@example.com"]]
    # At most 3 unlock mails per account and hour, and the answer stays.
    for number in range(5):
        response = Client().post(
            "/accounts/unlock/", {"username": "owner"}, REMOTE_ADDR="10.4.0.%d" % number
        )
        assert response["Location"] == "/accounts/unlock/sent/"
    assert len(mail.outbox) == 3
    # One address may ask 10 times an hour; then 429 with the wait named.
    asker = Client()
    for _attempt in range(10):
        asker.post("/accounts/unlock/", {"username": "x"}, REMOTE_ADDR="10.5.0.1")
    response = asker.post(
        "/accounts/unlock/", {"username": "x"}, REMOTE_ADDR="10.5.0.1"
    )
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert "Please wait" in response.content.decode()
    assert 'value="x"' in response.content.decode()


def test_an_unlock_mail_that_cannot_be_sent_is_a_form_error(
    mail_server_down, frozen_now
):
    make_user(username="owner", email="owner@example.com")
    _lock_out("owner")
    response = Client().post("/accounts/unlock/", {"username": "owner"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not send the e-mail just now" in html
    assert 'value="owner"' in html
