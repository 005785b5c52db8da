"""The demo's readers: two asking to become members, one member."""

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import Membership, MembershipEvent
from .roles import MEMBERS, ensure_membership_managers

State = Membership.State

READERS = [
    # username, first name, last name, state
    ("reader", "Lakshmi", "Pillai", State.REQUESTED),
    ("arjun", "Arjun", "Das", State.REQUESTED),
    ("fatima", "Fatima", "Sheikh", State.MEMBER),
]


@transaction.atomic
def load_demo_members(out):
    """The demo's memberships, once; False when they are already there."""
    # The Editors' grants (tests flush them; the demo's editor needs them).
    editors = ensure_membership_managers()
    if Membership.objects.exists():
        return False
    User = get_user_model()
    editor = editors.user_set.order_by("pk").first()
    now = timezone.now()
    out.write("Demo readers (log in at /accounts/login/):")
    for number, (username, first, last, state) in enumerate(READERS):
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(
                username,
                email="%s@readers.example" % username,
                password=password,
                first_name=first,
                last_name=last,
            )
            out.write("  %-10s password: %s   (shown once)" % (username, password))
        asked = now - timedelta(days=3 - number, hours=number)
        membership = Membership.objects.create(
            user=user, state=State.REQUESTED, since=asked, requested_at=asked
        )
        MembershipEvent.objects.create(
            membership=membership,
            to_state=State.REQUESTED,
            actor=user,
            created_at=asked,
        )
        if state == State.MEMBER:
            granted = asked + timedelta(hours=2)
            membership.state = State.MEMBER
            membership.since = membership.granted_at = granted
            membership.granted_by = editor
            membership.save()
            user.groups.add(Group.objects.get_or_create(name=MEMBERS)[0])
            MembershipEvent.objects.create(
                membership=membership,
                from_state=State.REQUESTED,
                to_state=State.MEMBER,
                actor=editor,
                created_at=granted,
            )
    return True


SHARE_BODY = (
    "<h2>Share to unlock: the reporter's notes</h2>"
    "<p>Readers who share this story read the reporter's notes from the "
    "meeting, the figures behind the headline and the questions still open.</p>"
)


def load_demo_share_post(out):
    """The second newest post gets a share-to-unlock part, once (docs/premium.md)."""
    from articles.models import Post, PremiumMode

    if Post.objects.filter(premium_mode=PremiumMode.SHARE).exists():
        return False
    post = Post.objects.published().newest_first().filter(premium_body="")[:1].first()
    if post is None:
        return False
    post.premium_body = SHARE_BODY
    post.premium_mode = PremiumMode.SHARE
    post.save()
    out.write("Share-to-unlock demo post: %s" % post.get_absolute_url())
    return True
