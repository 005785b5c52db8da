"""What the comment tests share: a form as a browser sends it, and reading the answer."""

import re
import time
from html import unescape

from django.urls import reverse

from comments.models import target_kind
from comments.spam import make_token


def aged_token(target, seconds=60):
    """A fresh form token as if the reader had begun writing `seconds` ago."""
    return make_token(target_kind(target), target.pk, at=time.time() - seconds)


def form_data(target, **overrides):
    data = {
        "name": "Asha",
        "email": "",
        "text": "A clear and useful article.",
        "parent": "",
        "website": "",
        "token": aged_token(target),
    }
    data.update(overrides)
    return data


def send(client, target, **overrides):
    """Post the comment form of a post or a page as a reader would."""
    url = reverse("comments:%s" % target_kind(target), args=[target.pk])
    return client.post(url, form_data(target, **overrides))


def section(response):
    """The page's comments section."""
    html = response.content.decode()
    start = html.index('<section id="comments"')
    return html[start : html.index("</section>", start)]


def errors(response):
    """The form's top error text, unescaped."""
    match = re.search(
        r'<div class="form-errors" role="alert">(.*?)</div>', section(response), re.S
    )
    return unescape(match.group(1)) if match else ""
