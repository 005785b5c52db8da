"""
newsroom/cache.py against a redis-server of our own that the tests stop and
start, and a port that accepts connections but never answers: reads miss,
writes drop, no call is held, and caching resumes with what the outage's
writes changed undone.
"""

import logging
import time

import pytest
import redis

from newsroom import cache as resilient
from newsroom import ratelimit
from newsroom.cache import CacheUnavailable, ResilientRedisCache
from tests.faults.servers import redis_server, silent_server, wait_for
from tests.servers import free_port


@pytest.fixture(autouse=True)
def _fresh_outages():
    """Each test's server is new to the process (outages are kept per address)."""
    resilient._outages.clear()
    yield
    for outage in resilient._outages.values():
        if outage.timer is not None:
            outage.timer.cancel()
    resilient._outages.clear()


def make_cache(url, retry_seconds=0.2):
    return ResilientRedisCache(
        url,
        {"KEY_PREFIX": "faults", "OPTIONS": {"OUTAGE_RETRY_SECONDS": retry_seconds}},
    )


def outage_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "newsroom.cache"]


def test_reads_miss_and_writes_drop_while_redis_is_down(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.cache")
    with redis_server(tmp_path) as server:
        cache = make_cache(server.url)
        cache.set("greeting", "hello")
        assert cache.get("greeting") == "hello"
        assert cache.available()
        server.stop()

        for _round in range(20):
            assert cache.get("greeting", "computed") == "computed"
            assert cache.get_many(["greeting"]) == {}
            assert cache.has_key("greeting") is False
            cache.set("greeting", "new")
            assert cache.add("lock", 1) is True  # nothing there to keep
            with pytest.raises(ValueError):
                cache.incr("counter")
            assert cache.get_or_set("computed", lambda: 42) == 42
        with pytest.raises(CacheUnavailable):
            cache.strict.get("greeting")
        assert not cache.available()
    # One line for the whole outage, not one per call.
    lines = outage_lines(caplog)
    assert len(lines) == 1
    assert "Redis does not answer" in lines[0]


def test_caching_resumes_and_what_the_outage_changed_is_undone(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.cache")
    with redis_server(tmp_path) as server:
        cache = make_cache(server.url)
        cache.set("untouched", "kept")
        cache.set("site-settings", "old name")
        cache.set("generation", 7)
        server.stop()
        # A save during the outage: its purge and its settings delete are dropped.
        cache.delete("site-settings")
        with pytest.raises(ValueError):
            cache.incr("generation")
        cache.set("generation", 1000)
        server.start()  # the append-only file brings the old entries back

        assert wait_for(lambda: cache.get("untouched") == "kept", seconds=20)
        # Nothing written before the outage is read as if the outage's
        # changes had not happened.
        assert cache.get("site-settings") is None
        assert cache.get("generation") is None
        cache.set("generation", 8)
        assert cache.get("generation") == 8
        assert cache.available()
    lines = outage_lines(caplog)
    assert any("answers again" in line for line in lines)
    assert any("2 keys" in line for line in lines)


def test_a_worker_without_requests_undoes_them_too(tmp_path):
    with redis_server(tmp_path) as server:
        cache = make_cache(server.url)
        cache.set("site-settings", "old name")
        server.stop()
        cache.delete("site-settings")
        server.start()
        # No call on `cache` from here: its timer does the work.
        plain = redis.Redis(port=server.port)
        assert plain.exists(cache.make_key("site-settings"))
        assert wait_for(
            lambda: not plain.exists(cache.make_key("site-settings")), seconds=20
        )
        plain.close()


def test_too_many_dropped_writes_clear_the_cache_when_redis_returns(tmp_path):
    with redis_server(tmp_path) as server:
        cache = ResilientRedisCache(
            server.url,
            {"OPTIONS": {"OUTAGE_RETRY_SECONDS": 0.2, "OUTAGE_KEPT_KEYS": 3}},
        )
        cache.set("untouched", "kept")
        server.stop()
        for number in range(5):
            cache.set("page-%d" % number, "uncached")
        server.start()
        plain = redis.Redis(port=server.port)
        assert plain.get(cache.make_key("untouched")) is not None
        # More dropped keys than it keeps: the whole cache goes (its timer).
        assert wait_for(lambda: plain.dbsize() == 0, seconds=20)
        plain.close()
        assert cache.get("untouched") is None


def test_a_hung_redis_holds_no_call(caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.cache")
    with silent_server() as port:
        cache = make_cache("redis://127.0.0.1:%d/0" % port, retry_seconds=30)
        started = time.monotonic()
        for _round in range(50):
            assert cache.get("anything", "computed") == "computed"
            cache.set("anything", "dropped")
        elapsed = time.monotonic() - started
    # Not a speed measurement: each call to a hung Redis without the circuit
    # breaker waits its 0.1 s socket timeout (100 calls: 10 s), and without a
    # timeout it would wait forever. Well under 2 s means one timeout in all.
    assert elapsed < 2
    assert len(outage_lines(caplog)) == 1


@pytest.mark.django_db
def test_rate_limits_keep_counting_in_the_database_while_redis_is_away(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:%d/0" % free_port(),  # nobody listens
        }
    }
    decisions = [
        ratelimit.hit("sign-in", "203.0.113.9", limit=2, window=60) for _ in range(3)
    ]
    assert [bool(decision) for decision in decisions] == [True, True, False]
    assert not ratelimit.peek("sign-in", "203.0.113.9", limit=2, window=60)
    # Another reader is not locked out with the first.
    assert ratelimit.hit("sign-in", "203.0.113.10", limit=2, window=60)
    assert ratelimit.once("token", "abc", ttl=60) is True
    assert ratelimit.once("token", "abc", ttl=60) is False


def test_a_redis_refusing_writes_is_served_around_too(tmp_path):
    """Out of memory under `noeviction` (or a replica after a failover)."""
    with redis_server(tmp_path) as server:
        cache = make_cache(server.url)
        plain = redis.Redis(port=server.port)
        plain.config_set("maxmemory-policy", "noeviction")
        plain.config_set("maxmemory", 1)
        cache.set("page", "rendered")  # refused by Redis, not raised here
        assert cache.get("page", "computed") == "computed"
        assert not cache.available()
        plain.config_set("maxmemory", 0)

        def stored():
            cache.set("page", "rendered")
            return cache.get("page") == "rendered"

        assert wait_for(stored, seconds=20)
        plain.close()
