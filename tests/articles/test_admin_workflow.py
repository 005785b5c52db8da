"""Draft → pending review → published, scheduling, list filters, search, dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import roles
from articles.models import Post, Status
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.factories import make_draft, make_post

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/post/"


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS, first_name="Asha", last_name="Menon")
    client.force_login(user)
    return user


def titles(response):
    return {post.title for post in response.context["cl"].result_list}


def test_writer_draft_goes_through_review_to_publication(client, frozen_now):
    writer = make_person(roles.WRITERS)
    editor = make_person(roles.EDITORS)
    client.force_login(writer)
    client.post("/admin/articles/post/add/", post_form_data(title="Monsoon relief"))
    post = Post.objects.get(title="Monsoon relief")
    client.post(change_url(post), post_form_data(post, _submit_review="1"))
    post.refresh_from_db()
    assert post.status == Status.PENDING
    client.force_login(editor)
    response = client.get(CHANGELIST + "?state=pending")
    assert titles(response) == {"Monsoon relief"}
    client.post(change_url(post), post_form_data(post, _publish_now="1"))
    post.refresh_from_db()
    assert post.is_published() is True
    assert post.published_at == timezone.now()


def test_schedule_shows_scheduled_and_goes_live_by_itself(client, editor, frozen_now):
    post = make_draft(title="Ten minutes ahead")
    later = timezone.localtime() + timedelta(minutes=10)
    client.post(
        change_url(post),
        post_form_data(
            post,
            status="published",
            published_at_0=later.strftime("%Y-%m-%d"),
            published_at_1=later.strftime("%H:%M:%S"),
        ),
    )
    post.refresh_from_db()
    assert post.is_scheduled() is True
    listing = client.get(CHANGELIST).content.decode()
    assert (
        '<span class="state-chip state-scheduled">Scheduled for 5 Mar 2026, 12:10 IST'
        in listing
    )
    assert titles(client.get(CHANGELIST + "?state=scheduled")) == {"Ten minutes ahead"}
    assert client.get(post.permalink).status_code == 404
    frozen_now.shift(timedelta(minutes=10))
    assert client.get(post.permalink).status_code == 200
    assert titles(client.get(CHANGELIST + "?state=live")) == {"Ten minutes ahead"}


def test_empty_publication_time_means_now(client, editor, frozen_now):
    post = make_draft()
    client.post(change_url(post), post_form_data(post, status="published"))
    post.refresh_from_db()
    assert post.published_at == timezone.now()


def test_list_filters_by_label_author_and_month(client, editor, frozen_now):
    writer = make_person(roles.WRITERS)
    make_post(title="Kerala rain", labels=["KERALA"], author=writer)
    make_post(
        title="Old story",
        published_at=timezone.now() - timedelta(days=62),
        author=editor,
    )
    make_draft(title="Undated draft")
    label_id = Post.objects.get(title="Kerala rain").label_list[0].pk
    assert titles(client.get(CHANGELIST + "?label=%d" % label_id)) == {"Kerala rain"}
    assert titles(client.get(CHANGELIST + "?author__id__exact=%d" % writer.pk)) == {
        "Kerala rain"
    }
    assert titles(client.get(CHANGELIST + "?month=2026-01")) == {"Old story"}
    assert titles(client.get(CHANGELIST + "?month=2026-03")) == {"Kerala rain"}
    assert titles(client.get(CHANGELIST + "?state=draft")) == {"Undated draft"}


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "0000-01", "2026-13", "x-y"])
def test_a_month_filter_outside_the_calendar_lists_nothing(client, editor, month):
    make_post(title="Kerala rain")
    response = client.get(CHANGELIST + "?month=" + month)
    assert response.status_code == 200
    assert titles(response) == set()


def test_search_finds_titles_and_excerpts(client, editor):
    make_post(title="Harbour reopens", excerpt="Boats return to Kochi.")
    make_post(title="Film festival")
    assert titles(client.get(CHANGELIST + "?q=harbour")) == {"Harbour reopens"}
    assert titles(client.get(CHANGELIST + "?q=Kochi")) == {"Harbour reopens"}


def test_labels_keep_the_chosen_order(client, editor):
    post = make_draft(labels=["TOP STORY", "AROUND THE GLOBE"])
    first, second = post.label_list
    client.post(
        change_url(post), post_form_data(post, chosen_labels=[second.pk, first.pk])
    )
    assert [label.name for label in post.label_list] == [
        "AROUND THE GLOBE",
        "TOP STORY",
    ]
    page = client.get(change_url(post)).content.decode()
    assert page.index(">AROUND THE GLOBE<") < page.index(">TOP STORY<")


def test_editor_creates_new_labels_explicitly(client, editor):
    post = make_draft(labels=["GLOBE"])
    client.post(change_url(post), post_form_data(post, new_labels="Fresh, GLOBE"))
    assert [label.name for label in post.label_list] == ["GLOBE", "Fresh"]


# The dashboard's lists and counts: tests/articles/test_dashboard.py.


def test_dashboard_shows_comments_awaiting_moderation(admin_client):
    from comments.models import Comment

    post = make_post()
    Comment.objects.create(
        post=post, name="Reader", text="First!", status=Comment.Status.PENDING
    )
    page = admin_client.get("/admin/").content.decode()
    assert 'id="newsroom-dashboard"' in page
    assert "Reader comments" in page
    assert "/admin/comments/comment/?status__exact=pending" in page


def test_moderator_dashboard_has_comments_only(client):
    client.force_login(make_person(roles.MODERATORS))
    page = client.get("/admin/").content.decode()
    assert 'id="newsroom-dashboard"' not in page
    assert "Reader comments" in page


def test_body_uses_the_rich_text_editor_with_the_newsroom_tools(client, editor):
    import json
    import re

    page = client.get("/admin/articles/post/add/").content.decode()
    config = json.loads(
        re.search(r'data-django-prose-editor-configurable="([^"]+)"', page)
        .group(1)
        .replace("&quot;", '"')
    )
    for tool in ("Heading", "Bold", "Italic", "Link", "BulletList", "Blockquote"):
        assert tool in config["extensions"]
    assert "CodeBlock" in config["extensions"]
    assert config["extensions"]["Figure"]["pickerUrl"] == (
        "/admin/articles/post/image-picker/"
    )


def test_image_picker_offers_library_images_at_body_size(client, editor):
    from tests.factories import make_image

    image = make_image(alt_text="Harbour at dawn", filename="harbour.jpg")
    page = client.get("/admin/articles/post/image-picker/?CKEditorFuncNum=-1")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-url="/img/%s/s1600/harbour.jpg"' % image.key in html
    assert 'data-alt="Harbour at dawn"' in html
    assert 'data-func-num="-1"' in html
    assert "<script>" not in html


def test_image_picker_is_closed_to_moderators(client):
    client.force_login(make_person(roles.MODERATORS))
    assert client.get("/admin/articles/post/image-picker/").status_code == 403


def test_editor_assigns_the_author(client, editor):
    writer = make_person(roles.WRITERS, first_name="Kavya", last_name="Raman")
    reader = make_person(roles.MEMBERS)
    post = make_draft(author=editor)
    page = client.get(change_url(post)).content.decode()
    assert '<option value="%d">' % writer.pk in page
    assert '<option value="%d">' % reader.pk not in page
    client.post(change_url(post), post_form_data(post, author=writer.pk))
    post.refresh_from_db()
    assert post.author == writer
