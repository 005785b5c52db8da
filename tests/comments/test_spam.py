import time
from datetime import timedelta

import pytest
from django.core import signing

from comments import spam
from comments.models import Comment
from newsroom import ratelimit
from tests.factories import make_comment, make_page, make_post

pytestmark = pytest.mark.django_db


class TestToken:
    def test_sound_token_after_min_fill_time(self, frozen_now):
        post = make_post()
        token = spam.form_token(post)
        frozen_now.shift(timedelta(seconds=5))
        assert spam.check_token(token, post) is None

    def test_too_fast(self, frozen_now):
        post = make_post()
        token = spam.form_token(post)
        frozen_now.shift(timedelta(seconds=1))
        assert spam.check_token(token, post) is spam.TOO_FAST

    def test_expired(self, frozen_now):
        post = make_post()
        token = spam.form_token(post)
        frozen_now.shift(timedelta(days=1, seconds=1))
        assert spam.check_token(token, post) is spam.EXPIRED

    def test_expired_by_its_issue_time_even_when_signed_later(self):
        post = make_post()
        token = spam.form_token(post, at=time.time() - 24 * 3600 - 1)
        assert spam.check_token(token, post) is spam.EXPIRED

    def test_forged_missing_or_for_another_post(self, frozen_now):
        post, other = make_post(), make_post()
        token = spam.form_token(other)
        frozen_now.shift(timedelta(seconds=5))
        assert spam.check_token(token, post) is spam.FORGED
        assert spam.check_token(token + "x", other) is spam.FORGED
        assert spam.check_token("", post) is spam.FORGED

    def test_a_token_made_before_nonces_is_expired_not_spam(self):
        """Forms open across the deploy are asked to send again, not held as spam."""
        post = make_post()
        old = signing.dumps(
            {"post": post.pk, "at": time.time() - 60}, salt=spam.TOKEN_SALT
        )
        assert spam.check_token(old, post) is spam.EXPIRED

    def test_each_token_has_its_own_nonce(self):
        post = make_post()
        first, _ = spam.read_token(spam.form_token(post), post)
        second, _ = spam.read_token(spam.form_token(post), post)
        assert first.nonce != second.nonce
        assert len(first.nonce) >= 20

    def test_token_for_a_forms_name(self):
        post, page = make_post(), make_page(slug="about")
        assert spam.target_name(post) == "post-%d" % post.pk
        assert spam.target_name(page) == "page-%d" % page.pk
        token, refusal = spam.read_token(spam.token_for_name("post-%d" % post.pk), post)
        assert refusal is None and abs(token.age) < 1
        assert spam.read_token(spam.token_for_name("page-%d" % page.pk), page)[0]
        for name in (
            "",
            "post",
            "post-",
            "post-x",
            "user-1",
            "post-1-2",
            "post-" + "9" * 40,
        ):
            assert spam.token_for_name(name) is None, name


class TestSpend:
    def test_a_nonce_is_spent_once(self):
        post = make_post()
        token, _ = spam.read_token(spam.form_token(post), post)
        other, _ = spam.read_token(spam.form_token(post), post)
        assert spam.spend(token) is True
        assert spam.spend(token) is False
        assert spam.spend(other) is True

    @pytest.mark.parametrize("before_boundary", [1, 3600, 23 * 3600])
    def test_a_nonce_stays_spent_across_the_limiters_window_boundaries(
        self, frozen_now, before_boundary
    ):
        """
        The limiter's hit() counts in fixed windows: with a plain window of
        MAX_FORM_AGE, a token spent just before a window's end would be
        fresh again just after it. A spent nonce is remembered for the
        token's whole life instead (ratelimit.once).
        """
        max_age = spam.conf("MAX_FORM_AGE")
        boundary = (time.time() // max_age + 1) * max_age
        frozen_now.move_to(boundary - before_boundary - 10)
        post = make_post()
        token, _ = spam.read_token(spam.form_token(post), post)
        frozen_now.move_to(boundary - before_boundary)
        assert spam.spend(token) is True
        frozen_now.move_to(boundary + 1)
        assert spam.spend(token) is False
        frozen_now.move_to(token.issued_at + max_age - 1)
        assert spam.spend(token) is False


def test_comments_are_counted_by_the_one_limiter(rf, settings):
    settings.COMMENTS = {"RATE_LIMIT": 2, "RATE_WINDOW": 60}
    request = rf.post("/", REMOTE_ADDR="2001:db8:1:2::5")
    neighbour = rf.post("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    other_net = rf.post("/", REMOTE_ADDR="2001:db8:1:3::5")
    assert spam.count_comment(request).allowed
    assert spam.count_comment(neighbour).allowed
    refused = spam.count_comment(request)
    assert not refused.allowed and 0 < refused.retry_after <= 60
    assert spam.count_comment(other_net).allowed
    assert (
        ratelimit.peek(spam.RATE_SCOPE, "2001:db8:1:2::/64", limit=2, window=60).count
        == 3
    )


def test_duplicate_ignores_spam():
    post = make_post()
    make_comment(post, text="Same words", status=Comment.Status.SPAM)
    assert spam.is_duplicate(post, "Same words") is False
    make_comment(post, text="Same words", status=Comment.Status.PENDING)
    assert spam.is_duplicate(post, "Same words") is True
    assert spam.is_duplicate(make_post(), "Same words") is False
