"""
Membership, the one service: a reader asks (`request`), an editor grants or
revokes (`grant`, `revoke`), and anyone asks where a reader stands (`state`).

Each change is one transaction that moves the Membership row, keeps the
Members group in step (premium access reads the group, through
articles.roles.is_member), records who did it (MembershipEvent) and, once
committed, tells the people concerned by e-mail: the editors about a request,
the reader about a grant or a revoke. Asking for what already holds changes
nothing and sends nothing.
"""

import logging
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import SiteSettings
from articles.people import display_name, holders

from .models import Membership, MembershipEvent
from .roles import MEMBERS

logger = logging.getLogger(__name__)

State = Membership.State
PERMISSION = "accounts.manage_membership"


class Change(NamedTuple):
    membership: Membership | None
    changed: bool


def state(user: AbstractBaseUser) -> State | None:
    """
    Where `user` stands: State.REQUESTED, MEMBER or REVOKED, or None for a
    reader who never asked (and for nobody signed in). Someone in the Members
    group is a member, whatever the record says (premium access reads the
    group; the services keep both in step).
    """
    if user is None or not user.is_authenticated:
        return None
    recorded = (
        Membership.objects.filter(user=user).values_list("state", flat=True).first()
    )
    if recorded == State.MEMBER or user.groups.filter(name=MEMBERS).exists():
        return State.MEMBER
    return State(recorded) if recorded else None


def can_manage(user: AbstractBaseUser) -> bool:
    return user.is_active and user.has_perm(PERMISSION)


def request(user: AbstractBaseUser, *, base_url: str = "") -> Change:
    """
    A signed-in reader asks to become a member; the editors are told. A
    member, or a reader whose request waits, changes nothing. A reader whose
    membership was revoked may ask again.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to ask for membership."))
    with transaction.atomic():
        membership, previous, in_group = _locked(user)
        if in_group or previous in (State.MEMBER, State.REQUESTED):
            return Change(membership if membership.pk else None, False)
        now = timezone.now()
        membership.requested_at = now
        _move(membership, previous, State.REQUESTED, actor=user, now=now)
        transaction.on_commit(
            lambda: _tell_editors(membership, base_url=base_url), robust=True
        )
    return Change(membership, True)


def grant(user: AbstractBaseUser, by: AbstractBaseUser, *, base_url="") -> Change:
    """
    Make `user` a member (whether they asked or not); the reader is told.
    Only someone who may manage memberships can; an inactive account cannot
    be made a member.
    """
    _check_manager(by)
    if not user.is_active:
        raise ValidationError(
            _("%(name)s's account is not active (the e-mail address is not confirmed).")
            % {"name": display_name(user)},
            code="inactive",
        )
    with transaction.atomic():
        membership, previous, in_group = _locked(user)
        if not in_group:
            _members_group().user_set.add(user)
        if previous == State.MEMBER:
            return Change(membership, False)
        now = timezone.now()
        membership.granted_at = now
        membership.granted_by = by
        membership.note = ""
        _move(membership, previous, State.MEMBER, actor=by, now=now)
        transaction.on_commit(
            lambda: _tell_reader(membership, "granted", base_url=base_url),
            robust=True,
        )
    return Change(membership, True)


def revoke(
    user: AbstractBaseUser, by: AbstractBaseUser, note: str = "", *, base_url=""
) -> Change:
    """
    End a membership, or decline a request; `note` says why and is sent to
    the reader. Revoking someone who is neither a member nor asking changes
    nothing.
    """
    _check_manager(by)
    note = (note or "").strip()
    with transaction.atomic():
        membership, previous, in_group = _locked(user)
        if in_group:
            _members_group().user_set.remove(user)
            # Made a member by hand in the group, with no record: ended now.
            previous = State.MEMBER
        elif previous not in (State.MEMBER, State.REQUESTED):
            return Change(membership if membership.pk else None, False)
        now = timezone.now()
        membership.revoked_at = now
        membership.revoked_by = by
        membership.note = note
        _move(membership, previous, State.REVOKED, actor=by, now=now, note=note)
        kind = "revoked" if previous == State.MEMBER else "declined"
        transaction.on_commit(
            lambda: _tell_reader(membership, kind, base_url=base_url), robust=True
        )
    return Change(membership, True)


def _check_manager(by):
    if by is None or not can_manage(by):
        raise PermissionDenied(_("Only editors can grant or revoke membership."))


def _members_group():
    return Group.objects.get_or_create(name=MEMBERS)[0]


def _locked(user):
    """
    The user's membership row, locked until the transaction ends (a new,
    unsaved one if there is none), its state (None for a new one), and
    whether the user is in the Members group now.
    """
    # Lock the user row first: two first requests at once cannot both insert.
    get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
    membership = Membership.objects.select_for_update().filter(user=user).first()
    in_group = user.groups.filter(name=MEMBERS).exists()
    if membership is None:
        return Membership(user=user), None, in_group
    return membership, State(membership.state), in_group


def reconcile(user: AbstractBaseUser, by: AbstractBaseUser) -> Change:
    """
    After someone changed `user`'s groups by hand (the user admin): the record
    follows the Members group, through `grant` or `revoke`.
    """
    in_group = user.groups.filter(name=MEMBERS).exists()
    recorded = state_recorded(user)
    if in_group and recorded != State.MEMBER:
        return grant(user, by)
    if not in_group and recorded == State.MEMBER:
        return revoke(user, by)
    return Change(None, False)


def state_recorded(user):
    value = Membership.objects.filter(user=user).values_list("state", flat=True)
    value = value.first()
    return State(value) if value else None


def _move(membership, previous, to, *, actor, now, note=""):
    membership.state = to
    membership.since = now
    membership.full_clean(exclude=["user"])
    membership.save()
    MembershipEvent.objects.create(
        membership=membership,
        from_state=previous or "",
        to_state=to,
        actor=actor,
        note=note,
        created_at=now,
    )


def editor_emails():
    """Addresses of the active people who can act on a request (people.holders)."""
    return sorted(set(holders(PERMISSION).values_list("email", flat=True)))


SUBJECTS = {
    "requested": gettext_lazy("[%(site)s] %(name)s asks to become a member"),
    "granted": gettext_lazy("You are now a member of %(site)s"),
    "revoked": gettext_lazy("Your membership of %(site)s has ended"),
    "declined": gettext_lazy("Your membership request on %(site)s"),
}


def _mail(kind, recipients, context):
    if not recipients:
        return
    site = SiteSettings.load()
    context = {**context, "site": site}
    subject = SUBJECTS[kind] % {"site": site.name, "name": context.get("name", "")}
    body = render_to_string("accounts/email/membership_%s.txt" % kind, context)
    try:
        send_mail(subject, body, None, recipients)
    except OSError:
        # The change stands; the mail is lost, and the log says so.
        logger.exception("Could not send the membership mail (%s)", kind)


def _tell_editors(membership, *, base_url=""):
    user = membership.user
    _mail(
        "requested",
        editor_emails(),
        {
            "name": display_name(user),
            "email": user.email,
            "members_url": "%s%s?state__exact=requested"
            % (base_url, reverse("admin:accounts_membership_changelist")),
        },
    )


def _tell_reader(membership, kind, *, base_url=""):
    user = membership.user
    if not user.email:
        return
    _mail(
        kind,
        [user.email],
        {
            "name": display_name(user),
            "note": membership.note,
            "site_url": base_url + "/",
        },
    )
