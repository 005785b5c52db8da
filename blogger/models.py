"""
Old Blogger addresses after the switch: the ones that missed (a 404 log the
editors read) and the ones that were sent on (301 redirects kept as data).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.models import Label, Page, Post

PATH_MAX_LENGTH = 255
REFERRER_MAX_LENGTH = 500


def validate_local_path(value):
    """A path on this site: `/…`, never `//host` or `/\\host` (an open redirect)."""
    if not value.startswith("/") or value[1:2] in ("/", "\\"):
        raise ValidationError(_("Enter a path on this site, starting with one /."))


class MissedAddress(models.Model):
    """An old-looking address that answered 404, counted."""

    path = models.CharField(_("path"), max_length=PATH_MAX_LENGTH, unique=True)
    hits = models.PositiveIntegerField(_("hits"), default=1)
    last_referrer = models.CharField(
        _("last referrer"), max_length=REFERRER_MAX_LENGTH, blank=True
    )
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), auto_now_add=True)

    class Meta:
        verbose_name = _("missed old address")
        verbose_name_plural = _("missed old addresses")
        ordering = ["-hits", "path"]

    def __str__(self):
        return self.path


class Redirect(models.Model):
    """An old address that answers 301 to a post, a page, a label or a path."""

    old_path = models.CharField(
        _("old path"),
        max_length=PATH_MAX_LENGTH,
        unique=True,
        validators=[validate_local_path],
        help_text=_("The old address's path, e.g. /2019/05/old-title.html"),
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, null=True, blank=True
    )
    page = models.ForeignKey(
        Page, verbose_name=_("page"), on_delete=models.CASCADE, null=True, blank=True
    )
    label = models.ForeignKey(
        Label, verbose_name=_("label"), on_delete=models.CASCADE, null=True, blank=True
    )
    target_path = models.CharField(
        _("or a path"),
        max_length=PATH_MAX_LENGTH,
        blank=True,
        validators=[validate_local_path],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("redirect")
        verbose_name_plural = _("redirects")
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                name="blogger_redirect_one_target",
                condition=(
                    models.Q(post__isnull=False, page__isnull=True, label__isnull=True)
                    & models.Q(target_path="")
                )
                | (
                    models.Q(post__isnull=True, page__isnull=False, label__isnull=True)
                    & models.Q(target_path="")
                )
                | (
                    models.Q(post__isnull=True, page__isnull=True, label__isnull=False)
                    & models.Q(target_path="")
                )
                | (
                    models.Q(post__isnull=True, page__isnull=True, label__isnull=True)
                    & ~models.Q(target_path="")
                ),
                violation_error_message=_(
                    "Choose exactly one target: a post, a page, a label or a path."
                ),
            ),
        ]

    def __str__(self):
        return "%s → %s" % (self.old_path, self.target_url())

    def target_url(self):
        for target in (self.post, self.page, self.label):
            if target is not None:
                return target.get_absolute_url()
        return self.target_path
