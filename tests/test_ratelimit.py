"""The one rate limiter (newsroom/ratelimit.py): atomic counts, client addresses."""

import subprocess
import sys
from datetime import timedelta

import pytest

from newsroom import ratelimit
from newsroom.models import RateCounter
from tests.servers import ROOT, server_env

pytestmark = pytest.mark.django_db


def test_counts_up_to_the_limit_then_refuses_with_the_time_left(frozen_now):
    decisions = [
        ratelimit.hit("test", "203.0.113.5", limit=3, window=600) for _ in range(5)
    ]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4, 5]
    assert 0 < decisions[-1].retry_after <= 600
    # Another key and another scope count on their own.
    assert ratelimit.hit("test", "203.0.113.6", limit=3, window=600).allowed
    assert ratelimit.hit("other", "203.0.113.5", limit=3, window=600).allowed


def test_a_new_window_starts_a_new_count(frozen_now):
    for _ in range(3):
        ratelimit.hit("test", "k", limit=2, window=60)
    assert not ratelimit.peek("test", "k", limit=2, window=60).allowed
    frozen_now.shift(timedelta(seconds=61))
    assert ratelimit.peek("test", "k", limit=2, window=60).allowed
    assert ratelimit.hit("test", "k", limit=2, window=60).count == 1


def test_peek_does_not_count_and_reset_forgets():
    ratelimit.hit("test", "k", limit=2, window=60)
    assert ratelimit.peek("test", "k", limit=2, window=60).count == 1
    assert ratelimit.peek("test", "k", limit=2, window=60).count == 1
    ratelimit.hit("test", "k", limit=2, window=60)
    assert not ratelimit.peek("test", "k", limit=2, window=60).allowed
    ratelimit.reset("test", "k", window=60)
    assert ratelimit.peek("test", "k", limit=2, window=60).allowed


def test_counts_live_in_redis_or_else_in_the_database(settings, frozen_now):
    """Redis counts when it is the cache; otherwise the database, swept as windows end."""
    ratelimit.hit("test", "a", limit=5, window=60)
    assert ratelimit.hit("test", "a", limit=5, window=60).count == 2
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        assert not RateCounter.objects.exists()
        return
    assert list(RateCounter.objects.values_list("count", flat=True)) == [2]
    frozen_now.shift(timedelta(seconds=120))
    ratelimit.hit("test", "b", limit=5, window=60)
    assert list(RateCounter.objects.values_list("count", flat=True)) == [1]


def test_once_is_true_for_the_first_use_only_however_windows_fall(frozen_now):
    assert ratelimit.once("token", "n1", ttl=3600) is True
    assert ratelimit.once("token", "n1", ttl=3600) is False
    frozen_now.shift(timedelta(seconds=1800))  # any fixed grid would have turned
    assert ratelimit.once("token", "n1", ttl=3600) is False
    assert ratelimit.once("token", "n2", ttl=3600) is True
    assert ratelimit.once("other", "n1", ttl=3600) is True


def test_client_address_and_its_group(rf, settings):
    assert ratelimit.client_address(rf.get("/", REMOTE_ADDR="203.0.113.5")) == (
        "203.0.113.5"
    )
    assert ratelimit.client_address(rf.get("/", REMOTE_ADDR="nonsense")) is None
    # A trusted proxy's header: only the entry the proxy added is believed.
    settings.NEWSROOM = {
        **settings.NEWSROOM,
        "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    }
    spoofed = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert ratelimit.client_address(spoofed) == "198.51.100.7"
    settings.NEWSROOM = {**settings.NEWSROOM, "TRUSTED_PROXY_COUNT": 2}
    assert ratelimit.client_address(spoofed) == "1.2.3.4"
    # IPv6 is grouped by /64; a v4-mapped address is its IPv4 address.
    assert ratelimit.address_group("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert ratelimit.address_group("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert ratelimit.address_group("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert ratelimit.address_group("::ffff:203.0.113.5") == "203.0.113.5"
    assert ratelimit.address_group(None) == ""


BURST = """
import sys, time
from newsroom import ratelimit
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.001)
allowed = sum(
    ratelimit.hit("burst", "203.0.113.9", limit=7, window=3600).allowed
    for _ in range(10)
)
print(allowed)
"""


@pytest.mark.own_server
@pytest.mark.django_db(transaction=True)
def test_parallel_processes_share_one_exact_count(tmp_path):
    """Four processes hit one key 10 times each at once: exactly 7 get through."""
    env = server_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=180,
    )  # fmt: skip
    import time

    start = time.time() + 4
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import django, os; django.setup(); exec(%r)" % BURST,
                str(start),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(4)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), results
    assert sum(int(out.strip()) for out, _err in results) == 7
