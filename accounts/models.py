from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.people import display_name


class UnlockLink(models.Model):
    """
    One e-mailed link that lets a browser past a held username (it gets a
    device cookie). The link carries the signed nonce; `used_at` makes it work
    once. Rows older than the links' lifetime are deleted as new ones are made.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return "unlock link %d for user %d" % (self.pk or 0, self.user_id)


class Membership(models.Model):
    """
    A reader's membership: asked for, granted or ended. Premium access reads
    the Members group (articles.roles.is_member); accounts/membership.py
    changes this row and the group together, so the two never disagree.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        MEMBER = "member", _("Member")
        REVOKED = "revoked", _("Revoked")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    state = models.CharField(
        max_length=10,
        choices=State.choices,
        default=State.REQUESTED,
        db_index=True,
        help_text=_("Only members read the members-only part of premium posts."),
    )
    since = models.DateTimeField(
        default=timezone.now,
        db_index=True,
        help_text=_("When the current state began."),
    )
    requested_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the reader last asked to join.")
    )
    granted_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(
        blank=True,
        help_text=_(
            "Why the membership was ended or the request declined; the e-mail "
            "that tells the reader includes it."
        ),
    )

    class Meta:
        ordering = ["-since", "-pk"]
        verbose_name = _("membership")
        verbose_name_plural = _("members")
        permissions = [("manage_membership", _("Can grant and revoke membership"))]

    def __str__(self):
        return display_name(self.user)


class MembershipEvent(models.Model):
    """One change of a membership: who did what, and when."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(
        max_length=10, blank=True, choices=Membership.State.choices
    )
    to_state = models.CharField(max_length=10, choices=Membership.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The reader for a request, the editor for a grant or revoke."),
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("membership change")
        verbose_name_plural = _("membership changes")

    def __str__(self):
        return "%s -> %s" % (self.from_state or "-", self.to_state)
