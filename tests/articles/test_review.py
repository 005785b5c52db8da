"""
Review: submitting tells the editors (mail and dashboard), an editor's
request for changes reaches the writer (mail and the top of the post form)
until they submit again, and every step is kept as a ReviewNote.
"""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import preview, roles
from articles.models import Post, ReviewNote, Status
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.factories import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "writer": make_person(
            roles.WRITERS,
            first_name="Kavya",
            last_name="Raman",
            email="kavya@example.com",
        ),
        "editor": make_person(
            roles.EDITORS,
            first_name="Asha",
            last_name="Menon",
            email="asha@example.com",
        ),
        "second editor": make_person(
            roles.EDITORS, username="ravi", email="ravi@example.com"
        ),
        # Told nothing: no longer active, or no address.
        "gone": make_person(roles.EDITORS, email="gone@example.com", is_active=False),
        "no mail": make_person(roles.EDITORS, email=""),
    }


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def submit(client, post, **extra):
    return client.post(
        change_url(post), post_form_data(post, _submit_review="1", **extra)
    )


def test_submitting_mails_the_editors_and_says_so(
    client, people, frozen_now, django_capture_on_commit_callbacks
):
    writer = people["writer"]
    post = make_draft(title="Monsoon relief", author=writer)
    client.force_login(writer)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, post, review_note="Photos to come.")
    assert response.status_code == 302
    assert messages_of(response) == [
        "Submitted for review — the editors have been told."
    ]
    post.refresh_from_db()
    assert post.status == Status.PENDING
    assert sorted(message.to[0] for message in mail.outbox) == [
        "Asha Menon <asha@example.com>",
        "ravi <ravi@example.com>",
    ]
    message = mail.outbox[0]
    assert message.subject == "[Local Glob] “Monsoon relief” is waiting for review"
    assert "Kavya Raman submitted “Monsoon relief” for review." in message.body
    assert "Photos to come." in message.body
    assert "http://testserver%s" % change_url(post) in message.body
    step = ReviewNote.objects.get(post=post)
    assert (step.kind, step.author, step.note) == (
        ReviewNote.Kind.SUBMITTED,
        writer,
        "Photos to come.",
    )


def test_a_new_post_can_be_submitted_at_once(
    client, people, frozen_now, django_capture_on_commit_callbacks
):
    client.force_login(people["writer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/articles/post/add/",
            post_form_data(title="Straight in", _submit_review="1"),
        )
    post = Post.objects.get(title="Straight in")
    assert response["Location"] == change_url(post)
    assert post.status == Status.PENDING
    assert len(mail.outbox) == 2


def test_a_status_sent_as_pending_is_a_submission_too(
    client, people, frozen_now, django_capture_on_commit_callbacks
):
    post = make_draft(author=people["writer"])
    client.force_login(people["writer"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(post), post_form_data(post, status="pending"))
    post.refresh_from_db()
    assert post.status == Status.PENDING
    assert len(mail.outbox) == 2
    assert ReviewNote.objects.get(post=post).kind == ReviewNote.Kind.SUBMITTED


def test_the_editor_sees_it_on_the_dashboard_and_the_form(client, people, frozen_now):
    post = make_draft(title="Monsoon relief", author=people["writer"])
    client.force_login(people["writer"])
    submit(client, post, review_note="Photos to come.")
    client.force_login(people["editor"])
    page = client.get("/admin/").content.decode()
    waiting = page[page.index('id="dashboard-pending"') :]
    assert "Monsoon relief" in waiting[: waiting.index("</section>")]
    assert "Kavya Raman, submitted 5 Mar 2026, 12:00 IST" in waiting
    form = client.get(change_url(post)).content.decode()
    assert (
        "Kavya Raman submitted this post for review on 5 Mar 2026, 12:00 IST." in form
    )
    assert "<blockquote>Photos to come.</blockquote>" in form


def test_request_changes_round_trip(
    client, people, frozen_now, django_capture_on_commit_callbacks
):
    writer, editor = people["writer"], people["editor"]
    post = make_draft(title="Monsoon relief", author=writer, status=Status.PENDING)
    client.force_login(editor)
    note = "Name the second source.\nAnd check the toll."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(post),
            post_form_data(post, _request_changes="1", review_note=note),
        )
    assert messages_of(response) == ["Changes requested — Kavya Raman has been told."]
    post.refresh_from_db()
    assert post.status == Status.DRAFT
    [message] = mail.outbox
    assert message.to == ["Kavya Raman <kavya@example.com>"]
    assert message.subject == "[Local Glob] Changes requested on “Monsoon relief”"
    assert "Asha Menon asks for changes to “Monsoon relief”:" in message.body
    assert note in message.body

    # The writer reads the note on top of the post form...
    client.force_login(writer)
    form = client.get(change_url(post)).content.decode()
    assert "Asha Menon asked for changes on 5 Mar 2026, 12:00 IST:" in form
    assert form.index("Name the second source.") < form.index('name="title"')
    # ...until they submit again.
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, post)
    form = client.get(change_url(post)).content.decode()
    assert "asked for changes" not in form
    assert [step.kind for step in ReviewNote.objects.filter(post=post)] == [
        ReviewNote.Kind.SUBMITTED,
        ReviewNote.Kind.CHANGES_REQUESTED,
    ]


def test_request_changes_needs_a_note(client, people, frozen_now):
    post = make_draft(author=people["writer"], status=Status.PENDING)
    client.force_login(people["editor"])
    response = client.post(
        change_url(post),
        post_form_data(
            post, title="Edited title", _request_changes="1", review_note=" "
        ),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["review_note"] == [
        "Write what the writer should change."
    ]
    assert 'value="Edited title"' in response.content.decode()
    post.refresh_from_db()
    assert post.status == Status.PENDING
    assert not mail.outbox


def test_only_editors_request_changes(client, people, frozen_now):
    post = make_draft(author=people["writer"], status=Status.PENDING)
    client.force_login(people["writer"])
    response = client.post(
        change_url(post),
        post_form_data(post, _request_changes="1", review_note="Mine is fine."),
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.status == Status.PENDING
    assert not ReviewNote.objects.exists()


def test_publishing_a_post_in_review_approves_it(client, people, frozen_now):
    post = make_draft(author=people["writer"], status=Status.PENDING)
    client.force_login(people["editor"])
    client.post(
        change_url(post),
        post_form_data(post, _schedule="1", schedule_at="2026-03-06T09:00"),
    )
    step = ReviewNote.objects.get(post=post)
    assert (step.kind, step.author) == (ReviewNote.Kind.APPROVED, people["editor"])


def test_a_mail_failure_does_not_undo_the_submission(
    client, people, frozen_now, mail_server_down, django_capture_on_commit_callbacks
):
    post = make_draft(author=people["writer"])
    client.force_login(people["writer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, post)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Status.PENDING


def test_the_form_costs_the_same_with_more_notes_and_links(client, people, frozen_now):
    post = make_draft(author=people["writer"], status=Status.PENDING)
    client.force_login(people["editor"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(change_url(post)).status_code == 200
        return len(queries)

    ReviewNote.objects.create(post=post, kind=ReviewNote.Kind.SUBMITTED)
    preview.create_link(post, people["editor"])
    count()
    few = count()
    for _ in range(5):
        ReviewNote.objects.create(post=post, kind=ReviewNote.Kind.SUBMITTED)
        preview.create_link(post, people["writer"])
    assert count() == few
