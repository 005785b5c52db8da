"""
The default cache on Redis, out of the readers' way when Redis is not.

Django's RedisCache raises when Redis is unreachable, and waits as long as
the socket lets it when Redis accepts connections but never answers: every
page would be a 500 or a held request. `ResilientRedisCache` instead

- gives each socket a short timeout (OPTIONS `socket_connect_timeout` and
  `socket_timeout`, 0.1 s unless set);
- on a connection error or a timeout answers as if the key were not there: a
  read is a miss (the caller computes the value), a write is dropped, `add()`
  says True (nothing was there to keep), `incr()` raises ValueError as for a
  missing key, so callers' own fallbacks run and none needs a try/except;
- then leaves Redis alone for `OUTAGE_RETRY_SECONDS` (OPTIONS, 2 s): a page
  touching the cache twenty times waits for one timeout, not twenty. After
  that one caller tries again while the others still skip it, and caching
  resumes as soon as a try succeeds;
- logs one warning when an outage starts and one when it ends.

A write dropped during an outage leaves in Redis what it was meant to replace
or delete: the page cache's purge counters, the site settings a save deleted.
So the keys of dropped writes (`set`, `delete`, `incr`, not `add`, which never
replaces anything) are deleted when Redis answers again, before anything else
is read, or the whole cache is cleared if more than `OUTAGE_KEPT_KEYS` were
dropped. A timer keeps trying meanwhile, so a worker that gets no request
still does it. (The keys live in the process: a worker that restarts during
the outage forgets its own.)

`cache.strict` is the same cache raising `CacheUnavailable` instead of
pretending, for callers with a better fallback than a miss (the rate limiter
counts in the database); `cache.available()` says whether Redis is being used
now, for callers that need not even compute what they would store.
"""

import copy
import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Unreachable, loading or timing out; also a server that refuses writes (a
# replica after a failover, out of memory under `noeviction`).
OUTAGE_ERRORS = (
    RedisConnectionError,
    RedisTimeoutError,
    ReadOnlyError,
    OutOfMemoryError,
)
SOCKET_TIMEOUT = 0.1
RETRY_SECONDS = 2.0
KEPT_KEYS = 10_000
DELETE_BATCH = 500


class CacheUnavailable(Exception):
    """Redis did not answer, or is being left alone after it did not."""


class Outage:
    """
    Whether one Redis server is answering, shared by every thread of the
    process (Django makes one cache object per thread), and what to undo
    when it answers again.
    """

    def __init__(self, retry_seconds, kept_keys):
        self.retry_seconds = retry_seconds
        self.kept_keys = kept_keys
        self.lock = threading.Lock()
        self.since = None  # time.monotonic() when the outage began
        self.retry_at = 0.0
        self.stale = set()  # made keys whose write was dropped
        self.clear_all = False
        self.timer = None

    def may_try(self):
        """Whether to use Redis now: always when it answers; in an outage, one caller per period."""
        if self.since is None:
            return True
        with self.lock:
            if self.since is None:
                return True
            now = time.monotonic()
            if now < self.retry_at:
                return False
            self.retry_at = now + self.retry_seconds
            return True

    def failed(self, error):
        with self.lock:
            self.retry_at = time.monotonic() + self.retry_seconds
            if self.since is not None:
                return
            self.since = time.monotonic()
        logger.warning(
            "Redis does not answer (%s): pages are served uncached, and it is "
            "tried again every %g s.",
            error,
            self.retry_seconds,
        )

    def succeeded(self):
        if self.since is None:
            return
        with self.lock:
            if self.since is None:
                return
            seconds, self.since = time.monotonic() - self.since, None
        logger.warning("Redis answers again after %.1f s: caching resumes.", seconds)

    def dropped(self, keys=(), everything=False):
        """Remember writes that did not reach Redis, to undo what they left there."""
        with self.lock:
            if everything:
                self.clear_all = True
            elif not self.clear_all:
                self.stale.update(keys)
                if len(self.stale) > self.kept_keys:
                    self.clear_all, self.stale = True, set()

    def pending(self):
        return self.clear_all or bool(self.stale)

    def catch_up(self, client):
        """Delete what dropped writes left behind (before any read trusts Redis again)."""
        if not self.pending():
            return
        with self.lock:
            keys, clear_all = list(self.stale), self.clear_all
            self.stale, self.clear_all = set(), False
        try:
            if clear_all:
                client.clear()
            for start in range(0, len(keys), DELETE_BATCH):
                client.delete_many(keys[start : start + DELETE_BATCH])
        except BaseException:
            self.dropped(keys, everything=clear_all)
            raise
        logger.warning(
            "Redis: what writes dropped during the outage left behind is deleted (%s).",
            "every entry" if clear_all else "%d keys" % len(keys),
        )


_outages = {}
_outages_lock = threading.Lock()


def _outage_of(servers, retry_seconds, kept_keys):
    key = tuple(servers)
    with _outages_lock:
        if key not in _outages:
            _outages[key] = Outage(retry_seconds, kept_keys)
        return _outages[key]


class ResilientRedisCache(RedisCache):
    """Django's RedisCache whose reads miss and writes drop while Redis does not answer."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        retry_seconds = float(options.pop("OUTAGE_RETRY_SECONDS", RETRY_SECONDS))
        kept_keys = int(options.pop("OUTAGE_KEPT_KEYS", KEPT_KEYS))
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self.outage = _outage_of(self._servers, retry_seconds, kept_keys)
        self.raises = False

    def available(self):
        """False while Redis is left alone after it did not answer (nothing stored now is kept)."""
        return self.outage.since is None

    @cached_property
    def strict(self):
        """This cache, raising CacheUnavailable where it would pretend."""
        twin = copy.copy(self)
        twin.__dict__.pop("strict", None)
        twin.raises = True
        return twin

    def _call(self, operation, fallback, dropped=None, drops_everything=False):
        """`operation()`, or when Redis does not answer `fallback()`; `dropped()`
        names the keys a write would have changed (made only then)."""
        outage = self.outage
        if outage.may_try():
            try:
                outage.catch_up(self._cache)
                result = operation()
            except OUTAGE_ERRORS as error:
                outage.failed(error)
            else:
                outage.succeeded()
                return result
        if dropped or drops_everything:
            outage.dropped(dropped() if dropped else (), everything=drops_everything)
            self._keep_trying()
        if self.raises:
            raise CacheUnavailable("Redis does not answer.")
        return fallback()

    def _keep_trying(self):
        """While dropped writes wait to be undone, try Redis now and then, requests or not."""
        outage = self.outage
        with outage.lock:
            if outage.timer is not None:
                return
            outage.timer = threading.Timer(outage.retry_seconds, self._try_again)
            outage.timer.daemon = True
            outage.timer.start()

    def _try_again(self):
        outage = self.outage
        with outage.lock:
            outage.timer = None
        if not outage.pending():
            return
        if outage.may_try():
            try:
                outage.catch_up(self._cache)
            except OUTAGE_ERRORS as error:
                outage.failed(error)
            else:
                outage.succeeded()
        if outage.pending():
            self._keep_trying()

    # Reads: a miss.

    def get(self, key, default=None, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            lambda: default,
        )

    def get_many(self, keys, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            dict,
        )

    def has_key(self, key, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).has_key(key, version),
            lambda: False,
        )

    # Writes: dropped, their keys kept to be deleted when Redis returns.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            lambda: True,
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            lambda: None,
            dropped=lambda: [self.make_and_validate_key(key, version=version)],
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda: list(data),
            dropped=lambda: [
                self.make_and_validate_key(k, version=version) for k in data
            ],
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        # A dropped touch only lets the entry end earlier: nothing to undo.
        return self._call(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
            lambda: False,
        )

    def delete(self, key, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).delete(key, version),
            lambda: False,
            dropped=lambda: [self.make_and_validate_key(key, version=version)],
        )

    def delete_many(self, keys, version=None):
        return self._call(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda: None,
            dropped=lambda: [
                self.make_and_validate_key(k, version=version) for k in keys
            ],
        )

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError("Key '%s' not found (Redis does not answer)." % key)

        return self._call(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version),
            missing,
            dropped=lambda: [self.make_and_validate_key(key, version=version)],
        )

    def clear(self):
        return self._call(
            lambda: super(ResilientRedisCache, self).clear(),
            lambda: False,
            drops_everything=True,
        )
