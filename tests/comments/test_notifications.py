import re
from datetime import timedelta

import pytest
from django.core.management import call_command

from comments.models import Comment, CommentSettings
from comments.notifications import moderator_emails, notify_moderators
from tests.factories import (
    make_comment,
    make_moderator,
    make_page,
    make_post,
    make_user,
)

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def moderator():
    return make_moderator(email="mod@example.com")


def held(post, text):
    return make_comment(post, status=Status.PENDING, text=text)


def test_recipients_are_active_moderators_and_superusers(moderator):
    make_moderator(email="gone@example.com", is_active=False)
    make_user(email="reader@example.com")
    make_user(email="", is_superuser=True)
    make_user(email="root@example.com", is_superuser=True)
    assert moderator_emails() == ["mod@example.com", "root@example.com"]


def test_one_email_per_post_per_interval(moderator, mailoutbox, frozen_now):
    settings = CommentSettings.load()
    settings.notify_minutes = 15
    settings.save()
    post, other = make_post(title="Harbour"), make_post(title="Market")
    held(post, "first")
    assert notify_moderators(target=post) == 1
    assert len(mailoutbox) == 1

    frozen_now.shift(timedelta(minutes=5))
    held(post, "second")
    assert notify_moderators(target=post) == 0
    assert len(mailoutbox) == 1
    # Another post has its own interval.
    held(other, "elsewhere")
    assert notify_moderators(target=other) == 1
    assert len(mailoutbox) == 2

    frozen_now.shift(timedelta(minutes=11))
    held(post, "third")
    assert notify_moderators(target=post) == 2
    assert len(mailoutbox) == 3
    batch = mailoutbox[2]
    assert "2 comments await moderation" in batch.subject
    assert "second" in batch.body and "third" in batch.body
    assert "first" not in batch.body
    assert batch.to == ["mod@example.com"]


def test_approved_or_decided_comments_are_not_mailed(moderator, mailoutbox):
    post = make_post()
    make_comment(post)
    make_comment(post, status=Status.SPAM)
    assert notify_moderators(target=post) == 0
    assert mailoutbox == []


def test_command_sends_what_waited(moderator, mailoutbox, frozen_now):
    post = make_post()
    held(post, "first")
    notify_moderators(target=post)
    held(post, "straggler")
    frozen_now.shift(timedelta(minutes=20))
    call_command("send_comment_notifications", "--base-url", "https://news.example/")
    assert len(mailoutbox) == 2
    assert "straggler" in mailoutbox[1].body
    assert "https://news.example/admin/comments/comment/" in mailoutbox[1].body
    assert not Comment.objects.filter(notified_at=None).exists()


def test_a_pages_held_comments_are_mailed_with_a_queue_link_of_that_page(
    moderator, mailoutbox, frozen_now, client
):
    page = make_page(title="About Local Glob", slug="about")
    post = make_post(pk=page.pk, title="Harbour")
    held(page, "on the page")
    held(post, "on the post")
    assert notify_moderators(target=page, base_url="https://news.example") == 1
    [mail] = mailoutbox
    assert "About Local Glob" in mail.subject
    assert "on the page" in mail.body and "on the post" not in mail.body
    assert "https://news.example/p/about.html" in mail.body
    queue = re.search(r"https://news\.example(/admin/\S+)", mail.body)[1]
    assert "page__id__exact=%d" % page.pk in queue
    client.force_login(moderator)
    listed = client.get(queue).context["cl"].result_list
    assert [comment.text for comment in listed] == ["on the page"]
    # The post with the same number has its own interval and its own e-mail.
    assert notify_moderators(target=post) == 1


def test_the_command_mails_held_comments_on_posts_and_pages(
    moderator, mailoutbox, frozen_now
):
    held(make_page(title="About"), "page words")
    held(make_post(title="Harbour"), "post words")
    call_command("send_comment_notifications")
    assert sorted(mail.subject.split("“")[1] for mail in mailoutbox) == [
        "About”",
        "Harbour”",
    ]
    assert not Comment.objects.filter(notified_at=None).exists()
