"""Membership: one service with states, the Members page editors work from."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import membership
from accounts.models import Membership, MembershipEvent
from accounts.roles import ensure_membership_managers
from articles import roles
from tests.articles.newsroom_admin import make_person
from tests.factories import make_user

pytestmark = pytest.mark.django_db

State = Membership.State
MEMBERS_PAGE = "/admin/accounts/membership/"


@pytest.fixture
def editor():
    ensure_membership_managers()
    return make_person(
        roles.EDITORS,
        username="editor",
        first_name="Asha",
        last_name="Menon",
        email="asha@localglob.example",
    )


@pytest.fixture
def reader():
    return make_user(
        username="lakshmi",
        first_name="Lakshmi",
        last_name="Pillai",
        email="lakshmi@example.com",
    )


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the services do once their transaction commits (the mails)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def in_members_group(user):
    return user.groups.filter(name=roles.MEMBERS).exists()


# States and transitions.


def test_a_reader_who_never_asked_has_no_state(reader):
    assert membership.state(reader) is None
    assert roles.is_member(reader) is False


def test_request_grant_revoke_move_the_state_and_the_group(reader, editor, commit):
    assert commit(membership.request, reader).changed is True
    assert membership.state(reader) == State.REQUESTED
    assert in_members_group(reader) is False

    assert commit(membership.grant, reader, editor).changed is True
    assert membership.state(reader) == State.MEMBER
    assert in_members_group(reader) is True
    assert roles.is_member(reader) is True

    assert commit(membership.revoke, reader, editor, "Payment lapsed").changed is True
    assert membership.state(reader) == State.REVOKED
    assert in_members_group(reader) is False
    assert roles.is_member(reader) is False

    record = Membership.objects.get(user=reader)
    assert record.granted_by == editor
    assert record.revoked_by == editor
    assert record.note == "Payment lapsed"
    events = list(
        MembershipEvent.objects.filter(membership=record)
        .order_by("created_at", "pk")
        .values_list("from_state", "to_state", "actor__username")
    )
    assert events == [
        ("", "requested", "lakshmi"),
        ("requested", "member", "editor"),
        ("member", "revoked", "editor"),
    ]


def test_a_revoked_reader_may_ask_again(reader, editor, commit):
    commit(membership.grant, reader, editor)
    commit(membership.revoke, reader, editor)
    assert commit(membership.request, reader).changed is True
    assert membership.state(reader) == State.REQUESTED


def test_an_editor_grants_without_a_request(reader, editor, commit):
    commit(membership.grant, reader, editor)
    assert membership.state(reader) == State.MEMBER
    assert in_members_group(reader) is True


def test_an_inactive_account_cannot_be_made_a_member(editor, commit):
    unconfirmed = make_user(is_active=False)
    with pytest.raises(ValidationError, match="not active"):
        commit(membership.grant, unconfirmed, editor)
    assert membership.state(unconfirmed) is None
    assert in_members_group(unconfirmed) is False


def test_someone_put_in_the_group_by_hand_is_a_member_and_can_be_revoked(
    reader, editor, commit
):
    reader.groups.add(Group.objects.get_or_create(name=roles.MEMBERS)[0])
    assert membership.state(reader) == State.MEMBER
    assert commit(membership.request, reader).changed is False
    assert commit(membership.revoke, reader, editor).changed is True
    assert membership.state(reader) == State.REVOKED
    assert in_members_group(reader) is False


# Idempotence.


def test_asking_twice_changes_nothing_and_tells_the_editors_once(
    reader, editor, commit
):
    first = commit(membership.request, reader)
    second = commit(membership.request, reader)
    assert (first.changed, second.changed) == (True, False)
    assert MembershipEvent.objects.count() == 1
    assert len(mail.outbox) == 1


def test_granting_a_member_again_changes_nothing(reader, editor, commit):
    commit(membership.grant, reader, editor)
    mail.outbox.clear()
    assert commit(membership.grant, reader, editor).changed is False
    assert MembershipEvent.objects.count() == 1
    assert reader.groups.filter(name=roles.MEMBERS).count() == 1
    assert mail.outbox == []


def test_revoking_a_reader_who_is_not_a_member_changes_nothing(reader, editor, commit):
    change = commit(membership.revoke, reader, editor)
    assert change == (None, False)
    assert Membership.objects.count() == 0
    commit(membership.grant, reader, editor)
    commit(membership.revoke, reader, editor)
    assert commit(membership.revoke, reader, editor).changed is False
    assert MembershipEvent.objects.count() == 2


def test_a_member_asking_changes_nothing(reader, editor, commit):
    commit(membership.grant, reader, editor)
    assert commit(membership.request, reader).changed is False
    assert membership.state(reader) == State.MEMBER


def test_a_failed_change_leaves_nothing_half_written(reader, editor, monkeypatch):
    """The group, the row and the history move together or not at all."""

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(MembershipEvent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        membership.grant(reader, editor)
    assert Membership.objects.count() == 0
    assert in_members_group(reader) is False


# Who may.


def test_only_managers_grant_or_revoke(reader):
    writer = make_person(roles.WRITERS)
    moderator = make_person(roles.MODERATORS)
    for person in (writer, moderator, reader):
        with pytest.raises(PermissionDenied):
            membership.grant(reader, person)
        with pytest.raises(PermissionDenied):
            membership.revoke(reader, person)
    assert membership.state(reader) is None


def test_nobody_signed_out_can_ask():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        membership.request(AnonymousUser())
    assert membership.state(AnonymousUser()) is None


# Mails.


def test_a_request_tells_the_active_editors_by_display_name(reader, editor, commit):
    make_person(roles.EDITORS, email="")  # no address: not mailed
    make_person(roles.EDITORS, email="gone@localglob.example", is_active=False)
    make_person(roles.WRITERS, email="writer@localglob.example")
    commit(membership.request, reader, base_url="https://news.example")
    [message] = mail.outbox
    assert message.to == ["asha@localglob.example"]
    assert message.subject == "[Local Glob] Lakshmi Pillai asks to become a member"
    assert "Lakshmi Pillai asks to become a member of Local Glob." in message.body
    assert "lakshmi@example.com" in message.body
    assert (
        "https://news.example/admin/accounts/membership/?state__exact=requested"
        in message.body
    )


def test_the_reader_is_told_of_a_grant_and_a_revoke(reader, editor, commit):
    commit(membership.request, reader)
    mail.outbox.clear()
    commit(membership.grant, reader, editor, base_url="https://news.example")
    [granted] = mail.outbox
    assert granted.to == ["lakshmi@example.com"]
    assert granted.subject == "You are now a member of Local Glob"
    assert "Hello Lakshmi Pillai," in granted.body
    assert "https://news.example/" in granted.body
    commit(membership.revoke, reader, editor, "Your subscription ended.")
    revoked = mail.outbox[-1]
    assert revoked.subject == "Your membership of Local Glob has ended"
    assert "Note from the editors: Your subscription ended." in revoked.body


def test_a_declined_request_is_told_as_such(reader, editor, commit):
    commit(membership.request, reader)
    commit(membership.revoke, reader, editor)
    declined = mail.outbox[-1]
    assert declined.to == ["lakshmi@example.com"]
    assert declined.subject == "Your membership request on Local Glob"
    assert "did not accept your membership request" in declined.body
    assert "Note from the editors" not in declined.body


def test_a_mail_server_that_is_down_does_not_undo_the_grant(
    reader, editor, commit, mail_server_down
):
    commit(membership.grant, reader, editor)
    assert membership.state(reader) == State.MEMBER


# The Members page.


@pytest.fixture
def desk(client, editor):
    client.force_login(editor)
    return client


def requested(user):
    membership.request(user)
    return Membership.objects.get(user=user)


def test_editors_see_the_member_list(desk, reader):
    requested(reader)
    response = desk.get(MEMBERS_PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lakshmi Pillai" in html
    assert "lakshmi@example.com" in html
    assert "member-state-requested" in html
    assert "1 reader asks to become a member." in html


def test_the_list_filters_and_searches(desk, reader, editor):
    requested(reader)
    other = make_user(first_name="Arjun", last_name="Das")
    membership.grant(other, editor)
    members = desk.get(MEMBERS_PAGE + "?state__exact=member").content.decode()
    assert "Arjun Das" in members
    assert "Lakshmi Pillai" not in members
    found = desk.get(MEMBERS_PAGE + "?q=pillai").content.decode()
    assert "Lakshmi Pillai" in found
    assert "Arjun Das" not in found


def test_one_click_grant_and_revoke(desk, reader, commit):
    record = requested(reader)
    with_mail = desk.post(
        MEMBERS_PAGE + "%d/grant/" % record.pk, {"next": MEMBERS_PAGE + "?q=x"}
    )
    assert with_mail.status_code == 302
    assert with_mail["Location"] == MEMBERS_PAGE + "?q=x"
    assert membership.state(reader) == State.MEMBER
    response = desk.post(MEMBERS_PAGE + "%d/revoke/" % record.pk, follow=True)
    assert membership.state(reader) == State.REVOKED
    assert "Lakshmi Pillai is no longer a member." in response.content.decode()


def test_the_buttons_answer_only_post_and_known_rows(desk, reader):
    record = requested(reader)
    assert desk.get(MEMBERS_PAGE + "%d/grant/" % record.pk).status_code == 405
    assert desk.post(MEMBERS_PAGE + "999999/grant/").status_code == 404
    assert membership.state(reader) == State.REQUESTED


def test_next_never_leaves_the_site(desk, reader):
    record = requested(reader)
    response = desk.post(
        MEMBERS_PAGE + "%d/grant/" % record.pk, {"next": "https://evil.example/"}
    )
    assert response["Location"] == MEMBERS_PAGE


def test_the_buttons_need_a_csrf_token(reader, editor):
    from django.test import Client

    record = requested(reader)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(MEMBERS_PAGE + "%d/grant/" % record.pk)
    assert response.status_code == 403
    assert membership.state(reader) == State.REQUESTED


@pytest.mark.parametrize("role", [roles.WRITERS, roles.MODERATORS])
def test_writers_and_moderators_get_403(client, reader, role):
    record = requested(reader)
    client.force_login(make_person(role))
    assert client.get(MEMBERS_PAGE).status_code == 403
    assert client.post(MEMBERS_PAGE + "%d/grant/" % record.pk).status_code == 403
    assert client.post(MEMBERS_PAGE + "%d/revoke/" % record.pk).status_code == 403
    assert client.post(MEMBERS_PAGE + "add/", {"who": "lakshmi"}).status_code == 403
    assert membership.state(reader) == State.REQUESTED


def test_a_reader_cannot_reach_the_desk(client, reader):
    record = requested(reader)
    client.force_login(reader)
    response = client.post(MEMBERS_PAGE + "%d/grant/" % record.pk)
    assert response.status_code == 302  # to the admin's sign-in
    assert membership.state(reader) == State.REQUESTED


def test_editors_cannot_edit_users_through_members(desk, reader, editor):
    """No password, staff flag or group changes: the page is not the user admin."""
    record = requested(reader)
    page = desk.get(MEMBERS_PAGE + "%d/change/" % record.pk)
    assert page.status_code == 200
    assert 'name="password' not in page.content.decode()
    assert 'name="is_staff"' not in page.content.decode()
    desk.post(
        MEMBERS_PAGE + "%d/change/" % record.pk,
        {"state": "member", "is_staff": "on", "is_superuser": "on"},
    )
    reader.refresh_from_db()
    assert (reader.is_staff, reader.is_superuser) == (False, False)
    assert membership.state(reader) == State.REQUESTED
    assert desk.get("/admin/auth/user/").status_code == 403
    assert desk.get("/admin/auth/user/%d/change/" % reader.pk).status_code == 403
    assert desk.get("/admin/auth/user/%d/password/" % reader.pk).status_code == 403
    assert desk.post(MEMBERS_PAGE + "%d/delete/" % record.pk).status_code == 403
    # Granting membership gives premium access and nothing else.
    desk.post(MEMBERS_PAGE + "%d/grant/" % record.pk)
    reader.refresh_from_db()
    assert list(reader.groups.values_list("name", flat=True)) == [roles.MEMBERS]
    assert reader.is_staff is False
    assert reader.get_all_permissions() == set()


def test_the_membership_page_shows_history_and_a_revoke_form(desk, reader, editor):
    record = requested(reader)
    membership.grant(reader, editor)
    html = desk.get(MEMBERS_PAGE + "%d/change/" % record.pk).content.decode()
    assert "Revoke membership" in html
    assert 'name="note"' in html
    assert "Asha Menon" in html  # granted by, and in the history


def test_revoke_with_a_note_from_the_membership_page(desk, reader, editor):
    record = requested(reader)
    membership.grant(reader, editor)
    desk.post(
        MEMBERS_PAGE + "%d/revoke/" % record.pk,
        {"note": "  Moved abroad.  ", "next": MEMBERS_PAGE + "%d/change/" % record.pk},
    )
    record.refresh_from_db()
    assert (record.state, record.note) == (State.REVOKED, "Moved abroad.")


def test_make_a_reader_a_member_by_username_or_email(desk, reader):
    page = desk.get(MEMBERS_PAGE + "add/")
    assert page.status_code == 200
    response = desk.post(MEMBERS_PAGE + "add/", {"who": "LAKSHMI@example.com"})
    assert response.status_code == 302
    assert membership.state(reader) == State.MEMBER


def test_an_unknown_account_is_a_form_error_keeping_the_text(desk):
    response = desk.post(MEMBERS_PAGE + "add/", {"who": "nobody-here"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No account has this username or e-mail address." in html
    assert 'value="nobody-here"' in html


def test_bulk_grant_from_the_list(desk, reader, editor):
    first = requested(reader)
    second = requested(make_user())
    desk.post(
        MEMBERS_PAGE,
        {"action": "grant_selected", "_selected_action": [first.pk, second.pk]},
    )
    assert set(Membership.objects.values_list("state", flat=True)) == {State.MEMBER}


def test_the_list_costs_the_same_queries_for_3_or_30_people(
    desk, editor, django_assert_num_queries
):
    for _number in range(3):
        requested(make_user())
    desk.get(MEMBERS_PAGE)  # warm the session and content types
    # The session comes from the cache; the editor's own permissions (none)
    # need no query (accounts/backends.py).
    with django_assert_num_queries(7) as few:
        desk.get(MEMBERS_PAGE)
    for _number in range(27):
        membership.grant(make_user(), editor)
    with django_assert_num_queries(len(few.captured_queries)):
        html = desk.get(MEMBERS_PAGE).content.decode()
    assert html.count('class="member-state ') == 30


def test_the_dashboard_tells_editors_of_waiting_requests(desk, reader):
    requested(reader)
    html = desk.get("/admin/").content.decode()
    assert "Asking to become members" in html


# The user list (superusers).


def test_the_user_list_tells_readers_and_members_apart(client, reader, editor):
    member = make_user(username="fatima")
    membership.grant(member, editor)
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    html = client.get("/admin/auth/user/").content.decode()
    assert '<td class="field-member">Member</td>' in html
    assert '<td class="field-member">—</td>' in html
    members = client.get("/admin/auth/user/?membership=member").content.decode()
    assert "fatima" in members
    assert "lakshmi" not in members


def test_groups_edited_by_hand_update_the_record(client, reader):
    root = make_user(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    page = client.get("/admin/auth/user/%d/change/" % reader.pk)
    form = page.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and key not in ("groups", "user_permissions", "password")
    }
    data.update(
        groups=[Group.objects.get_or_create(name=roles.MEMBERS)[0].pk],
        date_joined_0=reader.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=reader.date_joined.strftime("%H:%M:%S"),
        last_login_0="",
        last_login_1="",
    )
    response = client.post("/admin/auth/user/%d/change/" % reader.pk, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Membership.objects.get(user=reader).state == State.MEMBER


# The demo.


def test_the_demo_has_requests_waiting(editor):
    import io

    from accounts.demo import load_demo_members

    assert load_demo_members(io.StringIO()) is True
    assert load_demo_members(io.StringIO()) is False
    states = sorted(Membership.objects.values_list("user__username", "state"))
    assert states == [
        ("arjun", "requested"),
        ("fatima", "member"),
        ("reader", "requested"),
    ]
    fatima = Membership.objects.get(user__username="fatima").user
    assert roles.is_member(fatima) is True


def test_the_migration_lets_editors_manage_membership():
    editors = Group.objects.get(name=roles.EDITORS)
    codes = set(
        editors.permissions.filter(content_type__app_label="accounts").values_list(
            "codename", flat=True
        )
    )
    assert codes == {"view_membership", "view_membershipevent", "manage_membership"}
    assert Group.objects.filter(name=roles.MEMBERS).exists()


def test_syncing_the_roles_keeps_the_membership_grant(editor):
    roles.ensure_roles()
    assert editor.has_perm("accounts.manage_membership")
