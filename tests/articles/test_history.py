"""
Post history with django-reversion: true summaries, a readable compare, a
restore that keeps the publication state, recovery of deleted posts.
"""

import re
from datetime import timedelta

import pytest
import reversion
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from articles import roles
from articles.models import Page, Post, Status
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.factories import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS, first_name="Asha", last_name="Menon")
    client.force_login(user)
    return user


def save_through_admin(client, post, **changes):
    post.refresh_from_db()
    response = client.post(change_url(post), post_form_data(post, **changes))
    assert response.status_code == 302, response.content[:800]
    post.refresh_from_db()
    return post


def history_url(post):
    return "/admin/articles/post/%d/history/" % post.pk


def compare(client, post, a, b):
    return client.get(
        "/admin/articles/post/%d/history/compare/?a=%s&b=%s" % (post.pk, a, b)
    )


def restore_url(post, version):
    return "/admin/articles/post/%d/history/%d/" % (post.pk, version.pk)


def versions_of(post):
    """Newest first."""
    return list(Version.objects.get_for_object(post))


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def live_story(client, frozen_now):
    """A story written as a draft, published an hour later, then edited while live."""
    post = make_draft(
        title="Flood report",
        body="<p>The river rose by two metres.</p><p>Roads are shut.</p>",
        labels=["Local", "Weather"],
    )
    save_through_admin(client, post)
    frozen_now.shift(timedelta(hours=1))
    save_through_admin(client, post, status=Status.PUBLISHED)
    frozen_now.shift(timedelta(hours=1))
    save_through_admin(
        client,
        post,
        body="<p>The river rose by three metres.</p><p>Roads are shut.</p>",
    )
    return post


# Summaries.


def test_every_admin_save_is_a_revision_with_its_author(client, editor):
    client.post("/admin/articles/post/add/", post_form_data(title="First"))
    post = Post.objects.get(title="First")
    save_through_admin(client, post, title="Second")
    versions = Version.objects.get_for_object(post)
    assert versions.count() == 2
    assert {v.revision.user for v in versions} == {editor}
    history = client.get(history_url(post))
    assert "Asha Menon" in history.content.decode()


def test_a_status_change_is_summarised_as_a_status_change_only(
    client, editor, frozen_now
):
    """The finding: publishing alone was logged as "Changed Body, Labels"."""
    post = make_draft(
        title="Budget", body="<p>Numbers &amp; <em>more</em>.</p>", labels=["Money"]
    )
    save_through_admin(client, post)
    save_through_admin(client, post, status=Status.PUBLISHED)
    rows = client.get(history_url(post)).context["rows"]
    assert rows[0]["summary"] == [
        "Status: Draft → Published",
        "Publication time: not set → 5 Mar 2026, 12:00",
    ]
    assert rows[1]["summary"] == ["Created as Draft"]
    # The stored change message names what publishing set, not Body or Labels.
    message = LogEntry.objects.filter(object_id=str(post.pk)).order_by("-pk")[0]
    assert message.get_change_message() == "Changed Status, Published at and Slug."


def test_summaries_count_words_and_name_labels(client, editor):
    post = make_draft(body="<p>One two three.</p>", labels=["Local", "Sports"])
    save_through_admin(client, post)
    local, sports = post.label_list
    save_through_admin(
        client,
        post,
        body="<p>One two three four five.</p>",
        chosen_labels=[sports.pk],
        new_labels="Crime",
    )
    summary = client.get(history_url(post)).context["rows"][0]["summary"]
    assert summary == ["Labels: +Crime −Local", "Body edited (+2 words)"]


def test_saving_without_changes_says_so(client, editor):
    post = make_draft(body="<p>Same.</p>", labels=["Local"])
    save_through_admin(client, post)
    save_through_admin(client, post)
    row = client.get(history_url(post)).context["rows"][0]
    assert row["summary"] == ["No changes to the post's fields"]
    message = LogEntry.objects.filter(object_id=str(post.pk)).order_by("-pk")[0]
    assert message.get_change_message() == "No fields changed."


def test_history_costs_the_same_queries_for_3_and_8_revisions(client, editor):
    post = make_draft(labels=["Local"])
    for number in range(3):
        save_through_admin(client, post, title="Title %d" % number)
    with CaptureQueriesContext(connection) as small:
        client.get(history_url(post))
    for number in range(5):
        save_through_admin(client, post, title="Title %d" % (number + 10))
    with CaptureQueriesContext(connection) as big:
        response = client.get(history_url(post))
    assert len(response.context["rows"]) == 8
    assert len(big.captured_queries) == len(small.captured_queries)


# Compare.


def test_compare_marks_changed_words_in_changed_fields_only(client, editor):
    post = make_draft(title="Report", body="<p>The river rose.</p><p>Roads shut.</p>")
    save_through_admin(client, post)
    save_through_admin(client, post, body="<p>The river fell.</p><p>Roads shut.</p>")
    newer, older = versions_of(post)[:2]
    response = compare(client, post, older.pk, newer.pk)
    assert response.status_code == 200
    assert [change.name for change in response.context["changes"]] == ["body"]
    page = text(response)
    assert (
        '<p class="diff-changed">The river <del>rose</del> <ins>fell</ins>.</p>' in page
    )
    assert '<p class="diff-same">Roads shut.</p>' in page
    # Rendered text, not HTML source; no 1567 px table.
    assert "&lt;p&gt;" not in page and "diff_chg" not in page
    # The admin's own breadcrumbs (an <ol>, styled like every admin page).
    assert '<ol class="breadcrumbs">' in page


def test_compare_either_order_and_with_the_current_post(client, editor):
    post = make_draft(title="Old headline")
    save_through_admin(client, post)
    save_through_admin(client, post, title="New headline")
    newer, older = versions_of(post)[:2]
    swapped = compare(client, post, newer.pk, older.pk)
    assert "<del>Old</del> <ins>New</ins> headline" in text(swapped)
    Post.objects.filter(pk=post.pk).update(title="Newest headline")
    current = compare(client, post, older.pk, "current")
    assert "<del>Old</del> <ins>Newest</ins> headline" in text(current)
    assert "the current post" in text(current)


def test_compare_escapes_what_editors_typed(client, editor):
    post = make_draft(title="Plain", body="<p>Safe text.</p>")
    save_through_admin(client, post)
    save_through_admin(
        client,
        post,
        title='Title <script>alert("x")</script>',
        body="<p>Text with &lt;b&gt; typed.</p>",
    )
    newer, older = versions_of(post)[:2]
    page = text(compare(client, post, older.pk, newer.pk))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "&lt;b&gt;" in page


def test_compare_shows_label_changes(client, editor):
    post = make_draft(labels=["GLOBE", "KERALA"])
    save_through_admin(client, post)
    globe, kerala = post.label_list
    save_through_admin(client, post, chosen_labels=[kerala.pk])
    newer, older = versions_of(post)[:2]
    response = compare(client, post, older.pk, newer.pk)
    assert [change.name for change in response.context["changes"]] == ["labels"]
    assert "<del>GLOBE</del>" in text(response)


def test_compare_answers_bad_addresses_clearly(client, editor):
    post = make_draft()
    save_through_admin(client, post)
    version = versions_of(post)[0]
    assert compare(client, post, version.pk, "x").status_code == 400
    assert compare(client, post, "", version.pk).status_code == 400
    assert compare(client, post, 999999, version.pk).status_code == 404
    other = make_draft()
    save_through_admin(client, other)
    assert compare(client, post, versions_of(other)[0].pk, "current").status_code == 404
    assert compare(client, post, version.pk, version.pk).status_code == 302


# Restore.


def test_restore_page_names_the_post_and_what_will_change(client, editor, frozen_now):
    post = live_story(client, frozen_now)
    first = versions_of(post)[-1]
    response = client.get(restore_url(post, first))
    assert response.status_code == 200
    page = text(response)
    assert "Flood report" in page
    assert "object" not in page.split('id="content-main"')[1]
    assert 'value="Restore this version"' in page and ">Cancel</a>" in page
    assert "<del>three</del> <ins>two</ins>" in page
    assert "Also restore its publication state (Draft)" in page
    # Looking changes nothing.
    post.refresh_from_db()
    assert "three metres" in post.body


def test_restore_keeps_the_publication_state_by_default(client, editor, frozen_now):
    post = live_story(client, frozen_now)
    published_at, version_before = post.published_at, post.version
    first = versions_of(post)[-1]
    response = client.post(restore_url(post, first), {"seen_version": post.version})
    assert response.status_code == 302
    post.refresh_from_db()
    assert "two metres" in post.body
    assert (post.status, post.published_at) == (Status.PUBLISHED, published_at)
    assert post.is_published()
    assert [label.name for label in post.label_list] == ["Local", "Weather"]
    # Version numbers keep rising, so forms opened before the restore are stale.
    assert post.version > version_before
    newest = versions_of(post)[0]
    assert newest.revision.comment.startswith("Restored the version of")
    assert newest.revision.user == editor


def test_restore_that_would_unpublish_is_refused_without_confirmation(
    client, editor, frozen_now
):
    post = live_story(client, frozen_now)
    first = versions_of(post)[-1]
    refused = client.post(
        restore_url(post, first),
        {"seen_version": post.version, "restore_state": "on"},
    )
    assert refused.status_code == 400
    assert "takes it down" in text(refused)
    assert "Tick the confirmation" in text(refused)
    post.refresh_from_db()
    assert post.is_published() and "three metres" in post.body

    done = client.post(
        restore_url(post, first),
        {"seen_version": post.version, "restore_state": "on", "confirm": "on"},
    )
    assert done.status_code == 302
    post.refresh_from_db()
    assert post.status == Status.DRAFT and "two metres" in post.body
    # The address stays reserved for the post.
    assert post.permalink


def test_restore_to_a_live_revision_keeps_the_live_time_unless_confirmed(
    client, editor, frozen_now
):
    post = live_story(client, frozen_now)
    live_version = versions_of(post)[1]
    frozen_now.shift(timedelta(hours=1))
    save_through_admin(client, post, status=Status.DRAFT)
    frozen_now.shift(timedelta(hours=1))
    # Published again later: a new live time.
    client.post(change_url(post), post_form_data(post, _publish_now="1"))
    post.refresh_from_db()
    new_time = post.published_at
    refused = client.post(
        restore_url(post, live_version),
        {"seen_version": post.version, "restore_state": "on"},
    )
    assert refused.status_code == 400
    assert "changes the time it went live" in text(refused)
    post.refresh_from_db()
    assert post.published_at == new_time


def test_restore_from_a_stale_page_is_refused(client, editor, frozen_now):
    post = live_story(client, frozen_now)
    first = versions_of(post)[-1]
    seen = post.version
    save_through_admin(client, post, title="Flood report, updated")
    response = client.post(restore_url(post, first), {"seen_version": seen})
    assert response.status_code == 400
    assert "saved by someone else" in text(response)
    post.refresh_from_db()
    assert post.title == "Flood report, updated"


def test_restore_needs_a_revision_of_this_post(client, editor):
    post = make_draft()
    save_through_admin(client, post)
    other = make_draft()
    save_through_admin(client, other)
    url = restore_url(post, versions_of(other)[0])
    assert client.get(url).status_code == 404
    assert client.post(url, {"seen_version": post.version}).status_code == 404


def test_recover_a_deleted_post(client, editor):
    client.post("/admin/articles/post/add/", post_form_data(title="Deleted by mistake"))
    post = Post.objects.get(title="Deleted by mistake")
    response = client.post("/admin/articles/post/%d/delete/" % post.pk, {"post": "yes"})
    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
    listing = client.get("/admin/articles/post/recover/")
    assert "Deleted by mistake" in listing.content.decode()
    version = Version.objects.get_deleted(Post).get(object_id=str(post.pk))
    url = "/admin/articles/post/recover/%d/" % version.pk
    page = client.get(url)
    assert 'value="Recover this post"' in page.content.decode()
    data = post_form_data(title="Deleted by mistake")
    data["edit_version"] = page.context["adminform"].form["edit_version"].value()
    response = client.post(url, data)
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).title == "Deleted by mistake"


def test_writer_cannot_recover_or_restore_others_posts(client):
    writer = make_person(roles.WRITERS)
    client.force_login(writer)
    other = make_draft(author=make_person(roles.WRITERS), title="Theirs")
    other.title = "Theirs, edited"
    with reversion.create_revision():
        other.save()
    version = Version.objects.get_for_object(other).first()
    assert client.get("/admin/articles/post/recover/").status_code == 403
    url = restore_url(other, version)
    assert client.get(url).status_code == 403
    response = client.post(url, {"seen_version": other.version})
    assert response.status_code == 403
    assert Post.objects.get(pk=other.pk).title == "Theirs, edited"


def test_pages_have_history_too(client, editor):
    client.post(
        "/admin/articles/page/add/",
        {
            "title": "About",
            "slug": "",
            "body": "<p>Hi</p>",
            "status": "draft",
            "published_at_0": "",
            "published_at_1": "",
            "show_in_menu": "on",
            "blogger_id": "",
        },
    )
    page = Page.objects.get(title="About")
    assert Version.objects.get_for_object(page).count() == 1


def test_a_writer_restores_their_own_draft_but_cannot_publish_by_restoring(
    client, frozen_now
):
    writer = make_person(roles.WRITERS, first_name="Kavya", last_name="Raman")
    client.force_login(writer)
    post = make_draft(author=writer, title="My draft", body="<p>First words.</p>")
    save_through_admin(client, post)
    save_through_admin(client, post, body="<p>Second words.</p>")
    first = versions_of(post)[-1]
    response = client.post(restore_url(post, first), {"seen_version": post.version})
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.body, post.status) == ("<p>First words.</p>", Status.DRAFT)
    # A revision an editor published cannot be brought back live by a writer.
    live = versions_of(post)[0]
    Version.objects.filter(pk=live.pk).update(
        serialized_data=live.serialized_data.replace('"draft"', '"published"')
    )
    response = client.post(
        restore_url(post, live),
        {"seen_version": post.version, "restore_state": "on"},
    )
    assert response.status_code == 400
    assert "Only editors may publish now a post." in text(response)
    post.refresh_from_db()
    assert post.status == Status.DRAFT
