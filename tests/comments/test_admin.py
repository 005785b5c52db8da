import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Post
from articles.roles import EDITORS, ensure_roles
from comments.models import Comment, ModerationEvent
from comments.roles import MODERATOR_PERMISSIONS, MODERATORS
from tests.factories import (
    make_comment,
    make_moderator,
    make_page,
    make_post,
    make_user,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status
CHANGELIST = "admin:comments_comment_changelist"


@pytest.fixture
def moderator_client(client):
    client.user = make_moderator()
    client.force_login(client.user)
    return client


def act(client, action, comments):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


def test_migration_gives_moderators_comment_permissions_only():
    """The data migration's group: comment permissions, nothing about posts."""
    group = Group.objects.get(name=MODERATORS)
    perms = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert perms == {("comments", codename) for codename in MODERATOR_PERMISSIONS}


def test_queue_lists_pending_first_with_post_author_text_ip_time(moderator_client):
    post = make_post(title="Harbour reopens")
    approved = make_comment(post, text="Approved words")
    pending = make_comment(
        post,
        status=Status.PENDING,
        name="Ravi",
        text="Held words",
        ip_address="203.0.113.9",
    )
    response = moderator_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [pending, approved]
    html = response.content.decode()
    for shown in ["Harbour reopens", "Ravi", "Held words", "203.0.113.9"]:
        assert shown in html


def test_filters_by_state_and_post(moderator_client):
    post, other = make_post(), make_post()
    make_comment(post, status=Status.SPAM)
    wanted = make_comment(post, status=Status.PENDING)
    make_comment(other, status=Status.PENDING)
    response = moderator_client.get(
        reverse(CHANGELIST), {"status__exact": "pending", "post__id__exact": post.pk}
    )
    assert list(response.context["cl"].result_list) == [wanted]


def test_bulk_actions_go_through_the_services(moderator_client):
    moderator = moderator_client.user
    first = make_comment(status=Status.PENDING)
    second = make_comment(status=Status.PENDING)
    approved = make_comment()
    response = act(moderator_client, "approve", [first, second, approved])
    assert "Approved 2." in response.content.decode()
    assert "1 comment was skipped" in response.content.decode()
    for comment in (first, second):
        comment.refresh_from_db()
        assert (comment.status, comment.moderated_by) == (Status.APPROVED, moderator)
    act(moderator_client, "mark_spam", [first])
    act(moderator_client, "remove", [second])
    act(moderator_client, "restore", [first])
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: Status.APPROVED,
        second.pk: Status.REMOVED,
        approved.pk: Status.APPROVED,
    }
    assert ModerationEvent.objects.filter(actor=moderator).count() == 5


def test_audit_list_shows_who_and_what(moderator_client):
    act(moderator_client, "approve", [make_comment(status=Status.PENDING)])
    response = moderator_client.get(
        reverse("admin:comments_moderationevent_changelist")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert moderator_client.user.username in html
    assert "Approved" in html


def test_dashboard_shows_queue_counts(moderator_client):
    make_comment(status=Status.PENDING)
    make_comment(status=Status.PENDING)
    make_comment(status=Status.SPAM)
    html = moderator_client.get(reverse("admin:index")).content.decode()
    assert 'id="comment-queue"' in html
    assert (
        '?status__exact=pending">Pending</a></th>\n      <td><strong>2</strong>' in html
    )


def test_dashboard_hides_counts_from_editors(client):
    editor = make_user(is_staff=True)
    editor.groups.add(ensure_roles()[EDITORS])
    client.force_login(editor)
    assert (
        'id="comment-queue"' not in client.get(reverse("admin:index")).content.decode()
    )


def test_editors_without_comment_permissions_cannot_moderate(client):
    """403 and nothing changed, in the admin queue and through its actions."""
    editor = make_user(is_staff=True)
    editor.groups.add(ensure_roles()[EDITORS])
    client.force_login(editor)
    held = make_comment(status=Status.PENDING)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    response = client.post(
        reverse(CHANGELIST), {"action": "approve", "_selected_action": [held.pk]}
    )
    assert response.status_code == 403
    held.refresh_from_db()
    assert held.status == Status.PENDING
    assert not ModerationEvent.objects.exists()


def test_view_only_staff_cannot_run_actions(client):
    """Seeing the queue is not enough: actions need the moderate permission."""
    from django.contrib.auth.models import Permission

    user = make_user(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(user)
    held = make_comment(status=Status.PENDING)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert 'value="approve"' not in response.content.decode()
    act(client, "approve", [held])
    held.refresh_from_db()
    assert held.status == Status.PENDING


def test_moderators_cannot_edit_posts(moderator_client):
    post = make_post(title="Original title")
    change = reverse("admin:articles_post_change", args=[post.pk])
    assert moderator_client.get(change).status_code == 403
    response = moderator_client.post(
        change, {"title": "Vandalised", "status": "published"}
    )
    assert response.status_code == 403
    assert (
        moderator_client.get(reverse("admin:articles_post_changelist")).status_code
        == 403
    )
    assert moderator_client.get(reverse("admin:articles_post_add")).status_code == 403
    assert Post.objects.get(pk=post.pk).title == "Original title"


def test_comments_cannot_be_added_or_edited_in_the_admin(moderator_client):
    comment = make_comment(text="As written")
    assert (
        moderator_client.get(reverse("admin:comments_comment_add")).status_code == 403
    )
    change = reverse("admin:comments_comment_change", args=[comment.pk])
    assert moderator_client.get(change).status_code == 200
    moderator_client.post(change, {"text": "Rewritten", "status": "spam"})
    comment.refresh_from_db()
    assert (comment.text, comment.status) == ("As written", Status.APPROVED)


class TestCommentsOnPages:
    """The queue, its filters and bulk actions take page comments like post comments."""

    def test_queue_shows_the_page_title_and_link(self, moderator_client):
        page = make_page(title="About Local Glob", slug="about")
        on_page = make_comment(page, status=Status.PENDING, text="Page words")
        make_comment(make_post(title="Harbour reopens"), text="Post words")
        response = moderator_client.get(reverse(CHANGELIST))
        assert response.status_code == 200
        html = response.content.decode()
        assert (
            '<a href="/p/about.html#c%d">Page: About Local Glob</a>' % on_page.pk
            in html
        )
        assert "Harbour reopens" in html
        sorted_list = moderator_client.get(reverse(CHANGELIST), {"o": "4"})
        assert sorted_list.status_code == 200
        detail = moderator_client.get(
            reverse("admin:comments_comment_change", args=[on_page.pk])
        )
        assert detail.status_code == 200
        assert "Page: About Local Glob" in detail.content.decode()

    def test_queue_costs_the_same_for_many_page_comments(
        self, moderator_client, django_assert_num_queries
    ):
        make_comment(make_page())
        moderator_client.get(reverse(CHANGELIST))
        with CaptureQueriesContext(connection) as few:
            moderator_client.get(reverse(CHANGELIST))
        for _ in range(10):
            make_comment(make_page(), status=Status.PENDING)
        with django_assert_num_queries(len(few)):
            moderator_client.get(reverse(CHANGELIST))

    def test_filters_by_page(self, moderator_client):
        page = make_page()
        wanted = make_comment(page, status=Status.PENDING)
        make_comment(page, status=Status.SPAM)
        make_comment(make_page(), status=Status.PENDING)
        make_comment(make_post(pk=page.pk), status=Status.PENDING)
        response = moderator_client.get(
            reverse(CHANGELIST),
            {"status__exact": "pending", "page__id__exact": page.pk},
        )
        assert list(response.context["cl"].result_list) == [wanted]

    def test_bulk_actions_moderate_page_comments(self, moderator_client):
        page = make_page()
        held = make_comment(page, status=Status.PENDING)
        shown = make_comment(page)
        response = act(moderator_client, "approve", [held])
        assert "Approved 1." in response.content.decode()
        act(moderator_client, "remove", [shown])
        held.refresh_from_db()
        shown.refresh_from_db()
        assert (held.status, shown.status) == (Status.APPROVED, Status.REMOVED)
