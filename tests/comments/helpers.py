"""What the comment tests share: a form as a browser sends it."""

import time

from django.core import signing

from comments.spam import TOKEN_SALT


def aged_token(post, seconds=60):
    """A form token as if the page had been open for `seconds`."""
    return signing.dumps(
        {"post": post.pk, "at": time.time() - seconds}, salt=TOKEN_SALT
    )


def form_data(post, **overrides):
    data = {
        "name": "Asha",
        "email": "",
        "text": "A clear and useful article.",
        "parent": "",
        "website": "",
        "token": aged_token(post),
    }
    data.update(overrides)
    return data
