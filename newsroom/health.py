"""
`/healthz`: whether this app server can serve, for a load balancer's probe.

200 when the database answers a trivial query; 503 when it does not. The
cache is checked too (it must give back a value just written under a private
key) and a failure is named in the body, but it is no reason to take the
server out: without Redis every page is still served, uncached
(newsroom/cache.py), and a cache outage reaches every server at once, so a
503 would take the whole site away with it.
No page is rendered, no session is read or written, nothing is cached (the
address is in PAGE_CACHE_EXCLUDED_PREFIXES), and nothing is rate limited:
a probe every few seconds costs one query and three cache calls.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Long enough for the get that follows, short enough never to pile up.
PROBE_SECONDS = 10
TEXT = "text/plain; charset=utf-8"


def database_answers():
    """True when the default database runs `SELECT 1`."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        logger.warning("Health check: the database does not answer", exc_info=True)
        return False


def cache_answers():
    """True when the cache gives back what was just written to it.

    A key of its own for each probe, so probes from several servers at once
    never read each other's value.
    """
    key = "newsroom:healthz:%s" % secrets.token_hex(8)
    token = secrets.token_hex(8)
    try:
        cache.set(key, token, timeout=PROBE_SECONDS)
        answered = cache.get(key) == token
        cache.delete(key)
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        logger.warning("Health check: the cache does not answer", exc_info=True)
        return False
    if not answered:
        logger.warning("Health check: the cache did not keep a value")
    return answered


@never_cache
@require_safe
def healthz(request):
    """`ok` (200), or the parts that failed, one a line (503 if the database is one)."""
    database, cache_ok = database_answers(), cache_answers()
    if database and cache_ok:
        return HttpResponse("ok\n", content_type=TEXT)
    lines = []
    if not database:
        lines.append("database: failed\n")
    if not cache_ok:
        lines.append("cache: failed (pages are served uncached)\n")
    status = 200 if database else 503
    return HttpResponse("".join(lines), status=status, content_type=TEXT)
