"""
The followers' digest: each confirmed follower gets the live posts published
since their last digest, in their labels, once.

Runs may overlap (cron every few minutes, a slow SMTP server): a follower is
claimed by moving `last_sent_at` with a conditional UPDATE, which succeeds for
exactly one run. On PostgreSQL, rows another run holds are skipped rather
than waited for. The claim is committed before mailing so a slow mail server
never holds a database lock; a failed send gives the claim back.
"""

import logging

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from articles.models import Post, SiteSettings

from .mail import absolute_url, send_to_follower
from .models import Follower

logger = logging.getLogger(__name__)

MAX_POSTS = 50


def digest_posts(follower, since, until):
    """Live posts published in (since, until], in the follower's labels if any."""
    posts = Post.objects.published().filter(
        published_at__gt=since, published_at__lte=until
    )
    label_ids = [label.pk for label in follower.labels.all()]
    if label_ids:
        posts = posts.filter(
            pk__in=Post.labels.through.objects.filter(tag_id__in=label_ids).values(
                "content_object_id"
            )
        )
    return posts.newest_first()


def claim(follower, now):
    """Move the follower's watermark to `now`; False when another run has it."""
    rows = Follower.objects.filter(pk=follower.pk, last_sent_at=follower.last_sent_at)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            if not list(
                rows.select_for_update(skip_locked=True).values_list("pk", flat=True)
            ):
                return False
        return rows.update(last_sent_at=now) == 1


def release(follower, now):
    Follower.objects.filter(pk=follower.pk, last_sent_at=now).update(
        last_sent_at=follower.last_sent_at
    )


def send_one(follower, now):
    """Claim, then mail one follower's digest. True when an e-mail was sent."""
    # Read everything before the claim, so that once claimed only the mail
    # itself can fail (and then the claim is given back).
    posts = list(digest_posts(follower, follower.last_sent_at, now)[: MAX_POSTS + 1])
    site = SiteSettings.load()
    if not claim(follower, now) or not posts:
        return False
    more = len(posts) > MAX_POSTS
    posts = posts[:MAX_POSTS]
    try:
        send_to_follower(
            follower,
            ngettext(
                "%(site)s: %(count)d new post",
                "%(site)s: %(count)d new posts",
                len(posts),
            )
            % {"site": site.name, "count": len(posts)},
            "followers/email/digest.txt",
            {
                "posts": [
                    (post, absolute_url(post.get_absolute_url())) for post in posts
                ],
                "more": more,
                "labels": list(follower.labels.all()),
            },
        )
    except Exception:
        release(follower, now)
        raise
    return True


def send_digests(now=None):
    """Mail every due follower; returns the number of e-mails sent."""
    # Never beyond the present: later posts would be skipped for good.
    now = min(now or timezone.now(), timezone.now())
    sent = 0
    due = Follower.objects.due_for_digest(now).prefetch_related("labels").order_by("pk")
    try:
        for follower in due.iterator(chunk_size=500):
            try:
                sent += send_one(follower, now)
            except Exception:
                logger.exception(
                    "Digest to follower %s failed; retried next run.", follower.pk
                )
    except DatabaseError:
        # The list itself could not be read (a database that refuses rather
        # than waits while another run writes): whoever is left is due and
        # is mailed by the next run; nobody is mailed twice.
        logger.exception("Digest run stopped early; the next run goes on.")
    return sent
