"""
The one rate limiter of the project, and the one function that says who the
client is.

Every limit (comments, sign-in, sign-up, password reset, follow) counts hits
in fixed windows through `hit()`. A count is atomic whatever runs the site:

- with Redis as the default cache, `cache.add()` + `cache.incr()` (one Redis
  INCR, shared by every worker and every app server);
- otherwise an `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` on the
  `RateCounter` table (SQLite and PostgreSQL both run it as one statement),
  because the local-memory and file caches do not count atomically across
  worker processes.

If Redis fails mid-request, or is away (newsroom/cache.py's `strict` view
raises instead of answering a miss), the count falls back to the database, so
a cache outage never lets a burst through, never locks everyone out and never
becomes a 500: every limit keeps counting, neither open nor closed. Around the
switch (to the database and back) one window may see up to twice its limit.

Addresses: `client_address()` reads REMOTE_ADDR, or the one request header a
trusted proxy sets (`NEWSROOM["CLIENT_IP_HEADER"]`, e.g. "HTTP_X_REAL_IP";
the older `COMMENTS["CLIENT_IP_HEADER"]` is still read). In a comma-separated
header such as X-Forwarded-For only the entry the trusted proxy added is
believed (`NEWSROOM["TRUSTED_PROXY_COUNT"]` from the right), since a client
can put anything to the left of it. `address_group()` groups IPv6 addresses
by their /64, as one subscriber usually holds a whole /64.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.db import connection, transaction

from newsroom.conf import comments_setting, newsroom_setting

IPV6_GROUP_PREFIX = 64


def _conf(name, default):
    return newsroom_setting(name)


def client_address(request):
    """The client's IP address as a string, or None when it is not a valid one."""
    if request is None:
        return None
    header = (
        _conf("CLIENT_IP_HEADER", "")
        or comments_setting("CLIENT_IP_HEADER")
        or "REMOTE_ADDR"
    )
    entries = [part.strip() for part in request.META.get(header, "").split(",")]
    entries = [part for part in entries if part]
    if not entries:
        return None
    if header == "REMOTE_ADDR":
        value = entries[-1]
    else:
        # The right-most entries were added by our own proxies; the one the
        # first trusted proxy added is the address it saw.
        count = max(1, int(_conf("TRUSTED_PROXY_COUNT", 1)))
        value = entries[-count] if len(entries) >= count else entries[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def address_group(address):
    """The key one client is counted under: an IPv4 address, or an IPv6 /64."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        network = ipaddress.ip_network("%s/%d" % (ip, IPV6_GROUP_PREFIX), strict=False)
        return str(network)
    return str(ip)


def client_group(request):
    """`address_group(client_address(request))`: the usual key for a limit."""
    return address_group(client_address(request))


@dataclass(frozen=True)
class Decision:
    """What one hit (or a look) found: the count in this window and the verdict."""

    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends; 0 when allowed

    def __bool__(self):
        return self.allowed


def _window(window, now):
    index = int(now // window)
    ends = (index + 1) * window
    return index, ends


def _key(scope, key, index):
    digest = hashlib.sha256(str(key).encode()).hexdigest()[:32]
    return "rl:%s:%s:%d" % (scope, digest, index)


def _redis_cache():
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    # newsroom.cache answers a miss while Redis is away; a count would rather
    # go to the database than start again from zero.
    return getattr(cache, "strict", cache)


def _count_in_cache(cache, name, timeout):
    cache.add(name, 0, timeout=timeout)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add() and incr()
        cache.add(name, 0, timeout=timeout)
        return cache.incr(name)


def _count_in_database(name, expires_at):
    from .models import RateCounter

    # Only the model's own table name is put into the SQL; values are parameters.
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 "
        "RETURNING count"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [name, expires_at])
        return cursor.fetchone()[0]


def _read(name):
    cache = _redis_cache()
    if cache is not None:
        try:
            return int(cache.get(name) or 0)
        except Exception:  # noqa: BLE001, S110 - Redis away: the database copy counts
            pass
    from .models import RateCounter

    return (
        RateCounter.objects.filter(key=name).values_list("count", flat=True).first()
        or 0
    )


def _expires(ends):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ends, tz=UTC)


def hit(scope, key, *, limit, window):
    """
    Count one attempt by `key` (an address group, a username, ...) under
    `scope` and say whether it is within `limit` attempts per `window` seconds.
    A refused hit still counts, so hammering does not reopen the window early.
    """
    if not key:
        return Decision(True, 0, limit, 0)
    now = time.time()
    index, ends = _window(window, now)
    name = _key(scope, key, index)
    timeout = max(1, math.ceil(ends - now)) + 1
    count = None
    cache = _redis_cache()
    if cache is not None:
        try:
            count = _count_in_cache(cache, name, timeout)
        except Exception:  # noqa: BLE001 - Redis away: count in the database
            count = None
    if count is None:
        count = _count_in_database(name, _expires(ends))
        _sweep_now_and_then(count)
    allowed = count <= limit
    return Decision(allowed, count, limit, 0 if allowed else _retry(ends, now))


def once(scope, key, *, ttl):
    """
    Whether this is the first use of `key` under `scope` in the last `ttl`
    seconds: True once, False for every later use, atomically across workers
    and servers (a one-use token's nonce). Unlike `hit()`, no fixed window can
    end in the middle of a key's life and make it new again.
    """
    now = time.time()
    name = "rl:once:%s:%s" % (scope, hashlib.sha256(str(key).encode()).hexdigest()[:32])
    timeout = max(1, math.ceil(ttl))
    cache = _redis_cache()
    if cache is not None:
        try:
            return cache.add(name, 1, timeout=timeout)
        except Exception:  # noqa: BLE001, S110 - Redis away: count in the database
            pass
    count = _count_in_database(name, _expires(now + timeout))
    _sweep_now_and_then(count)
    return count == 1


def peek(scope, key, *, limit, window):
    """Whether `key` has attempts left, without counting one."""
    if not key:
        return Decision(True, 0, limit, 0)
    now = time.time()
    index, ends = _window(window, now)
    count = _read(_key(scope, key, index))
    allowed = count < limit
    return Decision(allowed, count, limit, 0 if allowed else _retry(ends, now))


def reset(scope, key, *, window):
    """Forget the attempts of `key` in the current window (after a success)."""
    if not key:
        return
    index, _ends = _window(window, time.time())
    name = _key(scope, key, index)
    cache = _redis_cache()
    if cache is not None:
        try:
            cache.delete(name)
        except Exception:  # noqa: BLE001, S110 - the database copy is cleared below
            pass
    from .models import RateCounter

    RateCounter.objects.filter(key=name).delete()


def _retry(ends, now):
    return max(1, math.ceil(ends - now))


def _sweep_now_and_then(count):
    """Delete ended windows when a new one starts (its first hit), cheaply."""
    if count != 1:
        return
    from .models import RateCounter

    RateCounter.objects.filter(expires_at__lt=_expires(time.time())).delete()


def retry_after_minutes(decision):
    return max(1, math.ceil(decision.retry_after / 60))
