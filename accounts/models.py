from django.conf import settings
from django.db import models
from django.utils import timezone


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
