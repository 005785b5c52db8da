"""
A real varnishd with the project's VCL (deploy/varnish/newsroom.vcl) on a free
loopback port, started and stopped (by its own PID) by the test.

    with edge(tmp_path, app_port) as base:
        fetch(base + "/")
"""

import contextlib
import importlib.util
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from tests.servers import ROOT, free_port


def _serve_edge():
    spec = importlib.util.spec_from_file_location(
        "serve_edge", ROOT / "deploy" / "serve_edge.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve_edge = _serve_edge()
# varnishd and varnish-modules' xkey (.ci/run installs both when missing).
AVAILABLE = Path(serve_edge.VARNISHD).exists() and bool(
    list(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"))
)


@contextlib.contextmanager
def edge(tmp_path, app_port, port=None, probe_interval="0.2s"):
    """
    varnishd in front of 127.0.0.1:`app_port`; yields its base address. It
    asks the backend's /healthz (as Host 127.0.0.1) every `probe_interval`.
    """
    port = port or free_port()
    workdir = tmp_path / "edge"
    log = open(tmp_path / "varnishd.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        serve_edge.varnishd_args(
            port,
            app_port,
            workdir,
            memory="64m",
            probe_interval=probe_interval,
            probe_host="127.0.0.1",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = "http://127.0.0.1:%d" % port
    try:
        if not serve_edge.wait_for(base + "/robots.txt", process, seconds=60):
            raise RuntimeError(
                "varnishd did not start: %s" % (tmp_path / "varnishd.log").read_text()
            )
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def fetch(url, headers=None, method="GET", data=None):
    """(status, headers, body) of one request; redirects are not followed."""
    request = urllib.request.Request(
        url, headers=headers or {}, method=method, data=data
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def purge(base, tags):
    return fetch(base + "/", headers={"xkey-purge": " ".join(tags)}, method="PURGE")
