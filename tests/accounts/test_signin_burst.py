"""
Parallel bursts against a real multi-worker server (tests/servers.py): the
sign-in limits count each attempt before the password is checked, atomically
across worker processes, so exactly the limit gets its password checked.

What is observable: a checked attempt answers 200 with the wrong-password
error; a refused one answers 429 before any password hashing.
"""

import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.servers import app_server

WINDOW = 15 * 60
WRONG = "correct username and password"
SETUP = (
    "from tests.factories import make_user\n"
    "for name in ['target'] + ['reader%d' % n for n in range(10)]:\n"
    "    make_user(username=name, password='the-real-password-1')\n"
)


class Attempt:
    def __init__(self, base, username, address):
        self.base = base
        self.username = username
        self.headers = {"X-Real-IP": address}
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar())
        )
        self.status = None
        self.body = ""

    def prepare(self):
        request = urllib.request.Request(
            self.base + "/csrf-token", headers=self.headers
        )
        with self.opener.open(request, timeout=30) as response:
            self.csrf = json.loads(response.read())["token"]

    def send(self):
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.csrf,
                "username": self.username,
                "password": "a-wrong-guess",
            }
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/",
            data=data,
            headers={**self.headers, "Referer": self.base + "/accounts/login/"},
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                self.status, self.body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            self.status, self.body = error.code, error.read().decode()


def _burst(attempts):
    for attempt in attempts:
        attempt.prepare()
    # Not across the end of a counting window (fixed windows of 15 minutes).
    left = WINDOW - time.time() % WINDOW
    if left < 20:
        time.sleep(left + 1)
    start = threading.Barrier(len(attempts), timeout=60)

    def run(attempt):
        start.wait()
        attempt.send()

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    outcomes = {"checked": 0, "refused": 0, "other": []}
    for attempt in attempts:
        if attempt.status == 200 and WRONG in attempt.body:
            outcomes["checked"] += 1
        elif attempt.status == 429:
            outcomes["refused"] += 1
        else:
            outcomes["other"].append(attempt.status)
    return outcomes


@pytest.mark.own_server
@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn needs POSIX")
def test_parallel_sign_in_bursts_get_exactly_the_limit_checked(tmp_path):
    with app_server(tmp_path, workers=3, setup=SETUP) as server:
        base = server.base
        # 25 at once at one username, each from its own address: 5 checked.
        one_user = _burst(
            [Attempt(base, "target", "10.20.0.%d" % (n + 1)) for n in range(25)]
        )
        # 30 at once over 10 usernames from one address: 20 checked.
        spray = _burst(
            [Attempt(base, "reader%d" % (n % 10), "10.30.0.1") for n in range(30)]
        )
        log = server.log()
    assert one_user == {"checked": 5, "refused": 20, "other": []}, log[-3000:]
    assert spray == {"checked": 20, "refused": 10, "other": []}, log[-3000:]
    assert "Traceback" not in log
