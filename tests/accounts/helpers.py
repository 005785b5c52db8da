"""Shared steps of the account tests."""

import re

from django.core import mail

PASSWORD = "a-good-test-password"
WRONG_PASSWORD_ERROR = "Please enter a correct username and password"


def sign_in(client, username, password, ip="10.0.0.1", url="/accounts/login/", **extra):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def link_in(message, path_prefix):
    """The path of the first link in `message` that starts with `path_prefix`."""
    match = re.search(
        r"http://testserver(%s\S+)" % re.escape(path_prefix), message.body
    )
    assert match, message.body
    return match.group(1)


def last_mail_to(address):
    sent = [message for message in mail.outbox if address in message.to]
    assert sent, [message.to for message in mail.outbox]
    return sent[-1]
