from .base import *  # noqa: F403

# Fast hashing: password strength is not under test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Media goes to memory, proving every media path uses the storage API.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    # Plain static storage: the manifest is built only by collectstatic.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Mails are collected in django.core.mail.outbox.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Pages render on every request, so tests see each view's own work and query
# counts; tests/test_pagecache.py switches the page cache on.
NEWSROOM = {**NEWSROOM, "PAGE_CACHE": False}  # noqa: F405
