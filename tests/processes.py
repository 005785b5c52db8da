"""Code run in a fresh interpreter under the production settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production(code, tmp_path, **env):
    """Run `code` under the production settings in a fresh interpreter."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "DJANGO_SECRET_KEY": "production-test-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "news.example.com",
        "DJANGO_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        **env,
    }
    # The test run's own switches (conftest sets async-unsafe for Playwright).
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)
    for name, value in env.items():
        if value is None:
            environment.pop(name)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
