"""
Corrections: a saved change to a live post that readers are told about.

An editor marks one revision of the post's history as a correction with a
note (the history's "Mark as correction"); readers see "Updated <time> — note"
under the post, newest first, and the post's JSON-LD dateModified counts it
(articles/seo.py). The post's cached pages are purged (articles/purges.py).
"""

from django.db import transaction

from . import roles
from .models import Correction, Status


def may_mark(user):
    """Editors mark, edit and remove corrections; writers do not."""
    return roles.can_edit_any_post(user) or roles.can_publish(user)


def _live(snapshot, moment):
    published_at = snapshot.get("published_at")
    return (
        snapshot.get("status") == Status.PUBLISHED
        and published_at is not None
        and published_at <= moment
    )


def made_while_live(before, after, saved_at):
    """
    Whether a revision (`after`, saved at `saved_at`) changed a post that was
    live before it and still is: publishing a post is no correction, nor is
    an edit to a draft.
    """
    return _live(before, saved_at) and _live(after, saved_at)


def mark(*, post, version, note, user):
    """Mark `version` (a revision of `post`) as a correction, or change its note."""
    with transaction.atomic():
        correction = (
            Correction.objects.select_for_update()
            .filter(post=post, version=version)
            .first()
        )
        if correction is None:
            correction = Correction(
                post=post,
                version=version,
                changed_at=version.revision.date_created,
                created_by=user,
            )
        correction.note = note.strip()
        correction.save()
    return correction
