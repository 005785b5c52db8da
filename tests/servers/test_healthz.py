"""
`/healthz` for a load balancer (newsroom/health.py): 200 when the database
and the cache answer, 503 naming what failed, never cached, no session.
"""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection

from articles.models import SiteSettings
from tests.processes import production

pytestmark = pytest.mark.django_db

HEALTHZ = "/healthz"


@pytest.fixture
def page_cache_on(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}


@pytest.fixture
def warm(client):
    """What the middleware reads on every request (the site settings) is cached."""
    SiteSettings.load()
    return client


def test_ok_with_one_query_no_session_and_no_caching(
    warm, page_cache_on, django_assert_num_queries
):
    with django_assert_num_queries(1):  # SELECT 1
        response = warm.get(HEALTHZ)
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    # The page cache leaves it alone: neither served nor stored.
    assert "X-Page-Cache" not in response
    # Nothing of the probe stays in the cache.
    assert not [key for key in _cache_keys() if "healthz" in key]


def _cache_keys():
    # LocMemCache in the SQLite pass; Redis (scan) in the PostgreSQL pass.
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):
        return list(cache._cache)
    client = cache._cache.get_client()
    return [key.decode() for key in client.scan_iter(match="*healthz*")]


def test_head_answers_and_other_methods_are_refused(warm):
    assert warm.head(HEALTHZ).status_code == 200
    assert warm.post(HEALTHZ).status_code == 405


def test_probes_are_never_rate_limited(warm):
    statuses = {
        warm.get(HEALTHZ, REMOTE_ADDR="203.0.113.7").status_code for _ in range(60)
    }
    assert statuses == {200}


def test_a_database_that_does_not_answer_is_503_naming_it(warm, page_cache_on):
    assert warm.get(HEALTHZ).status_code == 200
    down = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(connection, "cursor", side_effect=down):
        response = warm.get(HEALTHZ)
    assert response.status_code == 503
    assert response.content == b"database: failed\n"
    assert "no-store" in response["Cache-Control"]
    # Back up: answered again at once (the 503 was not kept either).
    assert warm.get(HEALTHZ).status_code == 200


CACHE_FAILED = b"cache: failed (pages are served uncached)\n"


def test_a_cache_that_refuses_writes_is_named_but_the_server_still_serves(warm):
    # Without the cache every page is still served (uncached): a 503 would
    # take every server out of the load balancer at once.
    with mock.patch.object(cache, "set", side_effect=ConnectionError("refused")):
        response = warm.get(HEALTHZ)
    assert response.status_code == 200
    assert response.content == CACHE_FAILED


def test_a_cache_that_keeps_nothing_is_named(warm):
    # What a cache in an outage looks like once its client treats calls as
    # misses and no-ops: every write is accepted, every read finds nothing.
    with mock.patch.object(cache, "set"):
        response = warm.get(HEALTHZ)
    assert response.status_code == 200
    assert response.content == CACHE_FAILED


def test_both_down_are_both_named(warm):
    down = OperationalError("could not connect to server")
    with (
        mock.patch.object(connection, "cursor", side_effect=down),
        mock.patch.object(cache, "set", side_effect=ConnectionError("refused")),
    ):
        response = warm.get(HEALTHZ)
    assert response.status_code == 503
    assert response.content == b"database: failed\n" + CACHE_FAILED


def test_production_answers_a_plain_http_probe_without_redirect(tmp_path):
    """Under the production settings every other address redirects to HTTPS;
    a load balancer probes its app servers over plain HTTP."""
    code = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
client = Client()
probe = client.get("/healthz", HTTP_HOST="news.example.com")
print("PROBE", probe.status_code, probe.content)
print("HOME", client.get("/", HTTP_HOST="news.example.com").status_code)
"""
    result = production(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "PROBE 200 b'ok\\n'" in result.stdout
    assert "HOME 301" in result.stdout
