"""
The production settings, as the two app servers of test_two_servers.py run
them: the environment gives the database, Redis, secrets and hosts.

Imported as a top-level module (the servers get this folder on PYTHONPATH):
`tests.servers` is the module tests/servers.py.
"""

from newsroom.settings.production import *  # noqa: F403

# Pages name static files without the manifest `collectstatic` writes (the
# servers never serve static files here; whitenoise would, after it).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Behind a proxy that names the reader's address (docs/production.md), so
# each simulated reader is counted as itself.
NEWSROOM = {**NEWSROOM, "CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}  # noqa: F405
# One second to fill the comment form (three by default), to keep the test short.
COMMENTS = {"MIN_FILL_SECONDS": 1}
# Fast hashing (as in the test settings): password strength is not under test,
# and each sign-in attempt would otherwise cost a second of CPU.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
