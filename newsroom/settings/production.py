import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SMTP_BACKEND, env_bool, env_list, mailer

for _required in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
    if not os.environ.get(_required):
        raise ImproperlyConfigured(
            "%s must be set for the production settings." % _required
        )

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")

# Media as in the base settings (files, or S3 with NEWSROOM_S3_BUCKET).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Each worker keeps its database connection between requests instead of
# opening the SQLite file (and running its PRAGMAs) for every one.
# PostgreSQL's lifetime comes with DATABASE_URL (base settings).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = int(  # noqa: F405
        os.environ.get("DJANGO_CONN_MAX_AGE", "600")
    )

# Staff pass a second factor before the admin (twofactor/); DJANGO_REQUIRE_2FA=0
# turns it off.
NEWSROOM = {  # noqa: F405
    **NEWSROOM,  # noqa: F405
    "REQUIRE_2FA_FOR_STAFF": env_bool("DJANGO_REQUIRE_2FA", True),
}

# Mail is sent for real: SMTP (a local mail server unless DJANGO_EMAIL_HOST
# says otherwise) when DJANGO_EMAIL_BACKEND names no other backend.
MAILERS = {"default": mailer(SMTP_BACKEND)}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# A load balancer probes app servers over plain HTTP (newsroom/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Several worker processes must share one cache, or a purge in one worker
# would leave the others serving old pages: without Redis, use files.
if not os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get(
                "DJANGO_CACHE_DIR",
                str(BASE_DIR / "var" / "cache"),  # noqa: F405
            ),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
