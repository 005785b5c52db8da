"""Following by e-mail: ask (double opt-in), confirm, unfollow."""

import enum
import hashlib

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Label, SiteSettings

from . import tokens
from .mail import absolute_url, send_to_follower
from .models import Follower, new_nonce

# At most this many confirmation e-mails per address and hour, so the form
# cannot be used to flood someone's inbox.
CONFIRMATIONS_PER_HOUR = 3


def _may_mail(email):
    key = "follow-mails:%s" % hashlib.sha256(email.encode()).hexdigest()
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= CONFIRMATIONS_PER_HOUR
    except ValueError:
        return True


def follower_request(*, email, labels, request=None):
    """
    Record the wish to follow (pending until confirmed) and mail the signed
    confirmation link. The chosen labels travel in the link and only apply
    when it is clicked, so nobody can change another reader's choice.
    """
    email = email.strip().lower()
    label_ids = sorted(label.pk for label in labels)
    # Plain insert and update, without model signals: a pending follower
    # changes no page, so anybody posting the form must not purge the page cache.
    with transaction.atomic():
        Follower.objects.bulk_create([Follower(email=email)], ignore_conflicts=True)
        Follower.objects.filter(email=email).update(confirm_nonce=new_nonce())
        follower = Follower.objects.get(email=email)
    if not _may_mail(email):
        return follower
    confirm_url = absolute_url(
        reverse(
            "followers:confirm",
            args=[tokens.make_confirm_token(follower, label_ids)],
        ),
        request,
    )
    send_to_follower(
        follower,
        _("Confirm that you want to follow %(site)s") % {"site": _site_name()},
        "followers/email/confirm.txt",
        {
            "confirm_url": confirm_url,
            "labels": list(Label.objects.filter(pk__in=label_ids).order_by("name")),
            "max_age_days": max(1, tokens.confirm_max_age().days),
        },
        request=request,
    )
    return follower


class ConfirmResult(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY = "already"
    SUPERSEDED = "superseded"
    GONE = "gone"


def follower_confirm(*, token):
    """Apply a confirmation link; raises tokens.InvalidLink / ExpiredLink."""
    follower_id, nonce, label_ids = tokens.read_confirm_token(token)
    with transaction.atomic():
        follower = Follower.objects.select_for_update().filter(pk=follower_id).first()
        if follower is None:
            return ConfirmResult.GONE, None
        if not nonce or nonce != follower.confirm_nonce:
            if follower.is_confirmed:
                return ConfirmResult.ALREADY, follower
            return ConfirmResult.SUPERSEDED, follower
        now = timezone.now()
        follower.confirmed_at = follower.confirmed_at or now
        # The first digest covers posts from now on, not the archive.
        follower.last_sent_at = follower.last_sent_at or now
        follower.confirm_nonce = ""
        follower.save(update_fields=["confirmed_at", "last_sent_at", "confirm_nonce"])
        follower.labels.set(Label.objects.filter(pk__in=label_ids))
    return ConfirmResult.CONFIRMED, follower


def follower_unfollow(*, token):
    """Forget the follower behind an unfollow link; False when already gone."""
    follower_id = tokens.read_unfollow_token(token)
    deleted, _rows = Follower.objects.filter(pk=follower_id).delete()
    return deleted > 0


def _site_name():
    return SiteSettings.load().name
