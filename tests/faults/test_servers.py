"""
A real app server (gunicorn) while its Redis stops, hangs or comes back, and
while its PostgreSQL restarts: pages keep answering (uncached, or 503 +
Retry-After while the database is away), nothing is held, and the server
recovers by itself. Redis and PostgreSQL are the tests' own
(tests/faults/servers.py), never the machine's shared ones.
"""

import time
import urllib.error
import urllib.request

import pytest

from tests.faults.servers import postgres_cluster, redis_server, silent_server, wait_for
from tests.servers import app_server

pytestmark = pytest.mark.own_server

SETTINGS = "tests.faults.server_settings"
SETUP = (
    "from tests.factories import make_post; "
    "make_post(title='Faults and readers', body='<p>Still here.</p>')"
)
PERMALINK = "from articles.models import Post; print(Post.objects.get().permalink)"


def fetch(server, path, cookie=None):
    """(status, headers, seconds taken) of a GET; a 5xx is an answer too."""
    request = urllib.request.Request(server.base + path)
    if cookie:
        request.add_header("Cookie", cookie)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    return status, headers, time.monotonic() - started


def cache_state(server, path):
    return fetch(server, path)[1].get("X-Page-Cache")


def test_redis_stopped_mid_run_pages_answer_uncached_then_caching_resumes(tmp_path):
    (tmp_path / "redis").mkdir()
    with (
        redis_server(tmp_path / "redis") as redis,
        app_server(
            tmp_path, workers=1, threads=4, setup=SETUP,
            DJANGO_SETTINGS_MODULE=SETTINGS, FAULTS_REDIS_URL=redis.url,
            DJANGO_CACHE_TIMEOUT="0.1", DJANGO_CACHE_RETRY_SECONDS="0.5",
        ) as server,
    ):  # fmt: skip
        post = server.shell(PERMALINK)
        pages = ["/", post, "/admin/login/", "/robots.txt"]
        fetch(server, "/")
        assert cache_state(server, "/") == "hit"

        redis.stop()
        for _round in range(3):
            for path in pages:
                status, headers, _seconds = fetch(server, path)
                assert status == 200, path
                assert headers.get("X-Page-Cache") != "hit", path

        redis.start()
        # Caching resumes by itself: the home page is stored and served again.
        assert wait_for(lambda: cache_state(server, "/") == "hit", seconds=30, step=0.3)
        log = server.log()
    assert log.count("Redis does not answer") == 1
    assert "Redis answers again" in log
    assert "Traceback" not in log


def test_a_hung_redis_holds_no_request(tmp_path):
    with (
        silent_server() as port,
        app_server(
            tmp_path, workers=1, threads=4, setup=SETUP,
            DJANGO_SETTINGS_MODULE=SETTINGS,
            FAULTS_REDIS_URL="redis://127.0.0.1:%d/0" % port,
            DJANGO_CACHE_TIMEOUT="0.1", DJANGO_CACHE_RETRY_SECONDS="2",
        ) as server,
    ):  # fmt: skip
        post = server.shell(PERMALINK)
        for _round in range(3):
            for path in ["/", post, "/admin/login/", "/robots.txt"]:
                status, _headers, seconds = fetch(server, path)
                assert status == 200, path
                # Not a speed measurement: a request waiting on the hung
                # Redis would take its socket timeout per cache call (dozens
                # per page), or forever without one. Under 2 s, on a loaded
                # CI machine, means it was not held.
                assert seconds < 2, (path, seconds)
        log = server.log()
    assert "Traceback" not in log


def test_postgresql_restarting_is_a_503_with_retry_after_then_pages_again(tmp_path):
    # A session cookie: pages are rendered from the database, not the page cache.
    reader = "sessionid=not-a-session"
    with postgres_cluster() as database:
        database.create_database()
        with app_server(
            tmp_path, workers=1, threads=4, setup=SETUP,
            DJANGO_SETTINGS_MODULE=SETTINGS, FAULTS_DATABASE_URL=database.url(),
        ) as server:  # fmt: skip
            post = server.shell(PERMALINK)
            assert fetch(server, post, reader)[0] == 200

            database.stop()
            for path in ["/", post, "/search?q=faults"]:
                status, headers, _seconds = fetch(server, path, reader)
                assert status == 503, path
                assert headers["Retry-After"] == "5"

            database.start()
            # Recovered by itself: no restart of the app server.
            assert wait_for(
                lambda: fetch(server, post, reader)[0] == 200, seconds=30, step=0.3
            )
            for path in ["/", post, "/search?q=faults"]:
                assert fetch(server, path, reader)[0] == 200, path
            log = server.log()
    assert "Database unavailable" in log
    assert "Traceback" not in log
