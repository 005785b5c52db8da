"""Settings for the concurrent-comments test's own server (tests/test_backup.py)."""

from newsroom.settings.dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
# Fifty readers, each from their own address; one second to fill the form.
COMMENTS = {"CLIENT_IP_HEADER": "HTTP_X_REAL_IP", "MIN_FILL_SECONDS": 1}
# Worker processes share one cache, as in production without Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env("DJANGO_CACHE_DIR"),  # noqa: F405
    }
}
