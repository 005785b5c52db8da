from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Post
from comments import services
from comments.models import Comment, CommentSettings, ModerationEvent
from tests.factories import (
    make_comment,
    make_moderator,
    make_page,
    make_post,
    make_user,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status


def card_count(post):
    return Post.objects.for_cards().get(pk=post.pk).comment_count


def set_mode(mode, days=14):
    settings = CommentSettings.load()
    settings.moderation, settings.moderation_days = mode, days
    settings.save()


@pytest.mark.parametrize(
    "service, start, end, action",
    [
        (services.comment_approve, Status.PENDING, Status.APPROVED, "approve"),
        (services.comment_spam, Status.PENDING, Status.SPAM, "spam"),
        (services.comment_spam, Status.APPROVED, Status.SPAM, "spam"),
        (services.comment_remove, Status.APPROVED, Status.REMOVED, "remove"),
        (services.comment_remove, Status.SPAM, Status.REMOVED, "remove"),
        (services.comment_restore, Status.REMOVED, Status.APPROVED, "restore"),
        (services.comment_restore, Status.SPAM, Status.APPROVED, "restore"),
    ],
)
def test_each_decision_records_who_and_when(frozen_now, service, start, end, action):
    moderator = make_moderator()
    comment = make_comment(status=start)
    returned = service(comment=comment, actor=moderator)
    assert returned is comment
    comment.refresh_from_db()
    assert comment.status == end
    assert comment.moderated_by == moderator
    assert comment.moderated_at == timezone.now()
    event = ModerationEvent.objects.get()
    assert (event.comment, event.action, event.actor) == (comment, action, moderator)
    assert (event.from_status, event.to_status) == (start, end)
    assert event.created_at == timezone.now()


@pytest.mark.parametrize(
    "service, start",
    [
        (services.comment_approve, Status.APPROVED),
        (services.comment_approve, Status.SPAM),
        (services.comment_remove, Status.REMOVED),
        (services.comment_spam, Status.SPAM),
        (services.comment_restore, Status.PENDING),
        (services.comment_restore, Status.APPROVED),
    ],
)
def test_decisions_that_do_not_apply_change_nothing(service, start):
    comment = make_comment(status=start)
    with pytest.raises(ValidationError):
        service(comment=comment, actor=make_moderator())
    comment.refresh_from_db()
    assert comment.status == start
    assert comment.moderated_by is None
    assert not ModerationEvent.objects.exists()


def test_services_take_keyword_arguments_only():
    with pytest.raises(TypeError):
        services.comment_approve(make_comment(status=Status.PENDING), None)


def test_counts_stay_exact_through_every_decision_and_post_deletion():
    post = make_post()
    moderator = make_moderator()
    make_comment(post)
    held = make_comment(post, status=Status.PENDING)
    assert card_count(post) == 1
    services.comment_approve(comment=held, actor=moderator)
    assert card_count(post) == 2
    services.comment_spam(comment=held, actor=moderator)
    assert card_count(post) == 1
    services.comment_restore(comment=held, actor=moderator)
    assert card_count(post) == 2
    services.comment_remove(comment=held, actor=moderator)
    assert card_count(post) == 1
    services.comment_restore(comment=held, actor=moderator)
    assert card_count(post) == 2
    other = make_post()
    make_comment(other)
    post.delete()
    assert not Comment.objects.filter(post_id=held.post_id).exists()
    assert card_count(other) == 1


class TestSubmit:
    def submit(self, post, **kwargs):
        kwargs.setdefault("name", "Asha")
        kwargs.setdefault("text", "Hello")
        return services.comment_submit(target=post, **kwargs)

    def test_always_holds_readers(self, frozen_now):
        set_mode(CommentSettings.Moderation.ALWAYS)
        assert self.submit(make_post()).status == Status.PENDING

    def test_never_publishes_at_once(self, frozen_now):
        set_mode(CommentSettings.Moderation.NEVER)
        old = make_post(published_at=timezone.now() - timedelta(days=900))
        assert self.submit(old).status == Status.APPROVED

    def test_older_holds_only_on_old_posts(self, frozen_now):
        set_mode(CommentSettings.Moderation.OLDER, days=7)
        fresh = make_post(published_at=timezone.now() - timedelta(days=6))
        old = make_post(published_at=timezone.now() - timedelta(days=8))
        assert self.submit(fresh).status == Status.APPROVED
        assert self.submit(old).status == Status.PENDING
        frozen_now.shift(timedelta(days=2))
        assert self.submit(fresh, text="Later").status == Status.PENDING

    def test_older_holds_only_on_old_pages_too(self, frozen_now):
        set_mode(CommentSettings.Moderation.OLDER, days=7)
        fresh = make_page(published_at=timezone.now() - timedelta(days=6))
        old = make_page(published_at=timezone.now() - timedelta(days=8))
        assert self.submit(fresh).status == Status.APPROVED
        assert self.submit(old).status == Status.PENDING

    def test_staff_and_moderators_are_never_held(self, frozen_now):
        set_mode(CommentSettings.Moderation.ALWAYS)
        post = make_post()
        editor = make_user(is_staff=True)
        moderator = make_moderator(is_staff=False)
        reader = make_user()
        assert self.submit(post, user=editor).status == Status.APPROVED
        assert self.submit(post, user=moderator, text="Hi").status == Status.APPROVED
        held = self.submit(post, user=reader, text="Hey")
        assert held.status == Status.PENDING
        assert held.user == reader

    def test_spam_is_stored_as_spam(self):
        set_mode(CommentSettings.Moderation.NEVER)
        comment = self.submit(make_post(), spam=True)
        assert comment.status == Status.SPAM

    def test_reply_to_a_reply_joins_the_thread_through_the_form(self):
        """The model refuses depth 3; the form maps a reply to a reply to its thread."""
        root = make_comment()
        reply = make_comment(parent=root)
        with pytest.raises(ValidationError):
            self.submit(root.post, parent=reply)
