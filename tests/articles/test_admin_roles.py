"""Each role's allowed and refused admin actions, with the database unchanged on refusal."""

import pytest
from django.contrib.auth.models import Group

from articles import roles
from articles.models import Label, Page, Post, Status
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.factories import make_draft, make_page, make_post

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/post/"


def test_migration_creates_the_roles():
    """Writers, Editors and Members exist after migrating, with their permissions."""
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ROLE_PERMISSIONS)}
    assert set(groups) == {"Writers", "Editors", "Members"}
    codes = {
        name: set(group.permissions.values_list("codename", flat=True))
        for name, group in groups.items()
    }
    assert "publish_post" in codes["Editors"]
    assert "edit_any_post" in codes["Editors"]
    assert "change_page" in codes["Editors"]
    assert "publish_post" not in codes["Writers"]
    assert "change_page" not in codes["Writers"]
    assert codes["Members"] == set()


@pytest.fixture
def writer(client):
    user = make_person(roles.WRITERS)
    client.force_login(user)
    return user


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS)
    client.force_login(user)
    return user


class TestWriter:
    def test_writes_a_draft_of_their_own(self, client, writer):
        response = client.post(
            "/admin/articles/post/add/", post_form_data(title="Harbour news")
        )
        assert response.status_code == 302
        post = Post.objects.get(title="Harbour news")
        assert post.author == writer
        assert post.status == Status.DRAFT

    def test_submits_for_review(self, client, writer):
        post = make_draft(author=writer)
        response = client.post(
            change_url(post), post_form_data(post, _submit_review="1")
        )
        assert response.status_code == 302
        post.refresh_from_db()
        assert post.status == Status.PENDING

    def test_cannot_choose_published_in_the_form(self, client, writer):
        post = make_draft(author=writer)
        page = client.get(change_url(post)).content.decode()
        assert 'value="published"' not in page
        assert 'name="_publish_now"' not in page
        response = client.post(
            change_url(post), post_form_data(post, status="published")
        )
        assert response.status_code == 200
        post.refresh_from_db()
        assert post.status == Status.DRAFT
        assert Post.objects.published().count() == 0

    def test_publish_now_button_is_refused(self, client, writer):
        post = make_draft(author=writer)
        response = client.post(change_url(post), post_form_data(post, _publish_now="1"))
        assert response.status_code == 403
        post.refresh_from_db()
        assert post.status == Status.DRAFT

    def test_cannot_set_publication_time_or_author(self, client, writer):
        other = make_person(roles.WRITERS)
        post = make_draft(author=writer)
        client.post(
            change_url(post),
            post_form_data(
                post,
                author=other.pk,
                published_at_0="2026-01-01",
                published_at_1="10:00:00",
            ),
        )
        post.refresh_from_db()
        assert post.author == writer
        assert post.published_at is None

    def test_sees_but_cannot_change_another_writers_post(self, client, writer):
        other = make_person(roles.WRITERS)
        post = make_draft(author=other, title="Not yours")
        page = client.get(change_url(post))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        response = client.post(change_url(post), post_form_data(post, title="Mine now"))
        assert response.status_code == 403
        post.refresh_from_db()
        assert post.title == "Not yours"

    def test_cannot_change_own_post_once_published(self, client, writer):
        post = make_post(author=writer, title="Live story")
        response = client.post(change_url(post), post_form_data(post, title="Edited"))
        assert response.status_code == 403
        post.refresh_from_db()
        assert post.title == "Live story"

    def test_cannot_delete_another_writers_post(self, client, writer):
        post = make_draft(author=make_person(roles.WRITERS))
        response = client.post(
            "/admin/articles/post/%d/delete/" % post.pk, {"post": "yes"}
        )
        assert response.status_code == 403
        assert Post.objects.filter(pk=post.pk).exists()

    def test_bulk_publish_is_not_offered_and_a_forged_post_changes_nothing(
        self, client, writer
    ):
        post = make_draft(author=writer)
        page = client.get(CHANGELIST).content.decode()
        assert 'value="publish_now"' not in page
        assert 'value="unpublish"' not in page
        client.post(
            CHANGELIST, {"action": "publish_now", "_selected_action": [post.pk]}
        )
        post.refresh_from_db()
        assert post.status == Status.DRAFT

    def test_bulk_unpublish_forged_changes_nothing(self, client, writer):
        post = make_post(author=writer)
        client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [post.pk]})
        post.refresh_from_db()
        assert post.status == Status.PUBLISHED

    def test_bulk_label_on_others_posts_is_refused(self, client, writer):
        label = Label.objects.create(name="KERALA")
        mine = make_draft(author=writer)
        theirs = make_draft(author=make_person(roles.WRITERS))
        response = client.post(
            CHANGELIST,
            {
                "action": "add_label",
                "_selected_action": [mine.pk, theirs.pk],
                "label": label.pk,
                "apply": "1",
            },
            follow=True,
        )
        assert "Nothing was changed" in response.content.decode()
        assert mine.label_list == [] and theirs.label_list == []

    def test_bulk_label_on_own_drafts_is_allowed(self, client, writer):
        label = Label.objects.create(name="KERALA")
        mine = make_draft(author=writer)
        client.post(
            CHANGELIST,
            {
                "action": "add_label",
                "_selected_action": [mine.pk],
                "label": label.pk,
                "apply": "1",
            },
        )
        assert [item.name for item in mine.label_list] == ["KERALA"]

    def test_cannot_create_labels(self, client, writer):
        response = client.post(
            "/admin/articles/post/add/",
            post_form_data(title="With new label", new_labels="Brand new"),
        )
        assert response.status_code == 200
        assert "Only editors create labels" in response.content.decode()
        assert not Label.objects.filter(name="Brand new").exists()
        assert not Post.objects.filter(title="With new label").exists()

    def test_no_pages_labels_or_recovery(self, client, writer):
        page = make_page(title="About")
        label = Label.objects.create(name="GLOBE")
        assert client.get("/admin/articles/page/").status_code == 403
        response = client.post(
            "/admin/articles/page/%d/change/" % page.pk, {"title": "Changed"}
        )
        assert response.status_code == 403
        response = client.post(
            "/admin/articles/label/%d/change/" % label.pk, {"name": "Renamed"}
        )
        assert response.status_code == 403
        assert client.get("/admin/articles/post/recover/").status_code == 403
        assert Page.objects.get(pk=page.pk).title == "About"
        assert Label.objects.get(pk=label.pk).name == "GLOBE"


class TestEditor:
    def test_publishes_now_with_the_button(self, client, editor):
        post = make_draft(author=make_person(roles.WRITERS))
        response = client.post(change_url(post), post_form_data(post, _publish_now="1"))
        assert response.status_code == 302
        post.refresh_from_db()
        assert post.is_published() is True

    def test_edits_a_writers_post(self, client, editor):
        post = make_draft(author=make_person(roles.WRITERS), title="Rough")
        client.post(change_url(post), post_form_data(post, title="Polished"))
        post.refresh_from_db()
        assert post.title == "Polished"

    def test_unpublishes_with_the_button(self, client, editor):
        post = make_post()
        client.post(change_url(post), post_form_data(post, _unpublish="1"))
        post.refresh_from_db()
        assert post.status == Status.DRAFT
        assert post.permalink  # the address stays reserved

    def test_bulk_publish_and_unpublish(self, client, editor):
        drafts = [make_draft(), make_draft()]
        client.post(
            CHANGELIST,
            {"action": "publish_now", "_selected_action": [p.pk for p in drafts]},
        )
        assert Post.objects.published().count() == 2
        client.post(
            CHANGELIST,
            {"action": "unpublish", "_selected_action": [p.pk for p in drafts]},
        )
        assert Post.objects.published().count() == 0

    def test_bulk_add_and_remove_label(self, client, editor):
        label = Label.objects.create(name="TRAVEL")
        posts = [make_post(labels=["GLOBE"]), make_draft()]
        ids = [p.pk for p in posts]
        page = client.post(CHANGELIST, {"action": "add_label", "_selected_action": ids})
        assert page.status_code == 200 and b'name="apply"' in page.content
        client.post(
            CHANGELIST,
            {
                "action": "add_label",
                "_selected_action": ids,
                "label": label.pk,
                "apply": "1",
            },
        )
        assert [lb.name for lb in posts[0].label_list] == ["GLOBE", "TRAVEL"]
        assert [lb.name for lb in posts[1].label_list] == ["TRAVEL"]
        client.post(
            CHANGELIST,
            {
                "action": "remove_label",
                "_selected_action": ids,
                "label": label.pk,
                "apply": "1",
            },
        )
        assert [lb.name for lb in posts[0].label_list] == ["GLOBE"]
        assert posts[1].label_list == []

    def test_manages_pages_and_labels(self, client, editor):
        assert client.get("/admin/articles/page/").status_code == 200
        assert client.get("/admin/articles/label/").status_code == 200
        assert client.get("/admin/articles/image/").status_code == 200


def test_moderator_has_nothing_about_posts(client):
    client.force_login(make_person(roles.MODERATORS))
    post = make_draft(title="Untouched")
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(post)).status_code == 403
    response = client.post("/admin/articles/post/add/", post_form_data(title="Sneaky"))
    assert response.status_code == 403
    response = client.post(change_url(post), post_form_data(post, title="Changed"))
    assert response.status_code == 403
    client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [post.pk]})
    post.refresh_from_db()
    assert (post.title, post.status) == ("Untouched", Status.DRAFT)
    assert not Post.objects.filter(title="Sneaky").exists()
    assert client.get("/admin/comments/comment/").status_code == 200


def test_member_has_no_admin(client):
    client.force_login(make_person(roles.MEMBERS))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    response = client.post("/admin/articles/post/add/", post_form_data(title="No"))
    assert response.status_code == 302
    assert not Post.objects.filter(title="No").exists()


def test_member_helper_knows_members():
    member = make_person(roles.MEMBERS)
    reader = make_person(roles.MEMBERS)
    reader.groups.clear()
    assert roles.is_member(member) is True
    assert roles.is_member(reader) is False


def test_demo_loader_uses_the_migrated_roles():
    from articles.demo import _ensure_groups

    editors, writers, moderators = _ensure_groups()
    assert (editors.name, writers.name, moderators.name) == (
        "Editors",
        "Writers",
        "Moderators",
    )
    assert editors.permissions.filter(codename="publish_post").exists()
    assert not writers.permissions.filter(codename="publish_post").exists()
    assert not moderators.permissions.filter(
        content_type__app_label="articles"
    ).exists()


def test_writer_bulk_delete_of_others_posts_is_refused(client):
    writer = make_person(roles.WRITERS)
    client.force_login(writer)
    mine = make_draft(author=writer)
    theirs = make_draft(author=make_person(roles.WRITERS))
    response = client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [mine.pk, theirs.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 403
    assert Post.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2
