"""
E-mail to moderators about held comments: one message per post or page at
most every N minutes.
"""

from datetime import timedelta

from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from articles import people
from articles.models import Page, Post, SiteSettings

from .models import Comment, CommentSettings, target_kind


def moderator_emails():
    """Addresses of active users who may moderate comments."""
    users = people.holders("comments.moderate_comment").values_list("email", flat=True)
    return sorted(set(users))


def notify_moderators(*, target, base_url="", now=None):
    """
    Send one e-mail listing the held comments on `target` (a post or a page)
    moderators have not heard about, unless it had one within the last N
    minutes; those
    comments then wait for the next held comment or `send_comment_notifications`.
    Return how many comments the e-mail listed.
    """
    now = now or timezone.now()
    window = timedelta(minutes=CommentSettings.load().notify_minutes)
    kind = target_kind(target)
    comments = Comment.objects.on(target)
    last = comments.filter(notified_at__isnull=False).aggregate(
        last=Max("notified_at")
    )["last"]
    if last is not None and now - last < window:
        return 0
    # One process sends; a second one arriving at the same moment skips.
    lock = "comments:notify-lock:%s:%s" % (kind, target.pk)
    if not cache.add(lock, 1, timeout=60):
        return 0
    try:
        held = list(comments.pending().filter(notified_at=None))
        if not held:
            return 0
        recipients = moderator_emails()
        if recipients:
            site = SiteSettings.load()
            # The admin's own filter of the list: this post's or page's held comments.
            queue = "%s%s?status__exact=pending&%s__id__exact=%d" % (
                base_url,
                reverse("admin:comments_comment_changelist"),
                kind,
                target.pk,
            )
            subject = ngettext(
                "[%(site)s] %(count)d comment awaits moderation on “%(title)s”",
                "[%(site)s] %(count)d comments await moderation on “%(title)s”",
                len(held),
            ) % {"site": site.name, "count": len(held), "title": target.title}
            body = render_to_string(
                "comments/email/held_comments.txt",
                {
                    "target": target,
                    "target_url": base_url + target.get_absolute_url(),
                    "comments": held,
                    "queue_url": queue,
                    "site": site,
                },
            )
            send_mail(subject, body, None, recipients)
        Comment.objects.filter(pk__in=[comment.pk for comment in held]).update(
            notified_at=now
        )
        return len(held)
    finally:
        cache.delete(lock)


def notify_all(*, base_url="", now=None):
    """
    Send every post's and page's due e-mail (for cron); return how many
    comments were listed.
    """
    due = Comment.objects.pending().filter(notified_at=None)
    total = 0
    for model in (Post, Page):
        kind = model._meta.model_name
        ids = due.filter(**{kind + "__isnull": False}).values_list(kind, flat=True)
        for target in model.objects.filter(pk__in=list(ids.distinct())):
            total += notify_moderators(target=target, base_url=base_url, now=now)
    return total
