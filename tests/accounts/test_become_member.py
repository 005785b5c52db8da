"""
Become a member: a signed-in reader asks on /accounts/membership/, the
editors are told and decide on the Members desk, and the reader hears by
e-mail; the page always says where the reader stands.
"""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts import membership
from accounts.models import Membership
from accounts.roles import ensure_membership_managers
from articles import roles
from tests.accounts.premium_helpers import SECRET, make_premium_post, part
from tests.articles.newsroom_admin import make_person
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PAGE = "/accounts/membership/"
State = Membership.State


@pytest.fixture
def editor():
    ensure_membership_managers()
    return make_person(roles.EDITORS, username="editor", email="asha@localglob.example")


@pytest.fixture
def reader():
    return make_user(
        username="lakshmi",
        first_name="Lakshmi",
        last_name="Pillai",
        email="lakshmi@example.com",
    )


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader)
    return client


def _state_text(response):
    html = response.content.decode()
    return re.search(r'<p class="membership-status">(.*?)</p>', html, re.DOTALL).group(
        1
    )


def test_readers_not_signed_in_are_sent_to_sign_in_and_back(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/membership/"
    assert client.post(PAGE).status_code == 302
    assert not Membership.objects.exists()


def test_a_reader_asks_and_the_editors_are_told(
    signed_in, reader, editor, django_capture_on_commit_callbacks
):
    page = signed_in.get(PAGE)
    assert page.status_code == 200
    assert _state_text(page) == "You are not a member yet."
    assert "Ask to become a member" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        asked = signed_in.post(PAGE)
    assert asked.status_code == 302
    assert asked["Location"] == PAGE
    assert membership.state(reader) == State.REQUESTED
    assert [message.to for message in mail.outbox] == [["asha@localglob.example"]]
    assert "Lakshmi Pillai asks to become a member" in mail.outbox[0].subject
    assert "http://testserver/admin/accounts/membership/" in mail.outbox[0].body
    waiting = signed_in.get(PAGE)
    assert "waiting for an editor" in _state_text(waiting)
    assert "Ask to become a member" not in waiting.content.decode()
    # Asking again (a reload, a second tab) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(PAGE)
    assert len(mail.outbox) == 1


def test_the_editor_grants_on_the_desk_and_the_reader_is_told_and_reads(
    signed_in, reader, editor, django_capture_on_commit_callbacks
):
    post = make_premium_post(mode="members")
    signed_in.post(PAGE)
    assert part(signed_in, post).status_code == 403
    desk = Client()
    desk.force_login(editor)
    record = Membership.objects.get(user=reader)
    with django_capture_on_commit_callbacks(execute=True):
        granted = desk.post("/admin/accounts/membership/%d/grant/" % record.pk)
    assert granted.status_code == 302
    told = [message for message in mail.outbox if message.to == ["lakshmi@example.com"]]
    assert len(told) == 1
    assert "You are now a member" in told[0].subject
    page = signed_in.get(PAGE)
    assert _state_text(page) == "You are a member: every premium part is open to you."
    state = page.content.decode().split('class="membership-state"')[1]
    assert "<form" not in state[: state.index("</section>")]
    unlocked = part(signed_in, post)
    assert unlocked.status_code == 200
    assert SECRET in unlocked.content.decode()


def test_a_revoked_reader_reads_the_note_and_may_ask_again(signed_in, reader, editor):
    membership.grant(reader, editor)
    membership.revoke(reader, editor, "Your subscription payment failed.")
    page = signed_in.get(PAGE)
    html = page.content.decode()
    assert "Your membership has ended" in _state_text(page)
    assert "Your subscription payment failed." in html
    assert "Ask again" in html
    signed_in.post(PAGE)
    assert membership.state(reader) == State.REQUESTED


def test_people_who_run_the_newsroom_are_told_they_need_no_membership(client, editor):
    client.force_login(editor)
    page = client.get(PAGE)
    assert "without a membership" in _state_text(page)
    assert "Ask to become a member" not in page.content.decode()


def test_the_page_is_private_and_not_indexed(signed_in):
    response = signed_in.get(PAGE)
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_asking_needs_the_pages_csrf_token(reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    refused = client.post(PAGE)
    assert refused.status_code == 403
    assert membership.state(reader) is None
    page = client.get(PAGE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(PAGE, {"csrfmiddlewaretoken": token}).status_code == 302
    assert membership.state(reader) == State.REQUESTED


def test_other_methods_are_refused(signed_in):
    assert signed_in.put(PAGE).status_code == 405
    assert signed_in.delete(PAGE).status_code == 405


@pytest.mark.parametrize("state", [None, "requested", "member", "revoked"])
def test_the_page_costs_the_same_queries_however_many_members(
    signed_in, reader, editor, state, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if state is not None:
        membership.request(reader)
    if state in ("member", "revoked"):
        membership.grant(reader, editor)
    if state == "revoked":
        membership.revoke(reader, editor, "A note.")
    signed_in.get(PAGE)  # the site settings row is made on a first request
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.get(PAGE).status_code == 200
    few = len(queries)  # read now: the next request empties the log
    for number in range(15):
        other = make_user()
        membership.request(other)
        if number % 3 == 0:
            membership.grant(other, editor)
    with django_assert_num_queries(few):
        assert signed_in.get(PAGE).status_code == 200


def test_the_members_only_box_leads_here(client, reader):
    post = make_premium_post(mode="members")
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'href="/accounts/membership/"' in html
    client.force_login(reader)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Your account is not a member account yet." in html
    assert '<a class="button" href="/accounts/membership/">Become a member</a>' in html
