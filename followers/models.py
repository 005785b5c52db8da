import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def new_nonce():
    return secrets.token_urlsafe(12)


class FollowerQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def due_for_digest(self, now):
        """Confirmed followers whose last digest covered less than up to `now`."""
        return self.confirmed().filter(last_sent_at__lt=now)


class Follower(models.Model):
    """A reader who follows the site, or some of its labels, by e-mail."""

    email = models.EmailField(
        unique=True, help_text=_("Stored in lower case; one row per address.")
    )
    labels = models.ManyToManyField(
        "articles.Label",
        blank=True,
        related_name="followers",
        help_text=_("Only posts with one of these labels; none means every post."),
    )
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the reader clicked the confirmation link; no e-mail before."),
    )
    last_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "Posts published up to this time were covered by a digest already."
        ),
    )
    confirm_nonce = models.CharField(
        max_length=32,
        blank=True,
        default=new_nonce,
        editable=False,
        help_text=_(
            "Changes with every confirmation e-mail, so old links stop working."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        # A context of its own: the widget's "%(count)s follower(s)" is a plural entry.
        verbose_name = pgettext_lazy("model name", "follower")
        indexes = [
            models.Index(
                fields=["confirmed_at", "last_sent_at"], name="follower_due_idx"
            )
        ]

    def __str__(self):
        return self.email

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None
