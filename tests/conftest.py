import os
import shutil
import socket
from datetime import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's sync API runs an event loop; Django's async-safety check would
# refuse ORM calls made by the live server's test code in that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

FROZEN_NOW = timezone.make_aware(
    datetime(2026, 3, 5, 12, 0), timezone.get_fixed_timezone(330)
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen_now():
    """Time stands still at 2026-03-05 12:00 IST; travel with `.shift()` / `.move_to()`."""
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "boss", "boss@example.com", "a-good-test-password"
    )
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def mail_server_down(settings):
    """Mail goes to a real SMTP connection on a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_FLAGS,
    }


def pytest_collection_modifyitems(config, items):
    _postgresql_only(config, items)
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(
        reason="browser test skipped: %s is not installed (apt-get install chromium)"
        % CHROMIUM
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _postgresql_only(config, items):
    """
    Tests marked `postgresql` (PostgreSQL's own machinery: id sequences) run in
    the PostgreSQL pass of .ci/run and are left out of a SQLite run, where
    what they test does not exist.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    left_out = [item for item in items if "postgresql" in item.keywords]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if "postgresql" not in item.keywords]
