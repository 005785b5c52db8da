from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import OneRowSettings
from newsroom.ratelimit import address_group


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def on(self, target):
        """Comments on `target`, a post or a page."""
        return self.filter(**{target_kind(target): target})

    def approved_count_for(self, post_ref):
        """
        An expression counting the approved comments of the post `post_ref`
        (usually `OuterRef("pk")`): one subquery inside the list's own query.
        """
        counts = (
            self.approved()
            .filter(post=post_ref)
            .order_by()
            .values("post")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return Coalesce(Subquery(counts, output_field=IntegerField()), 0)

    def with_open_reports(self):
        """
        `open_reports`: how many readers' reports wait for a moderator (one
        subquery in the list's own query).
        """
        counts = (
            Report.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True)
            .order_by()
            .values("comment")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return self.annotate(
            open_reports=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
        )

    def for_public_page(self, target, *, own_ids=(), with_pending=False):
        """
        Everything the page of `target` (a post or a page) shows, in one
        query: approved comments, the
        reader's own pending ones (`own_ids`), every pending one for
        moderators, and hidden comments that still have approved replies
        (shown as placeholders so their replies keep their thread).
        """
        has_approved_reply = Exists(
            Comment.objects.approved().filter(parent=OuterRef("pk"))
        )
        shown = Q(status=Comment.Status.APPROVED) | Q(has_approved_reply=True)
        if with_pending:
            shown |= Q(status=Comment.Status.PENDING)
        elif own_ids:
            shown |= Q(status=Comment.Status.PENDING, pk__in=list(own_ids))
        return (
            self.on(target)
            .annotate(has_approved_reply=has_approved_reply)
            .filter(shown)
            .order_by("created_at", "pk")
        )


def target_kind(target):
    """ "post" or "page": the field of `Comment` that points at `target`."""
    kind = target._meta.model_name
    if kind not in Comment.TARGET_FIELDS:
        raise TypeError("Comments belong to a post or a page, not %r." % target)
    return kind


def closed_message(target):
    """What a reader is told when `target` takes no more comments."""
    if target_kind(target) == "page":
        return gettext("Comments are closed on this page.")
    return gettext("Comments are closed on this post.")


class Comment(models.Model):
    # The models a comment can be on, each through the field of its name.
    TARGET_FIELDS = ("post", "page")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        SPAM = "spam", _("Spam")
        REMOVED = "removed", _("Removed")

        @property
        def is_hidden(self):
            """Spam and removed comments leave at most a placeholder."""
            return self in (self.SPAM, self.REMOVED)

    post = models.ForeignKey(
        "articles.Post",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        help_text=_("The post the comment is on; empty for a comment on a page."),
    )
    page = models.ForeignKey(
        "articles.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        help_text=_(
            "The static page (/p/...html) the comment is on; empty for a "
            "comment on a post."
        ),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        help_text=_(
            "The thread's first comment. Threads are two levels deep: a reply "
            "to a reply joins the same thread."
        ),
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(
        _("e-mail"),
        blank=True,
        help_text=_("Given by the reader for the moderators; never shown."),
    )
    text = models.TextField(
        _("text"), help_text=_("Plain text; shown escaped, with links made safe.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        help_text=_("The signed-in account that wrote it, if any."),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        help_text=_("Only approved comments are shown and counted."),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When moderators were told about this held comment."),
    )
    blogger_id = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        help_text=_("The comment's id on Blogger, kept so old #c links still work."),
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        permissions = [("moderate_comment", _("Can moderate comments"))]
        indexes = [
            models.Index(
                fields=["post", "status", "created_at"], name="comment_post_status_idx"
            ),
            models.Index(
                fields=["page", "status", "created_at"], name="comment_page_status_idx"
            ),
            models.Index(fields=["status", "created_at"], name="comment_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, page__isnull=True)
                | Q(post__isnull=True, page__isnull=False),
                name="comment_on_post_or_page",
                violation_error_message=_("A comment is on exactly one post or page."),
            ),
        ]

    def __str__(self):
        return "%s: %s" % (self.name, self.text[:50])

    def get_absolute_url(self):
        return "%s#%s" % (self.target.get_absolute_url(), self.anchor)

    def clean(self):
        if self.parent_id is not None:
            if self.parent.parent_id is not None:
                raise ValidationError(
                    {"parent": _("A reply belongs to a thread's first comment.")}
                )
            if (self.parent.post_id, self.parent.page_id) != (
                self.post_id,
                self.page_id,
            ):
                raise ValidationError(
                    {
                        "parent": _(
                            "A reply belongs to a comment on the same post or page."
                        )
                    }
                )

    @property
    def target(self):
        """The post or the page the comment is on."""
        return self.post if self.post_id is not None else self.page

    @property
    def anchor(self):
        """The element id Blogger used (`c<ID>`), so old links keep working."""
        return "c%s" % (self.blogger_id or self.pk)

    @property
    def blogger_url(self):
        """Blogger's comment permalink: `?showComment=<ms since epoch>#c<ID>`."""
        return "%s?showComment=%d#%s" % (
            self.target.get_absolute_url(),
            int(self.created_at.timestamp() * 1000),
            self.anchor,
        )

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    @property
    def is_hidden(self):
        return self.Status(self.status).is_hidden


class ModerationEvent(models.Model):
    """One moderator decision: the audit list of who did what, and when."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        SPAM = "spam", _("Marked as spam")
        REMOVE = "remove", _("Removed")
        RESTORE = "restore", _("Restored")
        KEEP = "keep", _("Kept after reports")
        TRUSTED = "trusted", _("Approved: trusted reader")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    from_status = models.CharField(max_length=10, choices=Comment.Status.choices)
    to_status = models.CharField(max_length=10, choices=Comment.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who decided; empty for an automatic decision."),
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation log")

    def __str__(self):
        return "%s: %s" % (self.get_action_display(), self.comment_id)


class Report(models.Model):
    """
    A reader's report of a comment: one per reader (account, else address)
    and comment. Open reports lift the comment to the top of the queue until a
    moderator decides on it.
    """

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abusive or hateful")
        OFF_TOPIC = "off-topic", _("Off-topic")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(
        _("reason"), max_length=10, choices=Reason.choices, default=Reason.SPAM
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("What the reader added, for the moderators; never shown."),
    )
    reporter = models.CharField(
        max_length=80,
        editable=False,
        help_text=_(
            "Who reported, once per comment: the account (user:ID), else the "
            "address (an IPv6 /64 counts as one)."
        ),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When a moderator decided on the comment; open until then."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="report_once_per_reader"
            ),
        ]
        indexes = [
            models.Index(fields=["comment", "resolved_at"], name="report_open_idx"),
        ]

    def __str__(self):
        return gettext("Report of comment %(id)s: %(reason)s") % {
            "id": self.comment_id,
            "reason": self.get_reason_display(),
        }


class BlockQuerySet(models.QuerySet):
    def matching(self, *, user=None, email="", address=""):
        """Blocks that hold a comment by this account, e-mail or address."""
        wanted = Q(pk__in=[])
        if user is not None and getattr(user, "pk", None) is not None:
            wanted |= Q(kind=Block.Kind.ACCOUNT, user_id=user.pk)
        if email:
            wanted |= Q(kind=Block.Kind.EMAIL, value=email.strip().lower())
        group = address_group(address)
        if group:
            wanted |= Q(kind=Block.Kind.ADDRESS, value=group)
        return self.filter(wanted)


class Block(models.Model):
    """
    A commenter moderators have blocked: by account, e-mail or address
    (IPv4, or the IPv6 /64 the address is in). Their new comments are kept
    as spam.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Account")
        EMAIL = "email", _("E-mail")
        ADDRESS = "address", _("Address")

    kind = models.CharField(_("blocked by"), max_length=10, choices=Kind.choices)
    value = models.CharField(
        _("value"),
        max_length=254,
        help_text=_(
            "The e-mail (lower case), the address (an IPv6 /64 as a network), "
            "or the account's id."
        ),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account"),
    )
    reason = models.CharField(
        _("reason"),
        max_length=200,
        blank=True,
        help_text=_("For the other moderators: why this commenter is blocked."),
    )
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The comment the block was made from."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("blocked by moderator"),
    )
    created_at = models.DateTimeField(_("blocked at"), default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("blocked commenter")
        verbose_name_plural = _("blocked commenters")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="block_once"),
        ]

    def __str__(self):
        if self.kind == self.Kind.ACCOUNT and self.user_id is not None:
            return "%s: %s" % (self.get_kind_display(), self.user)
        return "%s: %s" % (self.get_kind_display(), self.value)


class CommentSettings(OneRowSettings):
    """The one row of comment settings: when comments wait for a moderator."""

    CACHE_KEY = "newsroom:comment-settings"

    class Moderation(models.TextChoices):
        ALWAYS = "always", _("Always")
        OLDER = (
            "older",
            _("Only on posts and pages older than the number of days below"),
        )
        NEVER = "never", _("Never")

    moderation = models.CharField(
        _("comment moderation"),
        max_length=10,
        choices=Moderation.choices,
        default=Moderation.ALWAYS,
        help_text=_(
            "Held comments appear only after a moderator approves them. "
            "Comments by signed-in editors and moderators are never held."
        ),
    )
    moderation_days = models.PositiveSmallIntegerField(
        _("moderate posts and pages older than (days)"),
        default=14,
        help_text=_(
            "With the middle choice, comments on newer posts and pages appear at once."
        ),
    )
    notify_minutes = models.PositiveSmallIntegerField(
        _("e-mail moderators at most every (minutes)"),
        default=15,
        help_text=_(
            "Moderators get one e-mail per post or page for held comments, at most "
            "this often."
        ),
    )

    trusted_after = models.PositiveSmallIntegerField(
        _("trust signed-in readers after (approved comments)"),
        default=0,
        help_text=_(
            "A signed-in reader with this many approved comments, none marked as "
            "spam and no block, is published at once; the moderation log records "
            "it. Comments with links, and anonymous ones, still wait. 0 turns "
            "this off."
        ),
    )

    class Meta:
        verbose_name = _("comment settings")
        verbose_name_plural = _("comment settings")

    def __str__(self):
        return str(_("Comment settings"))

    def holds(self, target, *, now=None):
        """Whether a reader's new comment on `target` (post or page) waits for a moderator."""
        if self.moderation == self.Moderation.ALWAYS:
            return True
        if self.moderation == self.Moderation.NEVER:
            return False
        now = now or timezone.now()
        published_at = target.published_at or now
        return published_at <= now - timedelta(days=self.moderation_days)
