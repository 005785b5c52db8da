"""Following by e-mail: ask (double opt-in), confirm, unfollow."""

import enum

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Label, SiteSettings
from newsroom import ratelimit

from . import tokens
from .mail import absolute_url, send_to_follower
from .models import Follower, new_nonce

# The form sends mail to any address typed in, so it is capped twice, by the
# project's one limiter (atomic across workers): at most this many
# confirmation e-mails to one address per hour, so nobody can flood an inbox,
CONFIRMATIONS_PER_HOUR = 3
# and at most this many requests from one client (IPv4 address or IPv6 /64)
# per hour, so nobody can mail many addresses from one place.
REQUESTS_PER_CLIENT_PER_HOUR = 20
WINDOW = 3600


class Throttled(Exception):
    """Over a cap: nothing was changed and no mail was sent."""

    def __init__(self, decision, *, recipient):
        super().__init__(decision)
        self.decision = decision
        self.recipient = recipient  # True: the address's cap; False: the client's


def follower_request(*, email, labels, request=None):
    """
    Record the wish to follow (pending until confirmed) and mail the signed
    confirmation link. The chosen labels travel in the link and only apply
    when it is clicked, so nobody can change another reader's choice.

    The confirmation code changes only once a new e-mail has been sent: a
    request stopped by a cap (Throttled) or a mail server that fails (OSError)
    leaves the link already mailed working.
    """
    email = email.strip().lower()
    label_ids = sorted(label.pk for label in labels)
    decision = ratelimit.hit(
        "follow-client",
        ratelimit.client_group(request),
        limit=REQUESTS_PER_CLIENT_PER_HOUR,
        window=WINDOW,
    )
    if not decision:
        raise Throttled(decision, recipient=False)
    decision = ratelimit.hit(
        "follow-mail", email, limit=CONFIRMATIONS_PER_HOUR, window=WINDOW
    )
    if not decision:
        raise Throttled(decision, recipient=True)
    # A pending follower shows on no page: its page-cache registration
    # (followers/apps.py) purges nothing for it, so saving it is harmless.
    follower, _created = Follower.objects.get_or_create(email=email)
    # The new code goes into the link first and into the database only after
    # the mail has left.
    follower.confirm_nonce = new_nonce()
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
    follower.save(update_fields=["confirm_nonce"])
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
