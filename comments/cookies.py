"""A signed cookie lists the reader's own held comments, so only they see them."""

from datetime import timedelta

COOKIE_NAME = "newsroom_comments"
SALT = "comments.own"
MAX_AGE = int(timedelta(days=30).total_seconds())
MAX_REMEMBERED = 20


def own_comment_ids(request):
    """Ids of the comments this browser wrote (signed, so they cannot be forged)."""
    value = request.get_signed_cookie(
        COOKIE_NAME, default="", salt=SALT, max_age=MAX_AGE
    )
    return [int(part) for part in value.split(",") if part.isdigit()]


def remember_comment(request, response, comment):
    """Add a comment to the reader's cookie, keeping the newest few."""
    ids = [pk for pk in own_comment_ids(request) if pk != comment.pk]
    ids = (ids + [comment.pk])[-MAX_REMEMBERED:]
    response.set_signed_cookie(
        COOKIE_NAME,
        ",".join(str(pk) for pk in ids),
        salt=SALT,
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
