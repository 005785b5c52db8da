"""
Widget traffic on the 10,000-post demo: a label's JSONP feed as Blogger
widgets ask for it through jQuery (a fresh callback name and a `_=` cache
buster on every request), against the same feed with one fixed callback, and
uncached (a session cookie bypasses the page cache), interleaved in one run.
Also tracking parameters (utm_*, fbclid) on a post.

    .venv/bin/python bench/jsonp.py [--reuse-db] [--seconds 15] [--runs 3]

Uses bench/pages.py's snapshot of the committed tree, demo database and
gunicorn. Writes bench/out/jsonp.json and prints a Markdown table.
"""

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages  # noqa: E402 - bench/pages.py beside this file

LABEL_JSONP = "/feeds/posts/default/-/TOP%20STORY?alt=json-in-script&max-results=5"

# Each request a new jQuery-style callback and cache buster, as widgets send.
RANDOM_CALLBACK = """
counter = 0
request = function()
  counter = counter + 1
  local name = string.format("jQuery3510%d_%d", math.random(1, 99999999), counter)
  local path = "PATH&callback=" .. name .. "&_=" .. (1733400000000 + counter)
  return wrk.format("GET", path)
end
"""
# Each request its own campaign and click id, as shared links carry.
TRACKED = """
counter = 0
request = function()
  counter = counter + 1
  local path = "PATH?utm_source=share&utm_campaign=c" .. counter
    .. "&fbclid=IwAR" .. math.random(1, 99999999)
  return wrk.format("GET", path)
end
"""


def wrk_script(base, script, seconds):
    """bench/pages.py's wrk run, each request made by the Lua `script`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        return pages.wrk(base, seconds, script=file.name)
    finally:
        os.unlink(file.name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8012)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--reuse-db", action="store_true")
    options = parser.parse_args()

    source, env = pages.prepare(reuse_db=options.reuse_db)
    with pages.Server(source, env, options.port, options.workers) as server:
        base = server.base
        _status, _headers, home = pages.fetch(base + "/")
        post = re.search(rb'href="(/\d{4}/\d{2}/[^"]+\.html)"', home)[1].decode()
        fixed = base + LABEL_JSONP + "&callback=showRelated"
        status, _headers, body = pages.fetch(fixed)
        assert status == 200 and body.startswith(b"// API callback\nshowRelated("), (
            body[:80]
        )
        kinds = {
            "jsonp, fixed callback": lambda: pages.wrk(fixed, options.seconds),
            "jsonp, random callback and _": lambda: wrk_script(
                base, RANDOM_CALLBACK.replace("PATH", LABEL_JSONP), options.seconds
            ),
            "jsonp, uncached": lambda: pages.wrk(
                fixed, options.seconds, cookie="sessionid=bench"
            ),
            "post, plain": lambda: pages.wrk(base + post, options.seconds),
            "post, utm_* and fbclid": lambda: wrk_script(
                base, TRACKED.replace("PATH", post), options.seconds
            ),
        }
        runs = {name: [] for name in kinds}
        for _run in range(options.runs):
            for name, measure in kinds.items():
                runs[name].append(measure())
        results = {name: pages.median_of(found) for name, found in runs.items()}
    for name, row in results.items():
        print(name, row, flush=True)
    fixed_rps = results["jsonp, fixed callback"]["rps"]
    random_rps = results["jsonp, random callback and _"]["rps"]
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "workers": options.workers,
            "seconds": options.seconds,
            "runs": options.runs,
        },
        "label_jsonp": LABEL_JSONP,
        "post": post,
        "results": results,
        "random_vs_fixed": round(random_rps / fixed_rps, 2),
    }
    (pages.OUT / "jsonp.json").write_text(json.dumps(report, indent=2))
    print()
    print("| request | req/s | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for name, row in results.items():
        print("| %s | %s | %s | %s |" % (name, row["rps"], row["p50"], row["p99"]))
    print()
    print("random callback / fixed callback: %.2f" % report["random_vs_fixed"])


if __name__ == "__main__":
    main()
