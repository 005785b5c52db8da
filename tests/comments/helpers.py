"""What the comment tests share: a form as a browser sends it."""

import time

from django.core import signing

from comments.models import target_kind
from comments.spam import TOKEN_SALT


def aged_token(target, seconds=60):
    """A form token as if the post's or page's page had been open for `seconds`."""
    return signing.dumps(
        {target_kind(target): target.pk, "at": time.time() - seconds},
        salt=TOKEN_SALT,
    )


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
