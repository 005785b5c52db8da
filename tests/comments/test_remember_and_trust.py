"""
Comments for people: the form offers to remember a reader's name and e-mail
in their own browser only (the page stays the same for everyone), signed-in
readers comment under their display name, and moderators may let readers
who have earned it skip the queue.
"""

import re

import pytest
from django.test import Client

from articles.models import SiteSettings
from comments.models import Block, Comment, CommentSettings, ModerationEvent
from comments.services import commenter_block, has_earned_trust
from tests.comments.helpers import section, send
from tests.factories import make_comment, make_moderator, make_post, make_user

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action


def trust_after(number):
    row = CommentSettings.load()
    row.trusted_after = number
    row.save()


def reader_with_approved(number, **overrides):
    """A signed-in reader's account with `number` approved comments."""
    overrides.setdefault("first_name", "Asha Menon")
    reader = make_user(**overrides)
    for _ in range(number):
        make_comment(user=reader, name="Asha Menon")
    return reader


def signed_in(user, **client_options):
    client = Client(**client_options)
    client.force_login(user)
    return client


class TestTrustRule:
    def test_off_by_default_every_reader_waits(self, client):
        assert CommentSettings.load().trusted_after == 0
        reader = reader_with_approved(20)
        send(signed_in(reader), make_post(), text="Still held")
        assert Comment.objects.get(text="Still held").status == Status.PENDING

    def test_a_reader_with_enough_approved_comments_is_published_at_once(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        """
        Approved through the moderators' own path: the log records an
        automatic decision (no actor), and no moderator is e-mailed.
        """
        make_moderator(email="mod@example.com")
        trust_after(3)
        reader = reader_with_approved(3)
        post = make_post()
        with django_capture_on_commit_callbacks(execute=True):
            response = send(signed_in(reader), post, text="Trusted words")
        comment = Comment.objects.get(text="Trusted words")
        assert response.status_code == 302
        assert comment.status == Status.APPROVED
        assert comment.user == reader
        [event] = ModerationEvent.objects.filter(comment=comment)
        assert (event.action, event.from_status, event.to_status) == (
            Action.TRUSTED,
            Status.PENDING,
            Status.APPROVED,
        )
        assert event.actor is None
        assert event.get_action_display() == "Approved: trusted reader"
        assert mailoutbox == []
        # Everyone sees it, not only its author.
        assert "Trusted words" in section(Client().get(post.get_absolute_url()))

    def test_one_approved_comment_short_of_the_rule_waits(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        make_moderator(email="mod@example.com")
        trust_after(3)
        reader = reader_with_approved(2)
        make_comment(user=reader, status=Status.PENDING)  # held ones do not count
        make_comment(user=reader, status=Status.REMOVED)
        with django_capture_on_commit_callbacks(execute=True):
            send(signed_in(reader), make_post(), text="Not yet")
        comment = Comment.objects.get(text="Not yet")
        assert comment.status == Status.PENDING
        assert not comment.events.exists()
        assert len(mailoutbox) == 1

    def test_anonymous_comments_never_skip_even_under_a_trusted_name(self, client):
        trust_after(1)
        reader_with_approved(5, email="asha@example.com")
        send(client, make_post(), name="Asha Menon", email="asha@example.com")
        assert Comment.objects.filter(user=None).get().status == Status.PENDING

    def test_a_comment_with_a_link_still_waits(self):
        trust_after(1)
        reader = reader_with_approved(5)
        send(
            signed_in(reader),
            make_post(),
            text="Read more at https://example.com/story",
        )
        assert Comment.objects.get(text__startswith="Read more").is_pending

    def test_spam_checks_come_first(self):
        """A trusted reader's comment caught by the honeypot stays spam."""
        trust_after(1)
        reader = reader_with_approved(5)
        response = send(
            signed_in(reader), make_post(), website="http://x.example", text="Bot?"
        )
        assert response.status_code == 200
        assert Comment.objects.get(text="Bot?").status == Status.SPAM
        assert not ModerationEvent.objects.exists()

    def test_a_comment_marked_as_spam_ends_the_trust(self):
        trust_after(1)
        reader = reader_with_approved(5)
        make_comment(user=reader, status=Status.SPAM)
        send(signed_in(reader), make_post(), text="After spam")
        assert Comment.objects.get(text="After spam").is_pending

    @pytest.mark.parametrize("kind", ["account", "email"])
    def test_a_blocked_reader_is_never_trusted(self, kind):
        trust_after(1)
        reader = reader_with_approved(5, email="asha@example.com")
        origin = make_comment(user=reader, email="asha@example.com")
        commenter_block(comment=origin, actor=None, kinds=[kind])
        # The block alone: their approved comments are not marked as spam.
        assert Block.objects.count() == 1
        assert has_earned_trust(reader, settings=CommentSettings.load()) is False
        send(signed_in(reader), make_post(), text="Blocked words")
        assert Comment.objects.get(text="Blocked words").status == Status.SPAM

    def test_an_inactive_account_is_not_trusted(self):
        trust_after(1)
        reader = reader_with_approved(5)
        reader.is_active = False
        assert has_earned_trust(reader, settings=CommentSettings.load()) is False

    def test_a_trusted_comment_shows_at_once_on_the_shared_cached_page(
        self, client, settings
    ):
        settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
        SiteSettings.load()
        trust_after(2)
        reader = reader_with_approved(2)
        post = make_post()
        url = post.get_absolute_url()
        client.get(url)
        assert client.get(url).headers["X-Page-Cache"] == "hit"
        send(signed_in(reader), post, text="Fresh and trusted")
        fresh = client.get(url)
        assert fresh.headers["X-Page-Cache"] == "miss"
        assert "Fresh and trusted" in section(fresh)

    def test_moderators_set_the_rule_in_comment_settings(self):
        moderator = make_moderator()
        admin = signed_in(moderator)
        url = "/admin/comments/commentsettings/1/change/"
        page = admin.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'name="trusted_after"' in html
        assert "trust signed-in readers after (approved comments)" in html.lower()
        response = admin.post(
            url,
            {
                "moderation": "always",
                "moderation_days": 14,
                "notify_minutes": 15,
                "trusted_after": 4,
            },
        )
        assert response.status_code == 302
        assert CommentSettings.load().trusted_after == 4
        refused = admin.post(
            url,
            {
                "moderation": "always",
                "moderation_days": 14,
                "notify_minutes": 15,
                "trusted_after": -1,
            },
        )
        assert refused.status_code == 200
        assert "trusted_after" in refused.context["adminform"].form.errors
        assert CommentSettings.load().trusted_after == 4
        # A reader cannot open the page.
        assert signed_in(make_user()).get(url).status_code in (302, 403)


class TestSignedInReaders:
    def test_comments_carry_the_display_name_and_the_account_address(self):
        reader = make_user(first_name="Asha Menon", email="asha@example.com")
        client = signed_in(reader)
        post = make_post()
        html = section(client.get(post.get_absolute_url()))
        assert "Commenting as <strong>Asha Menon</strong>" in html
        assert 'name="name"' not in html and 'name="email"' not in html
        assert "comment-remember" not in html  # nothing to remember
        # A typed name is not taken: the account's is.
        send(client, post, name="The Editor", email="x@example.com", text="Hi")
        comment = Comment.objects.get(text="Hi")
        assert (comment.name, comment.email, comment.user) == (
            "Asha Menon",
            "asha@example.com",
            reader,
        )

    def test_an_account_without_a_display_name_comments_as_its_username(self):
        reader = make_user(username="ravi_k", email="")
        send(signed_in(reader), make_post(), text="Mine")
        comment = Comment.objects.get(text="Mine")
        assert (comment.name, comment.email) == ("ravi_k", "")

    def test_a_refused_form_keeps_the_text_and_names_the_field(self):
        reader = make_user(first_name="Asha")
        response = send(signed_in(reader), make_post(), text="")
        html = section(response)
        assert response.status_code == 200
        assert "This field is required." in html
        assert "Commenting as <strong>Asha</strong>" in html


class TestRememberMe:
    def test_the_offer_is_in_the_shared_page_and_nothing_is_sent(self, client):
        """
        The checkbox sits in a <template> the script shows (no script, no
        promise it cannot keep), it has no name (the server never hears of
        it), and two readers get the same bytes.
        """
        post = make_post()
        first = section(client.get(post.get_absolute_url()))
        second = section(Client().get(post.get_absolute_url()))
        assert first == second
        template = re.search(
            r'<template id="comment-remember-template">(.*?)</template>', first, re.S
        )[1]
        checkbox = re.search(r'<input type="checkbox"[^>]*>', template)[0]
        assert 'id="comment-remember"' in checkbox and "name=" not in checkbox
        assert "Remember my name and e-mail on this device" in template
        assert "Forget me" in template
        assert "checked" not in checkbox  # off unless the reader ticks it
