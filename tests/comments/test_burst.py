"""
Parallel bursts of comments against a real multi-worker server (gunicorn,
SQLite, the file cache: no Redis), where per-process counting would let a
burst through.
"""

import json
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.servers import app_server

RATE_LIMIT = 5  # the default; tests/concurrency_settings.py keeps it
RATE_WINDOW = 600
BURST = 30
REPLAYS = 10


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Reader:
    """One browser: its own cookies, its address as the proxy reports it."""

    def __init__(self, base, address):
        self.base = base
        self.headers = {"X-Real-IP": address}
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect
        )

    def start_writing(self, target):
        """What csrf.js fetches when the reader focuses the comment form."""
        request = urllib.request.Request(
            self.base + "/csrf-token?for=" + target, headers=self.headers
        )
        with self.opener.open(request, timeout=30) as response:
            tokens = json.loads(response.read())
        self.csrf, self.form_token = tokens["token"], tokens["form_token"]

    def send(self, action, text, form_token=None):
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.csrf,
                "token": form_token or self.form_token,
                "name": "Burst reader",
                "email": "",
                "text": text,
                "parent": "",
                "website": "",
            }
        ).encode()
        request = urllib.request.Request(
            self.base + action,
            data=data,
            headers={**self.headers, "Referer": self.base + "/"},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                body = response.read().decode(errors="replace")
                self.answer = (response.status, dict(response.headers), body)
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            self.answer = (error.code, dict(error.headers), body)


def all_at_once(jobs):
    """Run the callables together (a barrier), each bounded by a timeout."""
    barrier = threading.Barrier(len(jobs), timeout=30)

    def run(job):
        barrier.wait()
        job()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.own_server
@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn needs POSIX")
def test_bursts_from_one_address_and_with_one_token_across_workers(tmp_path):
    setup = "from tests.factories import make_post; make_post(title='Burst')"
    with app_server(tmp_path, workers=3, setup=setup) as server:
        pk = server.shell(
            "from articles.models import Post; print(Post.objects.get().pk)"
        )
        action = "/comments/post/%s/" % pk

        # 30 readers behind one address, each with its own fresh token.
        crowd = [Reader(server.base, "203.0.113.9") for _ in range(BURST)]
        for reader in crowd:
            reader.start_writing("post-" + pk)
        assert len({reader.form_token for reader in crowd}) == BURST
        time.sleep(1.2)  # MIN_FILL_SECONDS is 1 on this server
        # Not astride the limiter's fixed window boundary, which would split
        # the count in two.
        while time.time() % RATE_WINDOW > RATE_WINDOW - 5:
            time.sleep(0.5)
        all_at_once(
            [
                lambda reader=reader, n=n: reader.send(action, "Crowd %d says hi." % n)
                for n, reader in enumerate(crowd)
            ]
        )
        statuses = sorted(reader.answer[0] for reader in crowd)
        assert statuses == [302] * RATE_LIMIT + [429] * (BURST - RATE_LIMIT), (
            server.log()[-3000:]
        )
        for status, headers, body in (reader.answer for reader in crowd):
            if status == 429:
                assert 0 < int(headers["Retry-After"]) <= RATE_WINDOW
                assert "several comments in a short time" in body

        # One token sent by ten readers at once (ten addresses): one comment.
        replayers = [
            Reader(server.base, "198.51.100.%d" % (n + 1)) for n in range(REPLAYS)
        ]
        for reader in replayers:
            reader.start_writing("post-" + pk)
        shared = replayers[0].form_token
        time.sleep(1.2)
        all_at_once(
            [
                lambda reader=reader, n=n: reader.send(
                    action, "Replay %d of one token." % n, form_token=shared
                )
                for n, reader in enumerate(replayers)
            ]
        )
        answers = sorted(reader.answer[0] for reader in replayers)
        assert answers == [200] * (REPLAYS - 1) + [302], server.log()[-3000:]
        refused = [reader.answer[2] for reader in replayers if reader.answer[0] == 200]
        assert all("already been sent once" in body for body in refused)

        stored = server.shell(
            "from comments.models import Comment;"
            "print(sorted(Comment.objects.values_list('status', flat=True)))"
        )
    # Held for moderation (the default): five from the crowd, one replay.
    assert stored == str(["pending"] * (RATE_LIMIT + 1))
    log = (tmp_path / "server.log").read_text()
    assert "database is locked" not in log
    assert "Traceback" not in log
    assert re.search(r"\[ERROR\]", log) is None
