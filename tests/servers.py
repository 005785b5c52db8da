"""
A real multi-worker gunicorn on a loopback port, on its own SQLite file and
file cache, for tests that fire parallel bursts across worker processes.

    with app_server(tmp_path, workers=3) as server:
        server.manage("shell", "-c", "...")
        urllib.request.urlopen(server.base + "/robots.txt")

The server is started by the test and ended by it (its own PID only).
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_SETTINGS = "tests.concurrency_settings"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base: str
    env: dict
    log_path: Path

    def manage(self, *args, timeout=180):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
        )

    def shell(self, code):
        """Run `code` in `manage.py shell` on the server's database; its last line."""
        return self.manage("shell", "-c", code).stdout.strip().splitlines()[-1]

    def log(self):
        return self.log_path.read_text()


def server_env(tmp_path, **extra):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SERVER_SETTINGS,
        "DJANGO_SQLITE_PATH": str(tmp_path / "site.sqlite3"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        **extra,
    }
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env


@contextlib.contextmanager
def app_server(tmp_path, *, workers=3, threads=4, setup=None, **extra_env):
    """Migrate a fresh database, run `setup` (Python code) on it, serve it."""
    env = server_env(tmp_path, **extra_env)
    port = free_port()
    server = Server("http://127.0.0.1:%d" % port, env, tmp_path / "server.log")
    server.manage("migrate", "--noinput", "-v0")
    if setup:
        server.manage("shell", "-c", setup)
    with open(server.log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "newsroom.wsgi:application",
             "--bind", "127.0.0.1:%d" % port, "--workers", str(workers),
             "--threads", str(threads), "--worker-class", "gthread",
             "--timeout", "60"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            for _attempt in range(150):
                try:
                    urllib.request.urlopen(server.base + "/robots.txt", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=30)
