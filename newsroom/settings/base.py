"""Settings shared by every environment; switches and secrets come from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    # PostgreSQL full-text search (SearchVectorField); harmless on SQLite.
    "django.contrib.postgres",
    "taggit",
    "reversion",
    "django_prose_editor",
    # Two-factor sign-in for staff: TOTP apps and recovery codes (twofactor/).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "twofactor",
    "articles",
    "comments",
    "blogger",
    "accounts",
    "followers",
    # The page cache: purges what each app registers (pagecache/).
    "pagecache",
    # Project wiring (the admin's sign-in form).
    "newsroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # PostgreSQL away (a restart): 503 + Retry-After, not a 500.
    "newsroom.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A hit is answered here whole (its own CSP nonce and 304s): it costs no
    # session, locale, CSRF or other middleware work.
    # Before the page cache: this site's pages never load JSONP as a script.
    "newsroom.middleware.SameOriginJsonpMiddleware",
    "pagecache.middleware.PageCacheMiddleware",
    "newsroom.middleware.RejectNulMiddleware",
    # A 404 on an old Blogger address: an editor's 301, or a line in the log.
    "blogger.middleware.MissedAddressMiddleware",
    "newsroom.middleware.SameForEveryoneMiddleware",
    # ETag/Last-Modified -> 304, outside the CSP header so a 304 carries none.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # After the page cache: a hit needs no settings; a save purges every page.
    "newsroom.middleware.SiteTimeZoneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then staff pages ask for the second factor.
    "django_otp.middleware.OTPMiddleware",
    "twofactor.middleware.RequireTwoFactorMiddleware",
    "accounts.middleware.PrivateForSignedInMiddleware",
    # A refused sign-in answers 429 + Retry-After; a success sets the device cookie.
    "accounts.middleware.SignInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Scripts only from this site or with the response's nonce; post bodies may show
# images and embedded players (the sanitiser's allow-list) from elsewhere.
# Styles allow inline because the admin's editor sets style attributes.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "https:", "data:"],
    "media-src": [CSP.SELF, "https:"],
    "frame-src": [CSP.SELF, "https:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    # No page is ever shown in a frame, not even on this site (the admin opens
    # windows, not frames): the same policy as X-Frame-Options below.
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# No script reads the CSRF cookie: forms on cached pages fetch a token from
# /csrf-token (static/js/csrf.js), the admin reads it from its forms.
CSRF_COOKIE_HTTPONLY = True

ROOT_URLCONF = "newsroom.urls"
CSRF_FAILURE_VIEW = "newsroom.csrf.csrf_failure"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# SQLite by default (WAL, busy timeout, IMMEDIATE transactions so concurrent
# writers queue instead of failing); any database through DATABASE_URL.
SQLITE_PATH = env("DJANGO_SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
if env("DATABASE_URL"):
    # A kept connection is checked before a request reuses it, so a restarted
    # PostgreSQL costs no request an error once it is back (newsroom/unavailable.py).
    DATABASES = {
        "default": dj_database_url.parse(
            env("DATABASE_URL"), conn_max_age=60, conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Our queries are short index reads: PostgreSQL's JIT spent 25-30 ms
        # compiling the archive and sitemap queries that run in 1-3 ms
        # (bench/README.md, "Counts").
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Django's RedisCache that serves uncached, never a 500 or a held request,
    # while Redis does not answer within the timeout (newsroom/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("DJANGO_CACHE_PREFIX", "newsroom"),
            "OPTIONS": {
                "socket_connect_timeout": float(env("DJANGO_CACHE_TIMEOUT", "0.1")),
                "socket_timeout": float(env("DJANGO_CACHE_TIMEOUT", "0.1")),
                "OUTAGE_RETRY_SECONDS": float(env("DJANGO_CACHE_RETRY_SECONDS", "2")),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
        }
    }

# Signed-in readers' sessions are read from the cache (Redis, or the file
# cache), and kept in the database too: a cleared cache signs nobody out, and
# signing out ends the session in both at once.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# A signed-in user, with what pages ask of them, in one query
# (accounts/backends.py). Django's ModelBackend stays listed, after it, only
# for sessions signed in before, which name it.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.AccountBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hi", "हिन्दी")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("DJANGO_TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Media in an S3-compatible bucket when NEWSROOM_S3_BUCKET is set (the optional
# requirements-s3.txt: django-storages and boto3). Credentials come from
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the machine's role. See
# docs/production.md.
if env("NEWSROOM_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("NEWSROOM_S3_BUCKET"),
            "endpoint_url": env("NEWSROOM_S3_ENDPOINT") or None,
            "region_name": env("NEWSROOM_S3_REGION") or None,
            "addressing_style": env("NEWSROOM_S3_ADDRESSING_STYLE") or None,
            "location": env("NEWSROOM_S3_PREFIX"),
            # Readers get media through /img/, never from the bucket.
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def mailer(default_backend):
    """The default mailer: DJANGO_EMAIL_BACKEND, and for SMTP the server's
    address and credentials from DJANGO_EMAIL_*."""
    backend = env("DJANGO_EMAIL_BACKEND") or default_backend
    if backend != SMTP_BACKEND:
        return {"BACKEND": backend}
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "host": env("DJANGO_EMAIL_HOST", "localhost"),
            "port": int(env("DJANGO_EMAIL_PORT") or 0) or None,
            "username": env("DJANGO_EMAIL_USER"),
            "password": env("DJANGO_EMAIL_PASSWORD"),
            "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
            "use_ssl": env_bool("DJANGO_EMAIL_USE_SSL", False),
            "timeout": int(env("DJANGO_EMAIL_TIMEOUT") or 10),
        },
    }


# Development prints mail on the console; production sends it (settings.production).
MAILERS = {"default": mailer("django.core.mail.backends.console.EmailBackend")}
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "Local Glob <news@localhost>")

TAGGIT_CASE_INSENSITIVE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
    # A Host outside ALLOWED_HOSTS: one WARNING line, no traceback.
    "filters": {"one_line_warning": {"()": "newsroom.logs.OneLineWarning"}},
    "loggers": {
        "django.security.DisallowedHost": {"filters": ["one_line_warning"]},
    },
}

# Newsroom's own settings: only what differs from the defaults, which are
# listed, each with what it does, in newsroom/conf.py. Page sizes follow
# Blogger there: 20 on pages, 25 in feeds, 150 at most.
NEWSROOM = {
    # Absolute links in e-mails sent outside a request (followers' digest).
    "SITE_URL": env("DJANGO_SITE_URL", "http://127.0.0.1:8000"),
    # Staff must pass a second factor (TOTP app or recovery code) before the
    # admin and moderation (twofactor/). Off here and in development; the
    # production settings turn it on unless DJANGO_REQUIRE_2FA=0.
    "REQUIRE_2FA_FOR_STAFF": env_bool("DJANGO_REQUIRE_2FA", False),
}
# django-otp: the admin never shows another user's secret or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Images (articles/thumbnails.py, articles/forms.py). /img/ answers every size
# of Google's grammar, but what is made snaps to the ladder (a side snaps up to
# the next rung) and, for crops, to the nearest aspect (portrait forms too), so
# one image never has more than MAX_VARIANTS files (sizes x JPEG/PNG and WebP;
# a system check proves it: (6 x 9 + 6 + 1) x 2 = 122 with these values).
# SIZES are made at upload, so the site's own pages never wait: widgets and
# feeds s72-c, cards s320/s640, post images s640/s1024/s1600, sharing s1600;
# s0 = the original bounded by MAX_SIDE. They are also the srcset candidates.
NEWSROOM_IMAGE_SIZES = ["s72-c", "s320", "s640", "s1024", "s1600", "s0"]
NEWSROOM_IMAGE_LADDER = [72, 150, 320, 640, 1024, 1600]
NEWSROOM_IMAGE_ASPECTS = [(1, 1), (4, 3), (3, 2), (16, 9), (2, 1)]
NEWSROOM_IMAGE_MAX_VARIANTS = 128
NEWSROOM_IMAGE_MAX_SIDE = 1600
NEWSROOM_IMAGE_MAX_BYTES = 20 * 1024 * 1024
NEWSROOM_IMAGE_MAX_PIXELS = 50_000_000
