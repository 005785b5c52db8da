"""
Scheduling on the desk: the post form's action bar for each role, messages
naming the state and time in the site's zone, the list's chips and filters,
and the agenda (grouping by day in the site's zone, rescheduling).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import roles
from articles.models import Post, SiteSettings, Status
from articles.publishing import State, state_of
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.factories import make_draft, make_post, make_scheduled

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
CHANGELIST = "/admin/articles/post/"
AGENDA = "/admin/articles/post/agenda/"


@pytest.fixture(autouse=True)
def site_zone(settings):
    """The server runs in UTC; the newsroom's own zone is Asia/Kolkata."""
    settings.TIME_ZONE = "UTC"
    site = SiteSettings.load()
    site.time_zone = "Asia/Kolkata"
    site.save()
    # The test's own form data is written as the desk shows it: in that zone.
    with timezone.override(IST):
        yield


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS, first_name="Asha", last_name="Menon")
    client.force_login(user)
    return user


@pytest.fixture
def writer(client):
    user = make_person(roles.WRITERS, first_name="Kavya", last_name="Raman")
    client.force_login(user)
    return user


def ist(*args):
    return datetime(*args, tzinfo=IST)


def buttons(response):
    page = response.content.decode()
    names = [
        "_save",
        "_submit_review",
        "_publish_now",
        "_schedule",
        "_unschedule",
        "_unpublish",
        "_request_changes",
        "_withdraw",
    ]
    return {name for name in names if 'name="%s"' % name in page}


def message_texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# The action bar, state by state and role by role.

STATES = {
    "draft": lambda author: make_draft(author=author),
    "pending": lambda author: make_draft(author=author, status=Status.PENDING),
    "scheduled": lambda author: make_scheduled(author=author),
    "live": lambda author: make_post(author=author),
}


@pytest.mark.parametrize(
    "state, expected",
    [
        ("draft", {"_save", "_publish_now", "_schedule"}),
        ("pending", {"_save", "_publish_now", "_schedule", "_request_changes"}),
        ("scheduled", {"_save", "_publish_now", "_schedule", "_unschedule"}),
        ("live", {"_save", "_unpublish"}),
    ],
)
def test_editor_sees_the_buttons_of_each_state(
    client, editor, frozen_now, state, expected
):
    post = STATES[state](make_person(roles.WRITERS))
    assert buttons(client.get(change_url(post))) == expected


@pytest.mark.parametrize(
    "state, expected",
    [("draft", {"_save", "_submit_review"}), ("pending", {"_save", "_withdraw"})],
)
def test_writer_sees_the_buttons_of_their_own_post(
    client, writer, frozen_now, state, expected
):
    post = STATES[state](writer)
    assert buttons(client.get(change_url(post))) == expected


def test_new_post_buttons(client, frozen_now):
    client.force_login(make_person(roles.EDITORS))
    page = client.get("/admin/articles/post/add/")
    assert buttons(page) == {"_save", "_publish_now", "_schedule"}
    assert 'value="Save draft"' in page.content.decode()
    client.force_login(make_person(roles.WRITERS))
    assert buttons(client.get("/admin/articles/post/add/")) == {
        "_save",
        "_submit_review",
    }


def test_writer_sees_no_buttons_on_a_scheduled_post(client, writer, frozen_now):
    post = make_scheduled(author=writer)
    assert buttons(client.get(change_url(post))) == set()


@pytest.mark.parametrize(
    "button, extra",
    [
        ("_publish_now", {}),
        ("_schedule", {"schedule_at": "2026-12-05T14:30"}),
        ("_unschedule", {}),
        ("_unpublish", {}),
        ("_request_changes", {"review_note": "More sources."}),
    ],
)
def test_writer_sending_an_editors_button_gets_403(
    client, writer, frozen_now, button, extra
):
    post = make_draft(author=writer)
    response = client.post(
        change_url(post), post_form_data(post, **{button: "1"}, **extra)
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert (post.status, post.published_at) == (Status.DRAFT, None)


def test_status_select_is_gone_from_the_form(client, editor, frozen_now):
    page = client.get(change_url(make_draft())).content.decode()
    assert '<select name="status"' not in page
    assert '<input type="hidden" name="status" value="draft"' in page
    assert 'type="datetime-local" name="schedule_at"' in page
    assert "Go live at (Asia/Kolkata, IST)" in page


# Moves and their messages.


def test_schedule_names_the_time_in_the_site_zone(client, editor, frozen_now):
    post = make_draft(title="Budget day")
    response = client.post(
        change_url(post),
        post_form_data(post, _schedule="1", schedule_at="2026-12-05T14:30"),
        follow=True,
    )
    assert message_texts(response) == ["Scheduled for 5 Dec 2026, 14:30 IST."]
    assert response.redirect_chain == [(change_url(post), 302)]
    post.refresh_from_db()
    assert post.published_at == ist(2026, 12, 5, 14, 30)
    assert state_of(post) == State.SCHEDULED
    page = response.content.decode()
    assert "Scheduled for 5 Dec 2026, 14:30 IST" in page  # the state on the form
    assert 'value="2026-12-05T14:30"' in page  # the picker shows the time


def test_reschedule_a_scheduled_post(client, editor, frozen_now):
    post = make_scheduled(delay=timedelta(hours=2))
    response = client.post(
        change_url(post),
        post_form_data(post, _schedule="1", schedule_at="2026-03-06T09:15"),
    )
    assert message_texts(response) == ["Scheduled for 6 Mar 2026, 09:15 IST."]
    post.refresh_from_db()
    assert post.published_at == ist(2026, 3, 6, 9, 15)


@pytest.mark.parametrize(
    "typed, error",
    [
        (
            "2026-03-05T11:59",
            "5 Mar 2026, 11:59 IST has passed: choose a time in the future.",
        ),
        ("", "Choose the date and time to go live."),
        ("next tuesday", "Enter a valid date/time."),
    ],
)
def test_schedule_errors_keep_what_was_typed(client, editor, frozen_now, typed, error):
    post = make_draft(title="Old title")
    response = client.post(
        change_url(post),
        post_form_data(post, title="New title", _schedule="1", schedule_at=typed),
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["schedule_at"] == [error]
    page = response.content.decode()
    assert error.replace(":", ":") in page
    if typed:
        assert 'value="%s"' % typed in page
    assert 'value="New title"' in page
    assert '<details class="action-menu schedule-menu" open>' in page
    post.refresh_from_db()
    assert (post.title, post.status) == ("Old title", Status.DRAFT)


@pytest.mark.parametrize(
    "make, button, message, state",
    [
        (make_draft, "_publish_now", "Published. The post is live.", State.LIVE),
        (
            make_scheduled,
            "_unschedule",
            "Unscheduled. The post is a draft again.",
            State.DRAFT,
        ),
        (
            make_post,
            "_unpublish",
            "Unpublished. The post is a draft again.",
            State.DRAFT,
        ),
        (make_draft, "_save", "Draft saved.", State.DRAFT),
        (make_post, "_save", "Updated. The post is live.", State.LIVE),
        (
            lambda: make_draft(status=Status.PENDING),
            "_save",
            "Saved. The post is in review.",
            State.PENDING,
        ),
    ],
)
def test_each_button_says_what_it_did(
    client, editor, frozen_now, make, button, message, state
):
    post = make()
    response = client.post(change_url(post), post_form_data(post, **{button: "1"}))
    assert response.status_code == 302
    assert response["Location"] == change_url(post)
    assert message_texts(response) == [message]
    post.refresh_from_db()
    assert state_of(post) == state


def test_writer_takes_their_post_back_from_review(client, writer, frozen_now):
    post = make_draft(author=writer, status=Status.PENDING)
    response = client.post(change_url(post), post_form_data(post, _withdraw="1"))
    assert message_texts(response) == [
        "Taken back from review. The post is a draft again."
    ]
    post.refresh_from_db()
    assert post.status == Status.DRAFT


def test_saving_a_scheduled_post_names_its_time(client, editor, frozen_now):
    post = make_scheduled(delay=timedelta(minutes=30))
    response = client.post(change_url(post), post_form_data(post, _save="1"))
    assert message_texts(response) == ["Saved. Scheduled for 5 Mar 2026, 12:30 IST."]


def test_a_new_post_scheduled_at_once(client, editor, frozen_now):
    response = client.post(
        "/admin/articles/post/add/",
        post_form_data(title="Fresh", _schedule="1", schedule_at="2026-03-05T18:00"),
    )
    post = Post.objects.get(title="Fresh")
    assert response["Location"] == change_url(post)
    assert message_texts(response) == ["Scheduled for 5 Mar 2026, 18:00 IST."]
    assert post.published_at == ist(2026, 3, 5, 18)


def test_scheduled_post_goes_live_at_its_time(client, editor, frozen_now):
    post = make_draft()
    client.post(
        change_url(post),
        post_form_data(post, _schedule="1", schedule_at="2026-03-05T12:10"),
    )
    post.refresh_from_db()
    assert client.get(post.permalink).status_code == 404
    frozen_now.shift(timedelta(minutes=10))
    assert client.get(post.permalink).status_code == 200


# The list: chips and filters.


def test_list_shows_state_chips(client, editor, frozen_now):
    make_draft(title="A draft")
    make_draft(title="A review", status=Status.PENDING)
    make_scheduled(delay=timedelta(hours=3), title="A schedule")
    make_post(title="A live one")
    page = client.get(CHANGELIST).content.decode()
    for chip in [
        '<span class="state-chip state-draft">Draft</span>',
        '<span class="state-chip state-pending">In review</span>',
        '<span class="state-chip state-scheduled">Scheduled for 5 Mar 2026, 15:00 IST</span>',
        '<span class="state-chip state-live">Live</span>',
    ]:
        assert chip in page
    assert 'href="/admin/articles/post/agenda/"' in page


@pytest.mark.parametrize(
    "value, title",
    [
        ("draft", "A draft"),
        ("pending", "A review"),
        ("scheduled", "A schedule"),
        ("live", "A live one"),
    ],
)
def test_list_filters_by_state(client, editor, frozen_now, value, title):
    make_draft(title="A draft")
    make_draft(title="A review", status=Status.PENDING)
    make_scheduled(title="A schedule")
    make_post(title="A live one")
    response = client.get(CHANGELIST + "?state=" + value)
    assert [post.title for post in response.context["cl"].result_list] == [title]
    assert ">In review</a>" in response.content.decode()


# The agenda.


def agenda_days(response):
    return {
        section: [
            (day.isoformat(), name, [post.title for post in posts])
            for day, name, posts in response.context[section]
        ]
        for section in ("scheduled_days", "published_days")
    }


def test_agenda_groups_by_day_in_the_site_zone(client, editor, frozen_now):
    # 23:50 and 00:10 IST are 18:20 and 18:40 UTC: one UTC day, two IST days.
    make_scheduled(title="Late edition", published_at=ist(2026, 3, 5, 23, 50))
    make_scheduled(title="Early edition", published_at=ist(2026, 3, 6, 0, 10))
    make_scheduled(title="Next week", published_at=ist(2026, 3, 12, 8, 0))
    make_post(title="This morning", published_at=ist(2026, 3, 5, 0, 5))
    make_post(title="Last night", published_at=ist(2026, 3, 4, 23, 55))
    make_post(title="Eight days ago", published_at=ist(2026, 2, 26, 23, 0))
    response = client.get(AGENDA)
    assert response.status_code == 200
    assert agenda_days(response) == {
        "scheduled_days": [
            ("2026-03-05", "Today", ["Late edition"]),
            ("2026-03-06", "Tomorrow", ["Early edition"]),
            ("2026-03-12", "", ["Next week"]),
        ],
        "published_days": [
            ("2026-03-05", "Today", ["This morning"]),
            ("2026-03-04", "Yesterday", ["Last night"]),
        ],
    }
    page = response.content.decode()
    assert "Thursday 5 March 2026" in page
    assert "Scheduled for 6 Mar 2026, 00:10 IST" in page
    assert page.count('class="reschedule-form"') == 3


def test_agenda_reschedules_a_post(client, editor, frozen_now):
    post = make_scheduled(title="Budget day", published_at=ist(2026, 3, 6, 9, 0))
    response = client.post(AGENDA, {"post": post.pk, "go_live": "2026-03-07T10:30"})
    assert response.status_code == 302
    assert response["Location"] == AGENDA + "#post-%d" % post.pk
    assert message_texts(response) == [
        "“Budget day” rescheduled for 7 Mar 2026, 10:30 IST."
    ]
    post.refresh_from_db()
    assert post.published_at == ist(2026, 3, 7, 10, 30)


def test_agenda_refuses_a_past_time_and_keeps_the_input(client, editor, frozen_now):
    post = make_scheduled(title="Budget day", published_at=ist(2026, 3, 6, 9, 0))
    other = make_scheduled(title="Other", published_at=ist(2026, 3, 6, 10, 0))
    response = client.post(AGENDA, {"post": post.pk, "go_live": "2026-03-01T10:30"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 Mar 2026, 10:30 IST has passed: choose a time in the future." in page
    assert 'value="2026-03-01T10:30"' in page
    assert 'id="id_go_live_%d"' % other.pk in page
    assert 'value="2026-03-06T10:00"' in page  # the other row is untouched
    post.refresh_from_db()
    assert post.published_at == ist(2026, 3, 6, 9, 0)


def test_agenda_refuses_a_post_that_is_not_scheduled(client, editor, frozen_now):
    post = make_post(title="Already live")
    response = client.post(AGENDA, {"post": post.pk, "go_live": "2026-03-07T10:30"})
    assert response.status_code == 200
    assert message_texts(response) == [
        "“Already live” was not rescheduled: You cannot reschedule a post that is live."
    ]
    post.refresh_from_db()
    assert post.is_published()


@pytest.mark.parametrize(
    "data, status", [({"post": "x"}, 400), ({}, 400), ({"post": "999999"}, 404)]
)
def test_agenda_bad_input(client, editor, frozen_now, data, status):
    data.setdefault("go_live", "2026-03-07T10:30")
    assert client.post(AGENDA, data).status_code == status


def test_writer_reads_the_agenda_but_cannot_reschedule(client, writer, frozen_now):
    post = make_scheduled(published_at=ist(2026, 3, 6, 9, 0))
    page = client.get(AGENDA)
    assert page.status_code == 200
    assert 'class="reschedule-form"' not in page.content.decode()
    response = client.post(AGENDA, {"post": post.pk, "go_live": "2026-03-07T10:30"})
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.published_at == ist(2026, 3, 6, 9, 0)


def test_agenda_is_closed_to_moderators_and_needs_csrf(client, frozen_now):
    from django.test import Client

    client.force_login(make_person(roles.MODERATORS))
    assert client.get(AGENDA).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_person(roles.EDITORS))
    post = make_scheduled()
    response = strict.post(AGENDA, {"post": post.pk, "go_live": "2026-03-07T10:30"})
    assert response.status_code == 403


def test_agenda_costs_the_same_queries_for_few_and_many_posts(
    client, editor, frozen_now
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(AGENDA).status_code == 200
        return len(queries)

    for hours in (1, 2):
        make_scheduled(delay=timedelta(hours=hours))
        make_post(published_at=timezone.now() - timedelta(hours=hours))
    count()  # the session and site settings are read once
    few = count()
    for hours in range(3, 30):
        make_scheduled(delay=timedelta(hours=hours))
        make_post(published_at=timezone.now() - timedelta(hours=hours))
    assert count() == few
