from django import template
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from articles.people import display_name
from pagecache.store import remember

from ..cookies import own_comment_ids
from ..forms import NAME_MAX_LENGTH, CommentForm
from ..models import Comment, closed_message, target_kind
from ..pages import target_tag
from ..spam import form_token
from ..text import comment_html

register = template.Library()


@register.filter(name="comment_html")
def comment_html_filter(text):
    """A comment's plain text as safe HTML: escaped, line breaks, nofollow links."""
    return comment_html(text)


def build_threads(comments, *, own_ids, can_moderate):
    """
    Threads two levels deep, oldest first: first comments with their replies
    in `thread_replies`. A hidden first comment stays only as a placeholder
    for its replies.
    """
    by_id = {}
    threads = []
    for comment in comments:
        comment.is_own = comment.pk in own_ids
        comment.show_text = comment.is_approved or (
            comment.is_pending and (comment.is_own or can_moderate)
        )
        comment.thread_replies = []
        if comment.parent_id is None:
            by_id[comment.pk] = comment
            threads.append(comment)
    for comment in comments:
        if comment.parent_id is not None and comment.show_text:
            thread = by_id.get(comment.parent_id)
            if thread is not None:
                thread.thread_replies.append(comment)
    return [thread for thread in threads if thread.show_text or thread.thread_replies]


SECTION = "comments/includes/comment_section.html"


def _target_context(target):
    """What every part of the comments section reads about its post or page."""
    kind = target_kind(target)
    return {
        "target": target,
        "target_url": target.get_absolute_url(),
        "comment_url": reverse("comments:%s" % kind, args=[target.pk]),
        "closed_message": closed_message(target),
    }


# Bumped when what is shared changes shape (the form stopped carrying a token
# in version 2; comments gained "Report" in version 3, the form "Remember me"
# and sign-in links in version 4), so parts stored by
# older code are never reused.
PART_VERSION = 4


def _key(name, target):
    return "%s:%d:%s:%d:%s" % (
        name,
        PART_VERSION,
        target_kind(target),
        target.pk,
        get_language(),
    )


@register.simple_tag(takes_context=True)
def comment_section(context, target):
    """
    The comments under a post or a page, with the form. One query for all
    comments, whatever their number; a form refused by the comment view
    comes back in the context as `comment_form`, with the reader's text.
    """
    request = context["request"]
    user = request.user
    can_moderate = user.is_authenticated and user.has_perm("comments.moderate_comment")
    own_ids = set(own_comment_ids(request))
    form = context.get("comment_form")
    if not (can_moderate or own_ids or form is not None or "replyto" in request.GET):
        if not user.is_authenticated:
            # What every anonymous reader sees is the same, the form included:
            # it carries no token (static/js/csrf.js fetches one).
            shared = remember(
                _key("comment-section", target),
                lambda: _shared_section(target, user),
                tags=[target_tag(target)],
            )
            return mark_safe(shared)  # noqa: S308 - our own template's output
        # A signed-in reader: the section is the same for every signed-in
        # reader until the next purge but for their name, the form token and
        # their CSRF token, put in for each response.
        shared = remember(
            _key("comment-section-signed-in", target),
            lambda: _signed_in_section(target),
            tags=[target_tag(target)],
        )
        shared = shared.replace(FORM_TOKEN_MARK, escape(form_token(target)))
        shared = shared.replace(CSRF_MARK, get_token(request))
        # The name last, so no mark inside a name is ever replaced.
        name = display_name(user)[:NAME_MAX_LENGTH]
        return mark_safe(shared.replace(NAME_MARK, escape(name)))  # noqa: S308
    comments = list(
        Comment.objects.for_public_page(
            target, own_ids=own_ids, with_pending=can_moderate
        )
    )
    threads = build_threads(comments, own_ids=own_ids, can_moderate=can_moderate)
    if form is None or form.target != target:
        form = CommentForm(target=target, user=user)
        reply_to = request.GET.get("replyto", "")
        form.reply_target = next(
            (
                comment
                for comment in comments
                if str(comment.pk) == reply_to and comment.is_approved
            ),
            None,
        )
        if form.reply_target is not None:
            form.initial["parent"] = form.reply_target.pk
    reply_target = form.reply_target
    section = {
        **_target_context(target),
        "threads": threads,
        "comment_count": sum(1 for comment in comments if comment.is_approved),
        "form": form,
        "reply_target": reply_target,
        "reply_thread_id": reply_target and (reply_target.parent_id or reply_target.pk),
        "can_moderate": can_moderate,
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
    }
    return render_to_string(SECTION, section)


def _shared_comment_list(target):
    comments = list(Comment.objects.for_public_page(target))
    threads = build_threads(comments, own_ids=set(), can_moderate=False)
    html = render_to_string(
        "comments/includes/comment_list.html",
        {**_target_context(target), "threads": threads},
    )
    return sum(1 for comment in comments if comment.is_approved), html


# Stand for what differs between signed-in readers in their shared section:
# plain letters and digits, which escaping and URL-quoting leave as they are.
NAME_MARK = "newsroomCOMMENTERmark0"
FORM_TOKEN_MARK = "newsroomFORMTOKENmark0"  # noqa: S105 - a placeholder
CSRF_MARK = "newsroomCSRFmark0"


class _MarkedReader:
    """What the form and its template read of a signed-in reader, as marks."""

    is_authenticated = True
    email = ""

    def get_full_name(self):
        return NAME_MARK

    def get_username(self):
        return NAME_MARK


def _signed_in_section(target):
    """A signed-in reader's comment section, with marks for what is theirs."""
    count, list_html = _shared_comment_list(target)
    form = CommentForm(target=target, user=_MarkedReader())
    form.initial["token"] = FORM_TOKEN_MARK
    return render_to_string(
        SECTION,
        {
            **_target_context(target),
            "comment_count": count,
            "comment_list_html": list_html,
            "form": form,
            "reply_target": None,
            "user": form.account,
            "csrf_token": CSRF_MARK,
        },
    )


def _shared_section(target, user):
    """An anonymous reader's comment section, its form without a token."""
    count, list_html = _shared_comment_list(target)
    form = CommentForm(target=target, user=user)
    return render_to_string(
        SECTION,
        {
            **_target_context(target),
            "comment_count": count,
            "comment_list_html": list_html,
            "form": form,
            "reply_target": None,
            "user": user,
        },
    )
