from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Post
from comments.models import Comment, CommentSettings
from comments.templatetags.comments_tags import build_threads
from tests.factories import make_comment, make_page, make_post

pytestmark = pytest.mark.django_db

Status = Comment.Status


def shown(post, **kwargs):
    comments = list(Comment.objects.for_public_page(post, **kwargs))
    own_ids = set(kwargs.get("own_ids", ()))
    return build_threads(
        comments, own_ids=own_ids, can_moderate=kwargs.get("with_pending", False)
    )


def test_threads_oldest_first_two_levels(frozen_now):
    """First comments and their replies come oldest first, replies under their thread."""
    post = make_post()
    now = timezone.now()
    late = make_comment(post, text="late", created_at=now - timedelta(minutes=1))
    early = make_comment(post, text="early", created_at=now - timedelta(hours=2))
    reply_b = make_comment(
        post, parent=early, text="b", created_at=now - timedelta(minutes=30)
    )
    reply_a = make_comment(
        post, parent=early, text="a", created_at=now - timedelta(minutes=50)
    )
    threads = shown(post)
    assert threads == [early, late]
    assert threads[0].thread_replies == [reply_a, reply_b]
    assert threads[1].thread_replies == []


def test_reply_to_a_reply_is_refused_by_the_model():
    """The model keeps threads two levels deep: a reply's parent is a first comment."""
    root = make_comment()
    reply = make_comment(parent=root)
    deep = Comment(post=root.post, parent=reply, name="X", text="too deep")
    with pytest.raises(ValidationError) as caught:
        deep.full_clean()
    assert "parent" in caught.value.message_dict


def test_reply_must_be_on_the_same_post():
    root = make_comment()
    stray = Comment(post=make_post(), parent=root, name="X", text="elsewhere")
    with pytest.raises(ValidationError):
        stray.full_clean()


@pytest.mark.parametrize("hidden", [Status.REMOVED, Status.SPAM])
def test_hidden_comment_with_replies_stays_as_placeholder(hidden):
    """A removed (or spam) first comment with approved replies leaves a placeholder."""
    post = make_post()
    root = make_comment(post, status=hidden, text="gone")
    reply = make_comment(post, parent=root)
    threads = shown(post)
    assert threads == [root]
    assert threads[0].show_text is False
    assert threads[0].thread_replies == [reply]


def test_hidden_comment_without_replies_is_left_out():
    post = make_post()
    make_comment(post, status=Status.REMOVED)
    root = make_comment(post, status=Status.SPAM)
    make_comment(post, parent=root, status=Status.PENDING)
    make_comment(post, status=Status.PENDING)
    assert shown(post) == []


def test_pending_comments_show_to_their_author_and_moderators_only():
    post = make_post()
    mine = make_comment(post, status=Status.PENDING)
    theirs = make_comment(post, status=Status.PENDING)
    assert shown(post) == []
    assert shown(post, own_ids=[mine.pk]) == [mine]
    assert shown(post, with_pending=True) == [mine, theirs]


def test_approved_count_for_counts_only_approved_comments():
    post, other = make_post(), make_post()
    make_comment(post)
    make_comment(post, parent=make_comment(post))
    for status in (Status.PENDING, Status.SPAM, Status.REMOVED):
        make_comment(post, status=status)
    counts = dict(
        Post.objects.filter(pk__in=[post.pk, other.pk])
        .for_cards()
        .values_list("pk", "comment_count")
    )
    assert counts == {post.pk: 3, other.pk: 0}


def test_anchor_and_blogger_permalink():
    """`#c<ID>` anchors; an imported comment keeps its Blogger id in the anchor."""
    comment = make_comment()
    assert comment.anchor == "c%d" % comment.pk
    assert comment.get_absolute_url() == "%s#c%d" % (
        comment.post.get_absolute_url(),
        comment.pk,
    )
    ms = int(comment.created_at.timestamp() * 1000)
    assert comment.blogger_url.endswith("?showComment=%d#c%d" % (ms, comment.pk))
    imported = make_comment(blogger_id="4821337359305937812")
    assert imported.anchor == "c4821337359305937812"


class TestModerationModes:
    """Blogger's three modes: always hold, hold on older posts, never hold."""

    def test_always(self, frozen_now):
        settings = CommentSettings(moderation=CommentSettings.Moderation.ALWAYS)
        assert settings.holds(make_post()) is True

    def test_never(self, frozen_now):
        settings = CommentSettings(moderation=CommentSettings.Moderation.NEVER)
        old = make_post(published_at=timezone.now() - timedelta(days=400))
        assert settings.holds(old) is False

    def test_older_than_n_days(self, frozen_now):
        settings = CommentSettings(
            moderation=CommentSettings.Moderation.OLDER, moderation_days=7
        )
        post = make_post(published_at=timezone.now() - timedelta(days=6, hours=23))
        assert settings.holds(post) is False
        frozen_now.shift(timedelta(hours=2))
        assert settings.holds(post) is True

    def test_load_is_cached_and_saved_settings_apply(self, django_assert_num_queries):
        CommentSettings.load()
        with django_assert_num_queries(0):
            CommentSettings.load()
        current = CommentSettings.load()
        current.moderation = CommentSettings.Moderation.NEVER
        current.save()
        assert CommentSettings.load().moderation == CommentSettings.Moderation.NEVER


class TestCommentsOnPages:
    """A static page carries comments as a post does, each on exactly one of them."""

    def test_a_page_comment_links_to_the_page_and_threads_there(self, frozen_now):
        page = make_page(slug="about")
        root = make_comment(page, text="On the page")
        reply = make_comment(parent=root, text="Reply on the page")
        assert reply.page == page and reply.post is None
        assert root.target == page
        assert root.get_absolute_url() == "/p/about.html#c%d" % root.pk
        ms = int(root.created_at.timestamp() * 1000)
        assert root.blogger_url == "/p/about.html?showComment=%d#c%d" % (ms, root.pk)
        threads = shown(page)
        assert threads == [root]
        assert threads[0].thread_replies == [reply]
        assert shown(make_page()) == []

    def test_a_comment_is_on_a_post_or_a_page_never_both_or_neither(self):
        post, page = make_post(), make_page()
        for fields in ({}, {"post": post, "page": page}):
            with pytest.raises(ValidationError) as caught:
                Comment(name="X", text="Nowhere", **fields).full_clean()
            assert "A comment is on exactly one post or page." in caught.value.messages
            with pytest.raises(IntegrityError), transaction.atomic():
                Comment.objects.create(name="X", text="Nowhere", **fields)
        Comment(page=page, name="X", text="Fine").full_clean()

    def test_a_reply_belongs_to_the_same_page(self):
        page = make_page()
        root = make_comment(page)
        for target in ({"page": make_page()}, {"post": make_post()}):
            stray = Comment(parent=root, name="X", text="Elsewhere", **target)
            with pytest.raises(ValidationError) as caught:
                stray.full_clean()
            assert caught.value.message_dict["parent"] == [
                "A reply belongs to a comment on the same post or page."
            ]
        on_post = make_comment()
        with pytest.raises(ValidationError):
            Comment(page=page, parent=on_post, name="X", text="Y").full_clean()

    def test_deleting_a_page_deletes_its_comments(self):
        page = make_page()
        make_comment(page)
        kept = make_comment()
        page.delete()
        assert list(Comment.objects.all()) == [kept]

    def test_moderation_by_age_reads_the_pages_publication_time(self, frozen_now):
        current = CommentSettings(moderation="older", moderation_days=14)
        old = make_page(published_at=timezone.now() - timedelta(days=30))
        new = make_page(published_at=timezone.now() - timedelta(days=1))
        assert current.holds(old) is True
        assert current.holds(new) is False
