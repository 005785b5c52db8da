import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from comments import spam
from comments.models import Comment
from tests.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def two_cache_clients():
    """
    Two separate cache clients on one store, as two app servers have: two
    Redis connections when REDIS_URL is set, else two locmem handles.
    """
    if settings.REDIS_URL:
        params = {"KEY_PREFIX": "test-rate-%s" % uuid.uuid4().hex}
        return RedisCache(settings.REDIS_URL, params), RedisCache(
            settings.REDIS_URL, params
        )
    location = "test-rate-%s" % uuid.uuid4().hex
    return LocMemCache(location, {}), LocMemCache(location, {})


def test_rate_limit_is_shared_across_cache_clients(settings):
    settings.COMMENTS = {"RATE_LIMIT": 3, "RATE_WINDOW": 60}
    first, second = two_cache_clients()
    assert first is not second
    try:
        results = [
            spam.rate_limit_exceeded("192.0.2.1", cache=client)
            for client in (first, second, first)
        ]
        assert results == [False, False, False]
        assert spam.rate_limit_exceeded("192.0.2.1", cache=second) is True
        # Another address has its own count.
        assert spam.rate_limit_exceeded("192.0.2.2", cache=second) is False
    finally:
        first.clear()


def test_rate_limit_window_ends(settings, frozen_now):
    settings.COMMENTS = {"RATE_LIMIT": 1, "RATE_WINDOW": 60}
    client, _other = two_cache_clients()
    assert spam.rate_limit_exceeded("192.0.2.9", cache=client) is False
    assert spam.rate_limit_exceeded("192.0.2.9", cache=client) is True
    if settings.REDIS_URL:
        client.delete("comments:rate:192.0.2.9")
    else:
        frozen_now.shift(timedelta(seconds=61))
    assert spam.rate_limit_exceeded("192.0.2.9", cache=client) is False


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

    def test_forged_missing_or_for_another_post(self, frozen_now):
        post, other = make_post(), make_post()
        token = spam.form_token(other)
        frozen_now.shift(timedelta(seconds=5))
        assert spam.check_token(token, post) is spam.FORGED
        assert spam.check_token(token + "x", other) is spam.FORGED
        assert spam.check_token("", post) is spam.FORGED


def test_duplicate_ignores_spam():
    post = make_post()
    make_comment(post, text="Same words", status=Comment.Status.SPAM)
    assert spam.is_duplicate(post, "Same words") is False
    make_comment(post, text="Same words", status=Comment.Status.PENDING)
    assert spam.is_duplicate(post, "Same words") is True
    assert spam.is_duplicate(make_post(), "Same words") is False


def test_client_ip(rf, settings):
    assert spam.client_ip(rf.get("/", REMOTE_ADDR="203.0.113.5")) == "203.0.113.5"
    assert spam.client_ip(rf.get("/", REMOTE_ADDR="nonsense")) is None
    settings.COMMENTS = {"CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"}
    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.0.1")
    assert spam.client_ip(request) == "198.51.100.7"
