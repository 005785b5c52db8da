"""
Review on the desk: who is told when a post is submitted or sent back, and
how the desk names a post's state and times (in the newsroom's time zone).

The moves themselves, and the ReviewNote each review step leaves, are made by
articles/publishing.py; the admin calls `notify_*` once the move is committed.
"""

import logging
from email.utils import formataddr

from django.core.mail import EmailMessage, mailers
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import people
from .models import ReviewNote, SiteSettings, Status

logger = logging.getLogger(__name__)


def when(moment):
    """A time as the desk says it, in the site's zone: "5 Dec 2026, 14:30 IST"."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return "%s %s" % (date_format(local, "j M Y, H:i"), local.tzname())


def state_text(post):
    """The post's state in words: Draft, In review, Scheduled for …, Live."""
    from .publishing import State, state_of

    state = state_of(post)
    if state == State.SCHEDULED:
        return _("Scheduled for %(when)s") % {"when": when(post.published_at)}
    return {
        State.NEW: _("New"),
        State.DRAFT: _("Draft"),
        State.PENDING: _("In review"),
        State.LIVE: _("Live"),
    }[state]


def editors(*, exclude=None):
    """Active people who may publish and have an e-mail address, by name."""
    users = people.holders("articles.publish_post").order_by(
        "first_name", "last_name", "username"
    )
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return list(users)


def address(user):
    return formataddr((people.display_name(user), user.email))


def change_url(post, base_url=""):
    return base_url + reverse("admin:articles_post_change", args=[post.pk])


def _send(messages):
    """Send through the configured mailer; a mail failure never undoes the move."""
    if not messages:
        return 0
    try:
        return mailers.default.send_messages(messages)
    except Exception:
        logger.exception("Review mail could not be sent")
        return 0


def notify_submitted(note, *, base_url=""):
    """Tell every editor (but the one submitting) that a post waits for review."""
    post, writer = note.post, note.author
    site = SiteSettings.load()
    subject = _("[%(site)s] “%(title)s” is waiting for review") % {
        "site": site.name,
        "title": post.title,
    }
    lines = [
        _("%(writer)s submitted “%(title)s” for review.")
        % {"writer": people.display_name(writer) or _("Someone"), "title": post.title}
    ]
    if note.note:
        lines += ["", note.note]
    lines += ["", _("Review it: %(url)s") % {"url": change_url(post, base_url)}]
    body = "\n".join(lines) + "\n"
    return _send(
        [
            EmailMessage(subject, body, None, [address(editor)])
            for editor in editors(exclude=writer)
        ]
    )


def notify_changes_requested(note, *, base_url=""):
    """Send the editor's note to the post's writer."""
    post, editor = note.post, note.author
    writer = post.author
    if writer is None or not writer.email or not writer.is_active or writer == editor:
        return 0
    site = SiteSettings.load()
    subject = _("[%(site)s] Changes requested on “%(title)s”") % {
        "site": site.name,
        "title": post.title,
    }
    body = "\n".join(
        [
            _("%(editor)s asks for changes to “%(title)s”:")
            % {
                "editor": people.display_name(editor) or _("An editor"),
                "title": post.title,
            },
            "",
            note.note,
            "",
            _(
                "The post is a draft again. Submit it for review when it is ready: %(url)s"
            )
            % {"url": change_url(post, base_url)},
        ]
    )
    return _send([EmailMessage(subject, body + "\n", None, [address(writer)])])


def open_request(post):
    """
    The editor's request for changes the writer has not answered yet: the
    newest review step, when it is one and the post is still a draft.
    """
    if post is None or post.pk is None or post.status != Status.DRAFT:
        return None
    latest = post.reviews.select_related("author").first()
    if latest is None or latest.kind != ReviewNote.Kind.CHANGES_REQUESTED:
        return None
    return latest
