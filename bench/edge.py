"""
Edge benchmark on the 10,000-post demo: one cached post through Varnish
(deploy/varnish/newsroom.vcl in front of gunicorn), the same bytes as a static
file from nginx, and the app's own cached page from gunicorn, interleaved in
one run with wrk at 8 connections (bench/pages.py's helpers). Varnish keeps
pages gzipped: readers who accept gzip (every browser) get the stored bytes,
others a copy unzipped per response; nginx serves the same two files
(gzip_static), so both encodings are measured.

    .venv/bin/python bench/edge.py [--reuse-db] [--seconds 15] [--runs 3]

Needs varnish, varnish-modules and nginx (Debian packages). Runs from a
snapshot of the committed tree, like bench/pages.py (`--tree`: the work
tree as it is, uncommitted changes and new files included). Writes
bench/out/edge.json and prints a Markdown table for bench/README.md.
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import (  # noqa: E402
    OUT,
    ROOT,
    WORK,
    Server,
    _cpu_model,
    fetch,
    manage,
    median_of,
    prepare,
)
from pages import wrk as pages_wrk  # noqa: E402

NGINX = "/usr/sbin/nginx"
NGINX_CONF = """\
worker_processes 2;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types { text/html html; }
    client_body_temp_path %(dir)s/tmp;
    proxy_temp_path %(dir)s/tmp;
    fastcgi_temp_path %(dir)s/tmp;
    uwsgi_temp_path %(dir)s/tmp;
    scgi_temp_path %(dir)s/tmp;
    server {
        listen 127.0.0.1:%(port)d;
        root %(dir)s/www;
        # post.html.gz to readers who accept gzip, as Varnish does.
        gzip_static on;
    }
}
"""


def overlay_work_tree(source, env):
    """The work tree's files (new ones too) over the snapshot, then its migrations."""
    names = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, names):
        path = ROOT / name.decode()
        if path.is_file():
            target = source / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    manage(source, env, "migrate", "--noinput", "-v0")
    manage(source, env, "collectstatic", "--noinput", "-v0")


def fetch_gzipped(url):
    """Headers and body as a reader accepting gzip gets them (not unzipped)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers, response.read()


def wrk(url, seconds, encoding):
    """bench/pages.py's wrk run (2 threads, 8 connections), with Accept-Encoding."""
    return pages_wrk(url, seconds, headers=["Accept-Encoding: " + encoding])


def serve_edge_module(source):
    """deploy/serve_edge.py of the snapshot (its VCL is the snapshot's too)."""
    spec = importlib.util.spec_from_file_location(
        "serve_edge", source / "deploy" / "serve_edge.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Process:
    """A server process started here and stopped by its own PID."""

    def __init__(self, args, url, log):
        self.args, self.url, self.log = args, url, log

    def __enter__(self):
        self.output = open(self.log, "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            self.args, stdout=self.output, stderr=subprocess.STDOUT
        )
        for _attempt in range(150):
            if self.process.poll() is not None:
                break
            status, _headers, _body = _try(self.url)
            if status:
                return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("%s did not start: see %s" % (self.args[0], self.log))

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.output.close()


def _try(url):
    try:
        return fetch(url)
    except OSError:
        return None, None, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--edge-port", type=int, default=6091)
    parser.add_argument("--nginx-port", type=int, default=8091)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument(
        "--tree",
        action="store_true",
        help="measure the work tree as it is, uncommitted changes and new files included",
    )
    options = parser.parse_args()

    source, env = prepare(reuse_db=options.reuse_db)
    if options.tree:
        overlay_work_tree(source, env)
    edge_url = "http://127.0.0.1:%d" % options.edge_port
    env = {**env, "DJANGO_EDGE_PURGE_URLS": edge_url + "/"}
    serve_edge = serve_edge_module(source)
    varnishd = serve_edge.varnishd_args(
        options.edge_port, options.port, WORK / "edge", memory="256m"
    )
    nginx_dir = WORK / "nginx"
    shutil.rmtree(nginx_dir, ignore_errors=True)
    (nginx_dir / "www").mkdir(parents=True)
    (nginx_dir / "tmp").mkdir()
    conf = nginx_dir / "nginx.conf"
    conf.write_text(NGINX_CONF % {"dir": nginx_dir, "port": options.nginx_port})

    with (
        Server(source, env, options.port, options.workers) as app,
        Process(varnishd, edge_url + "/robots.txt", WORK / "varnishd.log"),
    ):
        _status, _headers, home = fetch(app.base + "/")
        post = re.search(rb'href="(/\d{4}/\d{2}/[^"]+\.html)"', home)[1].decode()
        _status, headers, body = fetch(edge_url + post)
        status, headers, again = fetch(edge_url + post)
        if (status, headers["X-Cache"], again) != (200, "HIT", body):
            raise RuntimeError(
                "the edge does not keep %s: %s %s" % (post, status, dict(headers))
            )
        # The same bytes for nginx: the page, and the gzip Varnish keeps of it.
        headers, gzipped = fetch_gzipped(edge_url + post)
        assert headers["Content-Encoding"] == "gzip"
        (nginx_dir / "www" / "post.html").write_bytes(body)
        (nginx_dir / "www" / "post.html.gz").write_bytes(gzipped)
        static_url = "http://127.0.0.1:%d/post.html" % options.nginx_port
        nginx = [NGINX, "-c", str(conf), "-p", str(nginx_dir)]
        with Process(nginx, static_url, nginx_dir / "out.log"):
            assert fetch(static_url)[2] == body
            assert fetch_gzipped(static_url)[1] == gzipped
            kinds = (
                ("varnish gzip", edge_url + post, "gzip"),
                ("nginx gzip", static_url, "gzip"),
                ("varnish identity", edge_url + post, "identity"),
                ("nginx identity", static_url, "identity"),
                ("app cached", app.base + post, "identity"),
            )
            runs = {kind: [] for kind, _url, _encoding in kinds}
            # Interleaved, so a machine that speeds up or slows down during
            # the run moves all of them alike.
            for _run in range(options.runs):
                for kind, url, encoding in kinds:
                    fetch(url)
                    runs[kind].append(wrk(url, options.seconds, encoding))
                    print(kind, runs[kind][-1], flush=True)
            edge_after = fetch(edge_url + post)[1]["X-Cache"]

    results = {kind: median_of(kind_runs) for kind, kind_runs in runs.items()}
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": _cpu_model(),
            "workers": options.workers,
            "seconds": options.seconds,
            "runs": options.runs,
        },
        "post": post,
        "bytes": len(body),
        "gzip_bytes": len(gzipped),
        "edge_after_run": edge_after,
        "results": results,
        "varnish_vs_nginx": {
            encoding: round(
                results["varnish " + encoding]["rps"]
                / results["nginx " + encoding]["rps"],
                2,
            )
            for encoding in ("gzip", "identity")
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "edge.json").write_text(json.dumps(report, indent=2))
    print(markdown(report))


def markdown(report):
    lines = [
        "| `%s` (%d bytes, %d gzipped) | req/s | p50 ms | p99 ms | runs |"
        % (report["post"][:50], report["bytes"], report["gzip_bytes"]),
        "|---|---|---|---|---|",
    ]
    for kind, row in report["results"].items():
        lines.append(
            "| %s | %.0f | %s | %s | %s |"
            % (kind, row["rps"], row["p50"], row["p99"], row["runs"])
        )
    lines.append("")
    lines.append(
        "Varnish / nginx: %s"
        % ", ".join(
            "%s %.0f%%" % (encoding, ratio * 100)
            for encoding, ratio in report["varnish_vs_nginx"].items()
        )
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
