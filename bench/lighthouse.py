"""
Lighthouse audit of the reader pages on the 10,000-post demo (loopback only):
performance, accessibility, best practices and SEO of home, a post with
comments, a label page, a search and a static page, served by gunicorn with
production settings from a snapshot of the committed tree.

    .venv/bin/python bench/lighthouse.py [--reuse-db]     # or: make bench-lighthouse

Installs nothing: it expects Lighthouse in .venv/lighthouse (the Makefile
target installs the pinned version there). Prints a Markdown table for
bench/README.md and writes bench/out/lighthouse.json (each page's full report
beside it, bench/out/lighthouse-NAME.report.json). Gate on accessibility, best
practices and SEO; the performance score is a trend on a busy machine.
"""

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import (  # noqa: E402
    OUT,
    ROOT,
    Server,
    _cpu_model,
    fetch,
    prepare,
)

LIGHTHOUSE = ROOT / ".venv" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GATED = ("accessibility", "best-practices", "seo")
PAGES = {
    "home": "/",
    "post with comments": "/2025/03/russian-us-diplomats-discuss-steps-in.html",
    "label": "/search/label/TOP%20STORY",
    "search": "/search?q=police",
    "static page": "/p/about.html",
}
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)


def chrome_flags(profile):
    return " ".join(
        [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=%s" % profile,
        ]
    )


def processes_using(marker):
    """PIDs whose command line contains `marker` (this run's own profile dir)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def run_lighthouse(url, report_path, timeout):
    """One Lighthouse run with a fresh Chrome profile; returns the report or None."""
    with tempfile.TemporaryDirectory(prefix="newsroom-lighthouse-") as profile:
        args = [
            str(LIGHTHOUSE), url, "--quiet", "--output=json",
            "--output-path=%s" % report_path,
            "--only-categories=%s" % ",".join(CATEGORIES),
            "--chrome-flags=%s" % chrome_flags(profile),
        ]  # fmt: skip
        env = {**os.environ, "CHROME_PATH": CHROME}
        process = subprocess.Popen(args, env=env, start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print("!! Lighthouse timed out on %s" % url, file=sys.stderr)
            process.send_signal(signal.SIGINT)  # Lighthouse closes its Chrome
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        finally:
            # A Chrome left behind (its own process group) is found by the
            # profile directory of this run, and nothing else is touched.
            for pid in processes_using(profile):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.5)
        if process.returncode != 0 or not report_path.exists():
            return None
    return json.loads(report_path.read_text())


def summarise(report):
    scores = {
        name: (
            round(category["score"] * 100)
            if category.get("score") is not None
            else None
        )
        for name, category in report["categories"].items()
    }
    failed = {}
    for name in GATED:
        failed[name] = [
            ref["id"]
            for ref in report["categories"][name]["auditRefs"]
            if report["audits"][ref["id"]]["scoreDisplayMode"] in ("binary", "numeric")
            and report["audits"][ref["id"]]["score"] is not None
            and report["audits"][ref["id"]]["score"] < 1
        ]
    metrics = {
        key: report["audits"][key].get("displayValue")
        for key in METRICS
        if key in report["audits"]
    }
    warnings = report.get("runWarnings", [])
    return {
        "scores": scores,
        "failed": failed,
        "metrics": metrics,
        "warnings": warnings,
    }


def markdown(results):
    lines = [
        "| page | performance | accessibility | best practices | SEO | failed audits (a11y / best practices / SEO) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, row in results.items():
        if row.get("error"):
            lines.append(
                "| %s `%s` | - | - | - | - | %s |" % (name, row["path"], row["error"])
            )
            continue
        scores = row["scores"]
        failed = "; ".join(
            "%s: %s" % (category, ", ".join("`%s`" % audit for audit in audits))
            for category, audits in row["failed"].items()
            if audits
        )
        lines.append(
            "| %s `%s` | %s | %s | %s | %s | %s |"
            % (
                name,
                row["path"],
                *(
                    "-" if scores.get(key) is None else scores[key]
                    for key in CATEGORIES
                ),
                failed or "none",
            )
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8012)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument(
        "--timeout", type=int, default=120, help="seconds allowed per Lighthouse run"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated page names, e.g. 'home,label'"
    )
    options = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit(
            "Lighthouse is not installed in %s: run make bench-lighthouse"
            % LIGHTHOUSE.relative_to(ROOT)
        )
    only = {name.strip() for name in options.only.split(",") if name.strip()}
    pages = {name: path for name, path in PAGES.items() if not only or name in only}

    started_at = datetime.datetime.now(datetime.UTC)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    source, env = prepare(reuse_db=options.reuse_db)

    results = {}
    server = Server(source, env, options.port, options.workers)
    try:
        server.__enter__()
        for name, path in pages.items():
            url = server.base + path
            status, _headers, _body = fetch(url)  # also fills the page cache
            if status != 200:
                results[name] = {"path": path, "error": "HTTP %d" % status}
                continue
            report_path = OUT / ("lighthouse-%s.report.json" % name.replace(" ", "-"))
            report_path.unlink(missing_ok=True)
            begun = time.monotonic()
            report = run_lighthouse(url, report_path, options.timeout)
            if report is None:
                results[name] = {"path": path, "error": "Lighthouse failed"}
                continue
            results[name] = {"path": path, **summarise(report)}
            results[name]["seconds"] = round(time.monotonic() - begun, 1)
            print(name, results[name], flush=True)
    finally:
        process = getattr(server, "process", None)
        if process is not None and process.poll() is None:
            try:
                server.__exit__(None, None, None)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    report = {
        "commit": commit,
        "started": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "finished": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": _cpu_model(),
            "load_average": os.getloadavg(),
            "chromium": subprocess.run(
                [CHROME, "--version"], capture_output=True, text=True
            ).stdout.strip(),
        },
        "pages": results,
    }
    (OUT / "lighthouse.json").write_text(json.dumps(report, indent=2))
    print()
    print(markdown(results))
    if any(row.get("error") for row in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
