"""Writes that take several steps: a reader's new comment and each moderator decision."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Page, Post
from newsroom.conf import newsroom_setting
from newsroom.ratelimit import address_group

from .models import (
    Block,
    Comment,
    CommentSettings,
    ModerationEvent,
    Report,
    target_kind,
)
from .notifications import notify_moderators
from .text import count_links

Status = Comment.Status
Action = ModerationEvent.Action

# Each decision: the states it applies to, and the state it leads to.
TRANSITIONS = {
    Action.APPROVE: ({Status.PENDING}, Status.APPROVED),
    Action.SPAM: ({Status.PENDING, Status.APPROVED, Status.REMOVED}, Status.SPAM),
    Action.REMOVE: ({Status.PENDING, Status.APPROVED, Status.SPAM}, Status.REMOVED),
    Action.RESTORE: ({Status.SPAM, Status.REMOVED}, Status.APPROVED),
    # Reports looked at, the comment stays as it is.
    Action.KEEP: ({Status.APPROVED}, Status.APPROVED),
    # The trust rule, for a reader's new comment: no moderator, at once.
    Action.TRUSTED: ({Status.PENDING}, Status.APPROVED),
}


def is_trusted(user):
    """
    Signed-in newsroom staff and moderators: their comments are never held.
    Where the site requires two-factor sign-in of its staff, only a session
    that has passed it is trusted: a stolen password alone posts nothing
    unmoderated under a staff name.
    """
    if not (
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_staff or user.has_perm("comments.moderate_comment"))
    ):
        return False
    if newsroom_setting("REQUIRE_2FA_FOR_STAFF"):
        verified = getattr(user, "is_verified", None)
        return bool(verified is not None and verified())
    return True


def has_earned_trust(user, *, settings: CommentSettings) -> bool:
    """
    Whether a signed-in reader's comments skip moderation under the trust
    rule (`CommentSettings.trusted_after`): an active account with at least
    that many approved comments, none of its comments marked as spam, and no
    block by account or by its e-mail. Anonymous readers are never trusted.
    """
    needed = settings.trusted_after
    if not needed or user is None or not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if Block.objects.matching(user=user, email=user.email or "").exists():
        return False
    counts = Comment.objects.filter(user=user).aggregate(
        approved=Count("pk", filter=Q(status=Status.APPROVED)),
        spam=Count("pk", filter=Q(status=Status.SPAM)),
    )
    return counts["spam"] == 0 and counts["approved"] >= needed


def comment_submit(
    *,
    target: Post | Page,
    name: str,
    text: str,
    email: str = "",
    parent: Comment | None = None,
    user: AbstractBaseUser | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    spam: bool = False,
    base_url: str = "",
) -> Comment:
    """
    Save a reader's comment on `target` (a post or a page) as spam, approved
    or held for moderation
    (CommentSettings decides; staff and moderators are never held), and tell
    the moderators about a held one once the transaction commits.

    A comment that would be held is approved at once, as an automatic
    decision in the moderation log, when its signed-in author has earned
    trust (`has_earned_trust`) and it carries no link. Spam stays spam: the
    spam checks have already spoken (`spam`).
    """
    comment_settings = CommentSettings.load()
    if spam:
        status = Status.SPAM
    elif is_trusted(user) or not comment_settings.holds(target):
        status = Status.APPROVED
    else:
        status = Status.PENDING
    trusted = (
        status == Status.PENDING
        and not count_links(text)
        and has_earned_trust(user, settings=comment_settings)
    )
    comment = Comment(
        **{target_kind(target): target},
        parent=parent,
        name=name,
        email=email,
        text=text,
        user=user if user is not None and user.is_authenticated else None,
        ip_address=ip_address,
        user_agent=user_agent[:300],
        status=status,
    )
    comment.full_clean()
    with transaction.atomic():
        comment.save()
        if trusted:
            # Saved as held, then approved through the moderators' own path,
            # so the log shows the decision (no actor: automatic).
            _moderate(comment=comment, actor=None, action=Action.TRUSTED)
        elif status == Status.PENDING:
            # Robust: a mail server that is down never fails the reader's
            # comment; the notice waits for send_comment_notifications.
            transaction.on_commit(
                lambda: notify_moderators(target=target, base_url=base_url),
                robust=True,
            )
    return comment


def _moderate(
    *, comment: Comment, actor: AbstractBaseUser | None, action: Action
) -> Comment:
    allowed, target = TRANSITIONS[action]
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.status not in allowed:
            raise ValidationError(
                _("A %(status)s comment cannot be %(action)s.")
                % {
                    "status": locked.get_status_display().lower(),
                    "action": action.label.lower(),
                },
                code="invalid_transition",
            )
        previous = locked.status
        if (
            action == Action.KEEP
            and not locked.reports.filter(resolved_at__isnull=True).exists()
        ):
            raise ValidationError(
                _("This comment has no open reports."), code="invalid_transition"
            )
        locked.status = target
        locked.moderated_by = actor
        locked.moderated_at = timezone.now()
        locked.full_clean()
        locked.save(update_fields=["status", "moderated_by", "moderated_at"])
        event = ModerationEvent(
            comment=locked,
            action=action,
            from_status=previous,
            to_status=target,
            actor=actor,
            created_at=locked.moderated_at,
        )
        event.full_clean()
        event.save()
        # A moderator has decided: the readers' reports are answered.
        Report.objects.filter(comment=locked, resolved_at__isnull=True).update(
            resolved_at=locked.moderated_at
        )
    comment.status = locked.status
    comment.moderated_by = locked.moderated_by
    comment.moderated_at = locked.moderated_at
    return comment


def comment_approve(*, comment: Comment, actor: AbstractBaseUser | None) -> Comment:
    """Publish a held comment."""
    return _moderate(comment=comment, actor=actor, action=Action.APPROVE)


def comment_spam(*, comment: Comment, actor: AbstractBaseUser | None) -> Comment:
    """Hide a comment as spam; its approved replies stay under a placeholder."""
    return _moderate(comment=comment, actor=actor, action=Action.SPAM)


def comment_remove(*, comment: Comment, actor: AbstractBaseUser | None) -> Comment:
    """Hide a comment; its approved replies stay under a placeholder."""
    return _moderate(comment=comment, actor=actor, action=Action.REMOVE)


def comment_restore(*, comment: Comment, actor: AbstractBaseUser | None) -> Comment:
    """Publish again a comment that was removed or marked as spam."""
    return _moderate(comment=comment, actor=actor, action=Action.RESTORE)


def comment_keep(*, comment: Comment, actor: AbstractBaseUser | None) -> Comment:
    """Close a published comment's reports and leave it published."""
    return _moderate(comment=comment, actor=actor, action=Action.KEEP)


def comment_report(
    *,
    comment: Comment,
    reason: str,
    note: str = "",
    user: AbstractBaseUser | None = None,
    ip_address: str | None = None,
) -> tuple[Report, bool]:
    """
    A reader's report of a published comment, once per reader (signed-in:
    their account; else their address, an IPv6 /64 as one). Returns the
    report and whether it is new; a second report changes nothing.
    """
    if comment.status != Status.APPROVED:
        raise ValidationError(
            _("Only published comments can be reported."), code="not_published"
        )
    account = user if user is not None and user.is_authenticated else None
    group = address_group(ip_address)
    reporter = "user:%d" % account.pk if account is not None else "addr:%s" % group
    existing = Report.objects.filter(comment=comment, reporter=reporter).first()
    if existing is not None:
        return existing, False
    report = Report(
        comment=comment,
        reason=reason,
        note=note.strip()[:300],
        reporter=reporter,
        user=account,
        address=group,
    )
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # The same reader's second report at the same moment: one is kept.
        return Report.objects.get(comment=comment, reporter=reporter), False
    return report, True


def commenter_block(
    *,
    comment: Comment,
    actor: AbstractBaseUser | None,
    kinds: list[str],
    reason: str = "",
) -> list[Block]:
    """
    Block the commenter who wrote `comment` by each of `kinds` (account,
    e-mail, address) the comment carries. Their new comments are then kept
    as spam. Returns the blocks, existing ones included.
    """
    values = {
        Block.Kind.ACCOUNT: str(comment.user_id) if comment.user_id else "",
        Block.Kind.EMAIL: (comment.email or "").strip().lower(),
        Block.Kind.ADDRESS: address_group(comment.ip_address),
    }
    blocks = []
    with transaction.atomic():
        for kind in kinds:
            value = values.get(Block.Kind(kind), "")
            if not value:
                raise ValidationError(
                    _("This comment has no %(kind)s to block.")
                    % {"kind": Block.Kind(kind).label.lower()},
                    code="nothing_to_block",
                )
            block, _created = Block.objects.get_or_create(
                kind=kind,
                value=value,
                defaults={
                    "user_id": comment.user_id if kind == Block.Kind.ACCOUNT else None,
                    "reason": reason.strip()[:200],
                    "comment": comment,
                    "created_by": actor,
                },
            )
            blocks.append(block)
    return blocks
