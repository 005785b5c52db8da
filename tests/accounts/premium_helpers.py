"""Shared steps of the premium tests: share grants, and cookies sent as a browser sends them."""

from http.cookies import SimpleCookie

from django.contrib.auth.models import Group

from tests.factories import make_post, make_user

SECRET = "zebracorn-premium-paragraph"
PREMIUM_HTML = "<p>Members only: %s and more.</p>" % SECRET
FREE_TEXT = "The free part everyone reads."


def make_premium_post(mode="members", **overrides):
    overrides.setdefault("title", "Budget talks in Kochi")
    overrides.setdefault("body", "<p>%s</p>" % FREE_TEXT)
    overrides.setdefault("premium_body", PREMIUM_HTML)
    overrides.setdefault("labels", ["KERALA"])
    return make_post(premium_mode=mode, **overrides)


def make_member():
    user = make_user()
    user.groups.add(Group.objects.get_or_create(name="Members")[0])
    return user


def share(client, post, via="whatsapp", json=True):
    """Press a share button of `post` (as the script does, or as a plain form)."""
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post("/premium/%d/shared" % post.pk, {"via": via}, **headers)


def part(client, post):
    return client.get("/premium/%d/part" % post.pk)


def browser_get(client, url, **extra):
    """
    GET `url` sending only the cookies whose Path covers it, as a browser does
    (Django's test client sends every cookie everywhere). Cookies set by the
    answer are kept.
    """
    path = url.split("?")[0]
    kept = client.cookies
    sent = SimpleCookie()
    for name, morsel in kept.items():
        if path.startswith(morsel["path"] or "/"):
            sent[name] = morsel
    client.cookies = sent
    try:
        response = client.get(url, **extra)
    finally:
        for name, morsel in client.cookies.items():
            kept[name] = morsel
        client.cookies = kept
    return response
