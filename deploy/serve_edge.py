"""
The app behind its edge cache on one machine: gunicorn (deploy/gunicorn.conf.py)
on 127.0.0.1:APP_PORT and varnishd (deploy/varnish/newsroom.vcl) on
127.0.0.1:PORT in front of it, the app told to purge it (DJANGO_EDGE_PURGE_URLS).
Ctrl-C stops both.

    DJANGO_SECRET_KEY=... DJANGO_ALLOWED_HOSTS=news.example.com make serve-edge
    .venv/bin/python deploy/serve_edge.py --port 6081 --app-port 8000

The settings are whatever DJANGO_SETTINGS_MODULE names (`make serve-edge`:
production). tests/edge/ and bench/edge.py start varnishd with `varnishd_args`.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VCL_DIR = ROOT / "deploy" / "varnish"
VARNISHD = "/usr/sbin/varnishd"

BACKEND_VCL = """\
# The app's /healthz (newsroom/health.py): 503 when its database is away.
probe newsroom_health {
    .request =
        "GET /healthz HTTP/1.1"
        "Host: %(host)s"
        "Connection: close";
    .interval = %(interval)s;
    .timeout = 2s;
    .window = 5;
    .threshold = 3;
    .initial = 3;
}

backend default {
    .host = "127.0.0.1";
    .port = "%(port)d";
    .first_byte_timeout = 30s;
    .probe = newsroom_health;
}
"""


def default_probe_host():
    """A host the app accepts for /healthz: the first of DJANGO_ALLOWED_HOSTS."""
    hosts = [
        host.strip().lstrip(".")
        for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")
        if host.strip() and host.strip() != "*"
    ]
    return hosts[0] if hosts else "localhost"


def varnishd_args(
    port, app_port, workdir, memory="256m", probe_interval="5s", probe_host=None
):
    """
    The varnishd command for the edge on 127.0.0.1:`port` in front of the app
    on 127.0.0.1:`app_port`; `workdir` holds its state and the backend's VCL
    (asking the app's /healthz every `probe_interval`, as `probe_host`).
    Foreground (-F), so the caller's process is varnishd's own and stops it.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "newsroom-backend.vcl").write_text(
        BACKEND_VCL
        % {
            "host": probe_host or default_probe_host(),
            "interval": probe_interval,
            "port": app_port,
        }
    )
    return [
        VARNISHD, "-F",
        "-a", "127.0.0.1:%d" % port,
        "-T", "none",
        "-f", str(VCL_DIR / "newsroom.vcl"),
        "-p", "vcl_path=%s:%s:/usr/share/varnish/vcl" % (workdir, VCL_DIR),
        "-n", str(workdir / "varnish"),
        "-s", "malloc,%s" % memory,
        # Runs as the user who starts it (no switch to varnish's own users,
        # which could not read a private work directory).
        "-j", "none",
    ]  # fmt: skip


def wait_for(url, process, seconds=60):
    """Until `url` answers (any HTTP status); False if `process` ended first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - our loopback
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.2)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=6081, help="the edge's port")
    parser.add_argument("--app-port", type=int, default=8000, help="gunicorn's port")
    parser.add_argument("--memory", default="256m", help="varnishd's malloc storage")
    parser.add_argument(
        "--workdir", default=str(ROOT / "var" / "edge"), help="varnishd's state"
    )
    options = parser.parse_args()

    edge_url = "http://127.0.0.1:%d/" % options.port
    env = {**os.environ, "DJANGO_EDGE_PURGE_URLS": edge_url}
    # Fixed commands (this interpreter's gunicorn, Debian's varnishd).
    app = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
         "--bind", "127.0.0.1:%d" % options.app_port],
        cwd=ROOT, env=env,
    )  # fmt: skip
    edge = subprocess.Popen(  # noqa: S603
        varnishd_args(options.port, options.app_port, options.workdir, options.memory)
    )
    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if wait_for(edge_url, edge):
            print(
                "Newsroom at %s (Varnish) in front of gunicorn on 127.0.0.1:%d; "
                "Ctrl-C stops both." % (edge_url, options.app_port),
                flush=True,
            )
        while not stopping and app.poll() is None and edge.poll() is None:
            time.sleep(0.5)
    finally:
        for process in (edge, app):
            if process.poll() is None:
                process.terminate()
        for process in (edge, app):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
