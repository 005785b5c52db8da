"""
What comments add to articles' pages, through articles' registration hook
(articles/extensions.py; articles imports no other app), and which pages a
change of a comment purges (pagecache/registry.py).
"""

from django.db.models import Exists

from articles import extensions
from pagecache import registry

from .models import Comment, CommentSettings


def register():
    # Cards: the approved count, a subquery in the list's own query.
    extensions.add_card_annotation("comment_count", Comment.objects.approved_count_for)
    extensions.add_template("card_meta", "comments/includes/card_count.html")
    # A page closed to comments that never had any (About, Contact) shows no
    # comment section at all: the page's view reads whether it has any.
    extensions.add_page_annotation("has_comments", _page_has_comments)
    extensions.add_template("post_end", "comments/includes/post_comments.html")
    extensions.add_template("page_end", "comments/includes/page_comments.html")
    extensions.add_dashboard_part(_queue_counts)
    extensions.add_demo_loader(_load_demo)

    registry.register(Comment, comment_tags)
    registry.register(CommentSettings, ["site"])


def _page_has_comments(page_ref):
    return Exists(Comment.objects.filter(page=page_ref))


def _queue_counts(context):
    from django.template.loader import render_to_string

    from .templatetags.comments_admin import comment_queue_counts

    return render_to_string(
        "comments/admin/queue_counts.html", comment_queue_counts(context)
    )


def _load_demo(out):
    from .demo import load_demo_comments
    from .roles import ensure_moderators

    # The demo's moderator account is in this group; tests flush it.
    ensure_moderators()
    return load_demo_comments(out)


def comment_tags(comment, *, created=False, **change):
    """
    The post or page it is under, and the lists showing its count and the
    comment feeds. A new comment held for moderation (or as spam) shows only
    to its author, whose cookie bypasses the cache: it purges nothing.
    """
    if created and comment.status in (Comment.Status.PENDING, Comment.Status.SPAM):
        return []
    # Counts on cards are part of the post's cards (tagged with the post).
    return [target_tag(comment), "feeds"]


def target_tag(comment_or_target):
    """The tag of the post or page a comment (or a comment section) is under."""
    item = comment_or_target
    if hasattr(item, "post_id") and hasattr(item, "page_id"):
        if item.post_id is not None:
            return "post:%d" % item.post_id
        return "page:%d" % item.page_id
    return "%s:%d" % (item._meta.model_name, item.pk)
