"""
Sign-in throttling: failed attempts counted per username and IP address in the
cache (shared across processes with Redis), so guessing a password is slow
while other readers on the same network, and the same reader elsewhere, are
not locked out.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {"FAILURES": 5, "WINDOW_SECONDS": 15 * 60}


def _setting(name):
    return getattr(settings, "NEWSROOM", {}).get(
        "SIGNIN_THROTTLE_" + name, DEFAULTS[name]
    )


def max_failures():
    return _setting("FAILURES")


def window_seconds():
    return _setting("WINDOW_SECONDS")


def client_ip(request):
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _key(username, ip):
    # One counter per fixed window: the key changes when the window ends, so
    # the count restarts by the clock (also under a frozen test clock, which a
    # Redis TTL would not follow); the TTL only cleans up.
    window = int(time.time()) // window_seconds()
    digest = hashlib.sha256(
        ("%s\n%s" % (username.strip().lower(), ip)).encode()
    ).hexdigest()
    return "signin-failures:%s:%d" % (digest, window)


def is_locked(username, ip):
    return cache.get(_key(username, ip), 0) >= max_failures()


def record_failure(username, ip):
    key = _key(username, ip)
    # add() starts the window once; incr() is atomic on Redis and locmem.
    cache.add(key, 0, timeout=window_seconds())
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window_seconds())
        return 1


def clear(username, ip):
    cache.delete(_key(username, ip))
