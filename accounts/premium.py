"""
Who may read a post's premium part, and the share grants (docs/premium.md).

A member (articles.roles.is_member) reads every premium part. On a post whose
editor chose *share to unlock*, a reader who pressed one of its share buttons
reads it too: the share endpoint gives their browser a grant, a cookie signed
with the site's secret (django.core.signing) that lists the posts they shared
and when. The server reads it on every request for a premium part, so a
forged, altered or expired grant unlocks nothing, and a grant for one post
unlocks no other.

The cookie's path is /premium/: browsers send it only to the premium
endpoints, never with a page, so the page cache keeps serving the one shared
copy of every page to a reader who holds grants.
"""

import time

from django.conf import settings
from django.core import signing

from articles.models import PremiumMode

from .backends import reads_premium

COOKIE = "premium_grants"
COOKIE_PATH = "/premium/"
SALT = "accounts.premium.grants"
# How long one share unlocks its post, and how many posts a cookie lists (the
# newest grants are kept): about 20 bytes each, well under a cookie's 4 KB.
GRANT_SECONDS = 30 * 24 * 3600
MAX_GRANTS = 50


def granted(request, *, now=None):
    """{post id: time granted} of the request's grant cookie, expired ones left out."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return {}
    try:
        data = signing.loads(value, salt=SALT, max_age=GRANT_SECONDS)
    except signing.BadSignature:
        return {}
    now = time.time() if now is None else now
    grants = {}
    if not isinstance(data, list):
        return {}
    for item in data[: MAX_GRANTS * 2]:
        if (
            isinstance(item, list)
            and len(item) == 2
            and all(type(value) is int for value in item)
            and now - GRANT_SECONDS < item[1] <= now + 60
        ):
            grants[item[0]] = item[1]
    return grants


def add_grant(request, response, post):
    """Give the browser a grant for `post`, keeping its newest other grants."""
    now = int(time.time())
    grants = granted(request, now=now)
    grants.pop(post.pk, None)
    grants[post.pk] = now
    newest = sorted(grants.items(), key=lambda item: item[1])[-MAX_GRANTS:]
    value = signing.dumps([list(item) for item in newest], salt=SALT, compress=True)
    response.set_cookie(
        COOKIE,
        value,
        max_age=GRANT_SECONDS,
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def member(request):
    user = getattr(request, "user", None)
    return user is not None and reads_premium(user)


def may_read(request, post):
    """Whether this request may be sent `post`'s premium part."""
    if member(request):
        return True
    return post.premium_mode == PremiumMode.SHARE and post.pk in granted(request)


def unlocks_by_sharing(post):
    return post.premium_mode == PremiumMode.SHARE


def box_context(request, post, *, member_view):
    """
    What the premium box shows of `post`: to a member (`member_view`), a way
    to the part; to anyone else the share buttons of a share-to-unlock post,
    or the way to membership. Never the premium text itself.
    """
    from urllib.parse import urlencode

    from django.urls import reverse

    from .sharing import unlock_buttons

    user = getattr(request, "user", None)
    address = post.get_absolute_url()
    if request is not None:
        address = request.build_absolute_uri(address)
    share = unlocks_by_sharing(post)
    membership_url = reverse("membership")
    return {
        "post": post,
        "has_premium": bool(post.premium_body),
        "mode": post.premium_mode,
        "member_view": member_view,
        "unlock": unlock_buttons(address, post.title)
        if share and not member_view
        else [],
        "part_url": reverse("premium_part", args=[post.pk]),
        "page_url": reverse("premium_page", args=[post.pk]),
        "shared_url": reverse("premium_shared", args=[post.pk]),
        "membership_url": membership_url,
        "login_url": "%s?%s"
        % (reverse("login"), urlencode({"next": post.get_absolute_url()})),
        "signup_url": "%s?%s"
        % (reverse("signup"), urlencode({"next": membership_url})),
        "is_authenticated": bool(user and user.is_authenticated),
    }
