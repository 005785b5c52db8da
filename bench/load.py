"""
A bounded mixed load (loopback only): readers, searches, feeds and comment
posts at the same time for 60 s against gunicorn on the 10,000-post demo.
Passes when no answer is a 5xx and every accepted comment is in the database.

    .venv/bin/python bench/load.py [--seconds 60]     # after bench/pages.py

Comments come from many addresses (the X-Real-IP header a proxy would set,
read through COMMENTS["CLIENT_IP_HEADER"]) so the per-address rate limit
does not refuse them; each fetches its own form token with the CSRF token
(/csrf-token?for=post-N, as static/js/csrf.js does) and waits the form's
minimum fill time.
"""

import argparse
import collections
import json
import random
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import WORK, Server, env_for, manage, snapshot  # noqa: E402

SETTINGS = """
from newsroom.settings.production import *  # noqa: F403
COMMENTS = {"CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}
# Loopback without TLS: the client must get its CSRF cookie back over HTTP.
CSRF_COOKIE_SECURE = False
"""
WORDS = ["police", "market", "rain", "election", "film", "school", "river", "court"]
MARKER = "load-run"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = collections.Counter()
        self.latency = collections.defaultdict(list)
        self.accepted = 0
        self.refused = []

    def add(self, kind, status, seconds):
        with self.lock:
            self.statuses[(kind, status)] += 1
            self.latency[kind].append(seconds * 1000)


def request(opener, url, data=None, headers=None):
    started = time.monotonic()
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(req, timeout=30) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return status, body, time.monotonic() - started


def reader(base, paths, tally, stop, signed_in):
    opener = urllib.request.build_opener(NoRedirect)
    headers = {"Cookie": "sessionid=load"} if signed_in else {}
    while not stop.is_set():
        kind, path = random.choice(paths)  # noqa: S311
        status, _body, seconds = request(opener, base + path, headers=headers)
        tally.add(kind + (" (uncached)" if signed_in else ""), status, seconds)


def commenter(base, posts, tally, stop, number):
    sent = 0
    while not stop.is_set():
        jar = urllib.request.HTTPCookieProcessor(CookieJar())
        opener = urllib.request.build_opener(jar, NoRedirect)
        address = "10.%d.%d.%d" % (number, sent // 250, sent % 250 + 1)
        headers = {"X-Real-IP": address}
        post = random.choice(posts)  # noqa: S311
        status, body, seconds = request(opener, base + post, headers=headers)
        tally.add("post page (commenter)", status, seconds)
        html = body.decode()
        form = re.search(r'<form id="comment-form"[^>]*>', html)[0]
        action = re.search(r'action="(/comments/post/\d+/)"', form)
        target = re.search(r'data-token-for="([^"]+)"', form)[1]
        # As csrf.js does when the reader starts writing: the CSRF token and
        # this reader's own single-use form token.
        status, body, seconds = request(
            opener, base + "/csrf-token?for=" + target, headers=headers
        )
        tally.add("csrf token", status, seconds)
        tokens = json.loads(body)
        csrf, token = tokens["token"], tokens["form_token"]
        time.sleep(3.2)  # the form's minimum fill time
        text = "%s %d-%d: a reader's comment about the story." % (MARKER, number, sent)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "token": token,
                "name": "Load reader %d" % number,
                "email": "",
                "text": text,
                "parent": "",
                "website": "",
            }
        ).encode()
        status, body, seconds = request(
            opener,
            base + action[1],
            data=data,
            headers={**headers, "Referer": base + post},
        )
        tally.add("comment post", status, seconds)
        with tally.lock:
            if status == 302:
                tally.accepted += 1
            else:
                tally.refused.append((status, text))
        sent += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--commenters", type=int, default=6)
    options = parser.parse_args()

    source = snapshot(WORK)
    (source / "bench_settings.py").write_text(SETTINGS)
    env = {**env_for(WORK), "DJANGO_SETTINGS_MODULE": "bench_settings"}
    if not (WORK / "bench.sqlite3").exists():
        sys.exit("Run bench/pages.py first: it builds the demo database.")
    manage(source, env, "migrate", "--noinput", "-v0")
    manage(source, env, "collectstatic", "--noinput", "-v0")
    count_code = (
        "from comments.models import Comment;"
        "print(Comment.objects.filter(text__startswith=%r).count())" % MARKER
    )
    before = int(manage(source, env, "shell", "-c", count_code).split()[-1])

    tally = Tally()
    stop = threading.Event()
    with Server(source, env, options.port, workers=5) as server:
        base = server.base
        home = urllib.request.urlopen(base + "/", timeout=30).read().decode()
        posts = sorted(set(re.findall(r'href="(/\d{4}/\d{2}/[^"]+\.html)"', home)))
        labels = sorted(set(re.findall(r'href="(/search/label/[^"?]+)"', home)))
        paths = [("home", "/")]
        paths += [("post", path) for path in posts]
        paths += [("label", path.replace(" ", "%20")) for path in labels]
        paths += [("search", "/search?q=" + word) for word in WORDS]
        paths += [("archive", "/2025/"), ("archive", "/2026/03/")]
        for feed in ("/feeds/posts/default", "/feeds/posts/default?alt=json"):
            try:
                urllib.request.urlopen(base + feed, timeout=30).read()
                paths.append(("feed", feed))
            except urllib.error.HTTPError:
                pass
        threads = [
            threading.Thread(
                target=reader, args=(base, paths, tally, stop, number % 3 == 2)
            )
            for number in range(options.readers)
        ]
        threads += [
            threading.Thread(target=commenter, args=(base, posts, tally, stop, number))
            for number in range(options.commenters)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(options.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started

    stored = int(manage(source, env, "shell", "-c", count_code).split()[-1]) - before
    server_errors = sum(
        n for (kind, status), n in tally.statuses.items() if status >= 500
    )
    report = {
        "seconds": round(elapsed, 1),
        "requests": sum(tally.statuses.values()),
        "by_kind": {
            kind: {
                "requests": len(values),
                "p50_ms": round(statistics.median(values), 1),
                "p99_ms": round(sorted(values)[int(len(values) * 0.99) - 1], 1),
                "statuses": {
                    str(status): n
                    for (k, status), n in tally.statuses.items()
                    if k == kind
                },
            }
            for kind, values in sorted(tally.latency.items())
        },
        "server_errors": server_errors,
        "comments_accepted": tally.accepted,
        "comments_stored": stored,
        "comments_lost": tally.accepted - stored,
        "comments_refused": tally.refused[:10],
    }
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = server_errors == 0 and report["comments_lost"] == 0 and tally.accepted > 0
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
