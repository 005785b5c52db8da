"""E-mail to moderators about held comments: one message per post at most every N minutes."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from articles.models import Post, SiteSettings

from .models import Comment, CommentSettings


def moderator_emails():
    """Addresses of active users who may moderate comments."""
    permission = Permission.objects.filter(
        content_type__app_label="comments", codename="moderate_comment"
    ).first()
    can_moderate = Q(is_superuser=True)
    if permission is not None:
        can_moderate |= Q(groups__permissions=permission) | Q(
            user_permissions=permission
        )
    users = (
        get_user_model()
        .objects.filter(can_moderate, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(set(users))


def notify_moderators(*, post, base_url="", now=None):
    """
    Send one e-mail listing the post's held comments moderators have not
    heard about, unless the post had one within the last N minutes; those
    comments then wait for the next held comment or `send_comment_notifications`.
    Return how many comments the e-mail listed.
    """
    now = now or timezone.now()
    window = timedelta(minutes=CommentSettings.load().notify_minutes)
    last = Comment.objects.filter(post=post, notified_at__isnull=False).aggregate(
        last=Max("notified_at")
    )["last"]
    if last is not None and now - last < window:
        return 0
    # One process sends; a second one arriving at the same moment skips.
    lock = "comments:notify-lock:%s" % post.pk
    if not cache.add(lock, 1, timeout=60):
        return 0
    try:
        held = list(Comment.objects.pending().filter(post=post, notified_at=None))
        if not held:
            return 0
        recipients = moderator_emails()
        if recipients:
            site = SiteSettings.load()
            queue = "%s%s?status__exact=pending&post__id__exact=%d" % (
                base_url,
                reverse("admin:comments_comment_changelist"),
                post.pk,
            )
            subject = ngettext(
                "[%(site)s] %(count)d comment awaits moderation on “%(title)s”",
                "[%(site)s] %(count)d comments await moderation on “%(title)s”",
                len(held),
            ) % {"site": site.name, "count": len(held), "title": post.title}
            body = render_to_string(
                "comments/email/held_comments.txt",
                {"post": post, "comments": held, "queue_url": queue, "site": site},
            )
            send_mail(subject, body, None, recipients)
        Comment.objects.filter(pk__in=[comment.pk for comment in held]).update(
            notified_at=now
        )
        return len(held)
    finally:
        cache.delete(lock)


def notify_all(*, base_url="", now=None):
    """Send every post's due e-mail (for cron); return how many comments were listed."""
    posts = (
        Comment.objects.pending()
        .filter(notified_at=None)
        .values_list("post", flat=True)
        .distinct()
    )
    return sum(
        notify_moderators(post=post, base_url=base_url, now=now)
        for post in Post.objects.filter(pk__in=list(posts))
    )
