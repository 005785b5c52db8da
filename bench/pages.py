"""
Page benchmark on the 10,000-post demo: wrk against gunicorn (production
settings), each page uncached (a session cookie bypasses the page cache) and
cached, beside the same HTML served as a static file by whitenoise in the same
run; SQL queries per page; memory per worker. With --signed-in, also as a
signed-in reader and as a member (real sessions), in the same interleaved run.

    .venv/bin/python bench/pages.py            # or: make bench-pages
    .venv/bin/python bench/pages.py --signed-in --only "post,label p1"

Runs from a snapshot of the committed tree (git archive HEAD), so edits in
the work tree cannot change the code under test halfway. Writes
bench/out/pages.json and prints a Markdown table for bench/README.md.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/newsroom-bench"))
OUT = ROOT / "bench" / "out"


def env_for(work):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SQLITE_PATH": str(work / "bench.sqlite3"),
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "DJANGO_CACHE_DIR": str(work / "cache"),
        "DJANGO_LOG_LEVEL": "ERROR",
        # No mail server here: moderator notices of the load run's comments
        # are dropped (production would send them by SMTP).
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }


def snapshot(work):
    source = work / "src"
    if source.exists():
        shutil.rmtree(source)
    source.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    return source


def manage(source, env, *args):
    return subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=source,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def build_database(source, env, work):
    for name in ("bench.sqlite3", "bench.sqlite3-wal", "bench.sqlite3-shm"):
        (work / name).unlink(missing_ok=True)
    shutil.rmtree(work / "media", ignore_errors=True)
    shutil.rmtree(work / "cache", ignore_errors=True)
    manage(source, env, "migrate", "--noinput", "-v0")
    manage(source, env, "loaddemo")
    manage(source, env, "collectstatic", "--noinput", "-v0")


def prepare(*, reuse_db, patches=()):
    """
    The snapshot and its environment, with the demo database built (or
    reused); `patches` (paths of `diff -u` files, -p1) applied to the
    snapshot first, to measure a change proposed for review.
    """
    WORK.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    source = snapshot(WORK)
    for patch in patches:
        subprocess.run(
            ["patch", "-p1", "-s", "-d", str(source), "-i", str(Path(patch).resolve())],
            check=True,
        )
    env = env_for(WORK)
    if not reuse_db or not (WORK / "bench.sqlite3").exists():
        started = time.monotonic()
        build_database(source, env, WORK)
        print("demo loaded in %.0f s" % (time.monotonic() - started), flush=True)
    else:
        manage(source, env, "migrate", "--noinput", "-v0")
        manage(source, env, "collectstatic", "--noinput", "-v0")
    return source, env


class Server:
    def __init__(self, source, env, port, workers):
        self.args = [
            str(PYTHON), "-m", "gunicorn", "newsroom.wsgi:application",
            "--bind", "127.0.0.1:%d" % port, "--workers", str(workers),
            "--log-level", "warning",
        ]  # fmt: skip
        self.source, self.env, self.base = source, env, "http://127.0.0.1:%d" % port

    def __enter__(self):
        self.process = subprocess.Popen(self.args, cwd=self.source, env=self.env)
        for _attempt in range(150):
            try:
                urllib.request.urlopen(self.base + "/robots.txt", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def worker_rss_mb(self):
        children = subprocess.run(
            ["ps", "-o", "rss=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
        ).stdout.split()
        return [round(int(kb) / 1024, 1) for kb in children]

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def fetch(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


WRK_LINE = {
    "rps": re.compile(r"Requests/sec:\s+([\d.]+)"),
    "p50": re.compile(r"^\s+50%\s+([\d.]+)(us|ms|s)", re.M),
    "p99": re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)", re.M),
    "errors": re.compile(r"Non-2xx or 3xx responses:\s+(\d+)"),
}


def _ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, seconds, cookie=None, headers=(), script=None):
    """wrk at 2 threads and 8 connections; `script`: a Lua file making each request."""
    args = ["wrk", "-t2", "-c8", "-d%ds" % seconds, "--timeout", "10s", "--latency"]
    if cookie:
        args += ["-H", "Cookie: " + cookie]
    for header in headers:
        args += ["-H", header]
    if script:
        args += ["-s", str(script)]
    text = subprocess.run(args + [url], capture_output=True, text=True).stdout
    result = {"rps": float(WRK_LINE["rps"].search(text)[1])}
    for key in ("p50", "p99"):
        match = WRK_LINE[key].search(text)
        result[key] = round(_ms(*match.groups()), 2) if match else None
    errors = WRK_LINE["errors"].search(text)
    result["non_2xx"] = int(errors[1]) if errors else 0
    return result


def median_of(runs):
    return {
        "rps": round(statistics.median(run["rps"] for run in runs), 1),
        "p50": statistics.median(run["p50"] for run in runs),
        "p99": statistics.median(run["p99"] for run in runs),
        "non_2xx": sum(run["non_2xx"] for run in runs),
        "runs": [run["rps"] for run in runs],
    }


def query_counts(source, env, paths, session="bench"):
    """[status, queries] of each path's request with the session cookie `session`."""
    code = """
import json, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
client.cookies["sessionid"] = sys.argv[2]
counts = {}
for path in json.loads(sys.argv[1]):
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    counts[path] = [status, len(queries)]
print(json.dumps(counts))
"""
    out = subprocess.run(
        [str(PYTHON), "-c", code, json.dumps(paths), session],
        cwd=source,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


SIGNED_IN_SESSION = """
import sys
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from accounts import membership
name = sys.argv[-1]
reader, _created = get_user_model().objects.get_or_create(
    username=name, defaults={"first_name": "Bench", "last_name": "Reader"}
)
if name == "bench-member":
    Group.objects.get_or_create(name="Members")[0].user_set.add(reader)
    assert membership.state(reader) == membership.State.MEMBER
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(reader.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def session_key(source, env, username):
    """
    A real session of a signed-in reader, not staff: "bench-reader", or
    "bench-member", a member (Membership state MEMBER, accounts/membership.py).
    """
    out = subprocess.run(
        [
            str(PYTHON),
            "-c",
            "import django; django.setup()\n" + SIGNED_IN_SESSION,
            username,
        ],
        cwd=source,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def deep_label_cursor(base, label, pages):
    """The address of a label's page `pages` (following "Older posts"), and its number."""
    path = "/search/label/%s" % urllib.request.quote(label)
    number = 1
    while number < pages:
        _status, _headers, body = fetch(base + path, cookie="sessionid=bench")
        match = re.search(rb'href="([^"]*updated-max=[^"]*)"', body)
        if not match:
            break
        path = match[1].decode().replace("&amp;", "&").replace(" ", "%20")
        number += 1
    return path, number


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument(
        "--signed-in",
        action="store_true",
        help="also measure each page for a signed-in reader and a member (real "
        "sessions), against the anonymous uncached rate in the same run",
    )
    parser.add_argument(
        "--only", default="", help="comma-separated page names, e.g. 'post,label p1'"
    )
    parser.add_argument(
        "--apply",
        action="append",
        default=[],
        metavar="PATCH",
        help="apply this patch (-p1) to the snapshot first; may be repeated",
    )
    options = parser.parse_args()

    source, env = prepare(reuse_db=options.reuse_db, patches=options.apply)

    server = Server(source, env, options.port, options.workers)
    with server:
        base = server.base
        _status, _headers, home = fetch(base + "/")
        post = re.search(rb'href="(/\d{4}/\d{2}/[^"]+\.html)"', home)[1].decode()
        only = {name.strip() for name in options.only.split(",") if name.strip()}
        pages = {
            "home": "/",
            "post": post,
            "label p1": "/search/label/TOP%20STORY",
        }
        # The deepest label page (a walk of some 300 pages) only when asked for.
        if not only or any(n.startswith("label p") and n != "label p1" for n in only):
            deep, depth = deep_label_cursor(base, "TOP STORY", 400)
            pages["label p%d" % depth] = deep
            only = {
                "label p%d" % depth
                if n.startswith("label p") and n != "label p1"
                else n
                for n in only
            }
        pages.update(
            {
                "search": "/search?q=police",
                "feed": "/feeds/posts/default",
                "feed json": "/feeds/posts/default?alt=json",
                "label jsonp": "/feeds/posts/default/-/TOP%20STORY"
                "?alt=json-in-script&callback=showRelated&max-results=5",
            }
        )
        pages = {
            name: path
            for name, path in pages.items()
            if (not only or name in only)
            and fetch(base + path, cookie="sessionid=bench")[0] == 200
        }
        static = WORK / "src" / "staticfiles" / "bench"
        static.mkdir(parents=True, exist_ok=True)
        for name, path in pages.items():
            _status, _headers, body = fetch(base + path)
            (static / (re.sub(r"\W", "-", name) + ".html")).write_bytes(body)
    counts = query_counts(source, env, list(pages.values()))
    people = {}
    if options.signed_in:
        for kind, username in (
            ("signed in", "bench-reader"),
            ("member", "bench-member"),
        ):
            key = session_key(source, env, username)
            people[kind] = (
                "sessionid=" + key,
                query_counts(source, env, list(pages.values()), key),
            )

    results = {}
    with Server(source, env, options.port, options.workers) as server:
        base = server.base
        for name, path in pages.items():
            static_url = "%s/static/bench/%s.html" % (base, re.sub(r"\W", "-", name))
            fetch(base + path)  # fill the page cache
            row = {"path": path, "queries": counts[path][1]}
            kinds = (
                ("uncached", base + path, "sessionid=bench"),
                ("cached", base + path, None),
                ("static", static_url, None),
            )
            for kind, (cookie, person_counts) in people.items():
                kinds += ((kind, base + path, cookie),)
                row["queries " + kind] = person_counts[path][1]
            # Interleaved (uncached, cached, static, signed in, member, then
            # again), so a machine that speeds up or slows down during the run
            # moves every kind alike.
            runs = {kind: [] for kind, _url, _cookie in kinds}
            for _run in range(options.runs):
                for kind, url, cookie in kinds:
                    if kind == "cached":
                        fetch(url)
                    runs[kind].append(wrk(url, options.seconds, cookie))
            for kind in runs:
                row[kind] = median_of(runs[kind])
                print(name, kind, row[kind], flush=True)
            row["cached_vs_static"] = round(
                row["cached"]["rps"] / row["static"]["rps"], 2
            )
            results[name] = row
        memory = server.worker_rss_mb()

    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": _cpu_model(),
            "python": sys.version.split()[0],
            "workers": options.workers,
            "seconds": options.seconds,
            "runs": options.runs,
        },
        "pages": results,
        "worker_rss_mb": memory,
    }
    (OUT / "pages.json").write_text(json.dumps(report, indent=2))
    print(markdown(report))


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def cell(run):
    return "%.0f (%s / %s)" % (run["rps"], run["p50"], run["p99"])


def markdown(report):
    lines = [
        "| page | SQL queries | uncached req/s (p50 / p99 ms) | cached req/s (p50 / p99 ms) | static req/s | cached / static |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in report["pages"].items():
        lines.append(
            "| %s `%s` | %d | %s | %s | %.0f | %.0f%% |"
            % (
                name,
                row["path"][:60],
                row["queries"],
                cell(row["uncached"]),
                cell(row["cached"]),
                row["static"]["rps"],
                row["cached_vs_static"] * 100,
            )
        )
    people = [
        (name, row) for name, row in report["pages"].items() if "signed in" in row
    ]
    if people:
        lines += [
            "",
            "| page | SQL queries (uncached / signed in / member) | uncached req/s "
            "| signed-in reader req/s (p50 / p99 ms) | member req/s (p50 / p99 ms) |",
            "|---|---|---|---|---|",
        ]
        for name, row in people:
            uncached = row["uncached"]["rps"]
            lines.append(
                "| %s | %d / %d / %d | %.0f | %s, %.0f%% | %s, %.0f%% |"
                % (
                    name,
                    row["queries"],
                    row["queries signed in"],
                    row["queries member"],
                    uncached,
                    cell(row["signed in"]),
                    row["signed in"]["rps"] / uncached * 100,
                    cell(row["member"]),
                    row["member"]["rps"] / uncached * 100,
                )
            )
    lines.append("")
    lines.append("Worker RSS (MB): %s" % report["worker_rss_mb"])
    return "\n".join(lines)


if __name__ == "__main__":
    main()
