"""
Two app servers behind one address (issue 20, "Several app servers"): two
gunicorn processes on two loopback ports, the production settings, one
PostgreSQL database made for this test and one Redis started by it.

Every request carries what the TLS proxy in front would add (the site's
Host, `X-Forwarded-Proto: https`, the reader's address in `X-Real-IP`), so
both servers share one page cache entry per page, as behind a load balancer.
A change made through one server (in the admin, signed in with the second
factor) shows at once on the other, whose cached copy is purged; a post
scheduled a few seconds ahead goes live on both at its time; and the sign-in
and comment limits count across both.
"""

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
from django_otp.oath import totp

from tests.processes import ROOT
from tests.servers import free_port

pytestmark = pytest.mark.own_server

POSTGRES = "postgres://postgres@127.0.0.1:5432"
HOST = "news.example.com"
ORIGIN = "https://" + HOST
SETTINGS_DIR = Path(__file__).resolve().parent
PASSWORD = "a-long-staff-password-1"
TOTP_KEY = "3132333435363738393031323334353637383930"  # hex, as django-otp keeps it
COMMENT_LIMIT, COMMENT_WINDOW = 5, 600  # COMMENTS defaults
SIGNIN_LIMIT, SIGNIN_WINDOW = 5, 15 * 60  # NEWSROOM defaults (per username)

SETUP = """
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.factories import make_post, make_user
chief = make_user(username="chief", password=%(password)r, is_staff=True,
                  is_superuser=True)
TOTPDevice.objects.create(user=chief, name="app", key=%(key)r, confirmed=True)
make_user(username="reader", password=%(password)r)
make_post(title="Harbour reopens after the storm", labels=["Weather"])
print("ready")
""" % {"password": PASSWORD, "key": TOTP_KEY}


# Processes: a database, a Redis, two servers


@pytest.fixture
def database():
    """A fresh PostgreSQL database of this test's own, dropped at the end."""
    name = "h_infra_%s" % secrets.token_hex(4)
    with psycopg.connect(POSTGRES + "/postgres", autocommit=True) as admin:
        admin.execute("CREATE DATABASE %s" % name)
    try:
        yield "%s/%s" % (POSTGRES, name)
    finally:
        with psycopg.connect(POSTGRES + "/postgres", autocommit=True) as admin:
            # Bounded: another session stuck in COPY FROM STDIN on the same
            # cluster holds every DROP DATABASE until it ends.
            admin.execute("SET statement_timeout = '60s'")
            try:
                admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
            except psycopg.errors.QueryCanceled:
                warnings.warn(
                    "database %s left behind: DROP took over 60 s" % name, stacklevel=1
                )


def wait_for(check, what, seconds=30):
    """Poll `check` until it is true, at most `seconds` (then fail saying `what`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("%s within %d s" % (what, seconds))


def redis_answers(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


@dataclass
class Redis:
    url: str
    process: subprocess.Popen

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def redis(tmp_path):
    """A redis-server of this test's own on a free port, keeping nothing on disk."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(lambda: redis_answers(port), "redis-server answers")
        yield Redis("redis://127.0.0.1:%d/0" % port, process)
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)


@dataclass
class Server:
    name: str
    port: int
    log_path: Path


def gunicorn(port):
    """One process of four threads: two servers, not many workers, are under test."""
    return [
        sys.executable, "-m", "gunicorn", "newsroom.wsgi:application",
        "--bind", "127.0.0.1:%d" % port, "--workers", "1", "--threads", "4",
        "--worker-class", "gthread", "--timeout", "60",
    ]  # fmt: skip


@pytest.fixture
def servers(database, redis, tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(SETTINGS_DIR),
        "DJANGO_SETTINGS_MODULE": "two_server_settings",
        "DJANGO_SECRET_KEY": "two-servers-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database,
        "REDIS_URL": redis.url,
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_TIME_ZONE": "UTC",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Mail to moderators goes to the server's log, not to an SMTP server.
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    # The test run's own switches (conftest sets async-unsafe for Playwright).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300,
        )  # fmt: skip

    manage("migrate", "--noinput", "-v0")
    assert manage("shell", "-c", SETUP).stdout.strip().endswith("ready")
    processes, started = [], []
    try:
        for name in ("A", "B"):
            server = Server(name, free_port(), tmp_path / ("server-%s.log" % name))
            with open(server.log_path, "w") as log:
                processes.append(
                    subprocess.Popen(
                        gunicorn(server.port),
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            started.append(server)
        for server in started:
            # The load balancer's own question (newsroom/health.py).
            wait_for(
                lambda server=server: (
                    Client("10.0.0.1").get(server, "/healthz").body == "ok\n"
                ),
                "server %s answers /healthz" % server.name,
                seconds=60,
            )
        yield started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


# A browser, as far as these pages need one


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def cache(self):
        return self.headers.get("X-Page-Cache")

    @property
    def location(self):
        return self.headers.get("Location", "")


@dataclass
class Client:
    """Cookies and an address of its own; talks to whichever server it is told."""

    address: str
    cookies: dict = field(default_factory=dict)

    def request(self, server, method, path, form=None):
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Real-IP": self.address,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(
                "%s=%s" % item for item in self.cookies.items()
            )
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = ORIGIN
            headers["Referer"] = ORIGIN + path
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, response.headers, text)

    def get(self, server, path):
        return self.request(server, "GET", path)

    def post(self, server, path, form):
        return self.request(server, "POST", path, form)

    def submit(self, server, path, form_id, pressed, **changes):
        """Open the page at `path`, send its form `form_id` as a browser would
        (every field as drawn, `changes` typed in) with the button `pressed`."""
        page = self.get(server, path)
        assert page.status == 200, (path, page.status)
        fields = form_fields(page.body, form_id)
        fields.update(changes)
        fields[pressed] = "1"
        return self.post(server, path, fields)


class FormReader(HTMLParser):
    """The fields one <form> sends (no script runs): inputs, textareas, selects.

    The form is the one whose id, or else whose action, is `form_id`.
    """

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, {}
        self.textarea = self.select = None

    def add(self, name, value):
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_id in (attrs.get("id"), attrs.get("action"))
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.add(name, "")
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_fields(html, form_id):
    reader = FormReader(form_id)
    reader.feed(html)
    assert reader.fields, "no form #%s on the page" % form_id
    # Textareas start with a newline the browser drops.
    return {
        name: [value.removeprefix("\n") for value in values]
        for name, values in reader.fields.items()
    }


class LinkReader(HTMLParser):
    """Every link of a page: (href, its text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.open = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.open.append([dict(attrs).get("href", ""), ""])

    def handle_data(self, data):
        for link in self.open:
            link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self.open:
            self.links.append(tuple(self.open.pop()))


def link_to(html, text):
    """The address of the first link whose text has `text` in it."""
    reader = LinkReader()
    reader.feed(html)
    for href, words in reader.links:
        if text in " ".join(words.split()):
            return href
    pytest.fail("no link to %r" % text)


def first_match(pattern, html):
    found = re.search(pattern, html)
    assert found, pattern
    return found.group(1)


def csrf_token(client, server):
    return json.loads(client.get(server, "/csrf-token").body)["token"]


def signed_in_editor(server):
    """The chief editor, signed in with a password then a code from the app."""
    chief = Client("10.0.0.2")
    login = chief.submit(
        server, "/admin/login/?next=/admin/", "login-form", "_login",
        username="chief", password=PASSWORD,
    )  # fmt: skip
    assert login.status == 302, login.body[:2000]
    assert chief.get(server, "/admin/").location.startswith("/two-factor/verify/")
    code = "%06d" % totp(bytes.fromhex(TOTP_KEY), step=30, t0=0, digits=6, drift=0)
    answer = chief.submit(
        server, "/two-factor/verify/?next=/admin/", "/two-factor/verify/", "_verify",
        code=code,
    )  # fmt: skip
    assert answer.status == 302, answer.body[:2000]
    assert chief.get(server, "/admin/").status == 200
    return chief


# What readers see


def warm(reader, servers, path):
    """Read `path` through both servers until both answer from the page cache."""
    for server in servers:
        reader.get(server, path)
    answers = [reader.get(server, path) for server in servers]
    assert [answer.cache for answer in answers] == ["hit", "hit"], path
    return answers


def both_show(reader, servers, path, text):
    """`text` on `path` through each server, right after the change."""
    for server in servers:
        answer = reader.get(server, path)
        assert answer.status == 200, (server.name, path, answer.status)
        assert text in answer.body, (server.name, path, answer.cache)


def not_astride(window, needed=20):
    """Wait, if need be, so that the next `needed` seconds stay in one window of
    a fixed-window limiter (a count split in two would let more through)."""
    left = window - time.time() % window
    if left < needed:
        time.sleep(left + 1)


def test_two_servers_share_purges_schedules_and_limits(servers, redis):
    a, b = servers
    both = (a, b)
    reader = Client("198.51.100.20")
    chief = signed_in_editor(a)
    # The staff session is in the database: the other server knows it too.
    assert chief.get(b, "/admin/").status == 200

    # Publish through A: the home page, cached on both, shows it on both.
    warm(reader, both, "/")
    added = chief.submit(
        a, "/admin/articles/post/add/", "post_form", "_publish_now",
        title="Lighthouse lamps lit again", body="<p>The keepers are back.</p>",
    )  # fmt: skip
    assert added.status == 302, added.body[:3000]
    post_pk = first_match(r"/admin/articles/post/(\d+)/change/", added.location)
    both_show(reader, both, "/", "Lighthouse lamps lit again")
    post_path = link_to(reader.get(b, "/").body, "Lighthouse lamps lit again")
    change_path = "/admin/articles/post/%s/change/" % post_pk

    # Edit through B: the post's page and the home page, on both.
    warm(reader, both, post_path)
    warm(reader, both, "/")
    edited = chief.submit(
        b, change_path, "post_form", "_save", title="Lighthouse lamps relit"
    )
    assert edited.status == 302, edited.body[:3000]
    both_show(reader, both, post_path, "Lighthouse lamps relit")
    both_show(reader, both, "/", "Lighthouse lamps relit")

    # Comments: the limit counts across both servers (alternating), then one
    # held comment is approved through A and shows on both.
    writer = Client("203.0.113.50")
    not_astride(COMMENT_WINDOW)
    statuses = []
    for number in range(COMMENT_LIMIT + 1):
        server = both[number % 2]
        tokens = json.loads(
            writer.get(server, "/csrf-token?for=post-%s" % post_pk).body
        )
        time.sleep(1.1)  # MIN_FILL_SECONDS is 1 on these servers
        sent = writer.post(
            server,
            "/comments/post/%s/" % post_pk,
            {
                "csrfmiddlewaretoken": tokens["token"],
                "token": tokens["form_token"],
                "name": "Harbour reader",
                "email": "",
                "text": "Welcome back, keepers (note %d)." % number,
                "parent": "",
                "website": "",
            },
        )
        statuses.append(sent.status)
    assert statuses == [302] * COMMENT_LIMIT + [429]
    queue = chief.get(a, "/admin/comments/comment/?status__exact=pending")
    approve = first_match(
        r'formaction="(/admin/comments/comment/\d+/moderate/approve/)', queue.body
    )
    warm(reader, both, post_path)
    assert "Welcome back, keepers" not in reader.get(b, post_path).body
    approved = chief.post(a, approve, {"csrfmiddlewaretoken": csrf_token(chief, a)})
    assert approved.status == 302, approved.body[:2000]
    both_show(reader, both, post_path, "Welcome back, keepers (note")

    # Rename a label through B: the post's page names it anew on both.
    labels = chief.get(b, "/admin/articles/label/?q=Weather")
    label_path = first_match(r'href="(/admin/articles/label/\d+/change/)', labels.body)
    old_post_path = link_to(reader.get(a, "/").body, "Harbour reopens after the storm")
    warm(reader, both, old_post_path)
    assert "Storm watch" not in reader.get(a, old_post_path).body
    renamed = chief.submit(b, label_path, "label_form", "_save", name="Storm watch")
    assert renamed.status == 302, renamed.body[:3000]
    both_show(reader, both, old_post_path, "Storm watch")

    # Schedule through A, a few seconds ahead: absent until its time, then
    # live on both without anyone touching anything.
    go_live = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=15)
    scheduled = chief.submit(
        a, "/admin/articles/post/add/", "post_form", "_schedule",
        title="Ferry timetable for the holidays", body="<p>Extra crossings.</p>",
        schedule_at=go_live.strftime("%Y-%m-%dT%H:%M:%S"),
    )  # fmt: skip
    assert scheduled.status == 302, scheduled.body[:3000]
    for answer in warm(reader, both, "/"):
        assert "Ferry timetable for the holidays" not in answer.body
    seen = {}
    deadline = go_live.timestamp() + 30
    while len(seen) < 2 and time.time() < deadline:
        for server in both:
            if server.name not in seen:
                asked_at = time.time()
                if "Ferry timetable for the holidays" in reader.get(server, "/").body:
                    seen[server.name] = asked_at
        time.sleep(0.25)
    assert set(seen) == {"A", "B"}, "not live on both within 30 s of its time"
    # Never before its time (asked at or after it; the same clock on both).
    assert all(at >= go_live.timestamp() - 1 for at in seen.values()), (seen, go_live)

    # Sign-in: wrong passwords for one username, alternating servers: the
    # limit counts them all, and the next attempt is refused on either.
    guesser = Client("192.0.2.77")
    not_astride(SIGNIN_WINDOW)
    outcomes = []
    for number in range(SIGNIN_LIMIT + 1):
        server = both[number % 2]
        attempt = guesser.post(
            server,
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": csrf_token(guesser, server),
                "username": "reader",
                "password": "not-the-password-%d" % number,
            },
        )
        outcomes.append(attempt.status)
    assert outcomes == [200] * SIGNIN_LIMIT + [429]

    # The load balancer's probe: both ready; then, with Redis gone, both say
    # which part failed and stay in (readers are still served, uncached).
    for server in both:
        assert reader.get(server, "/healthz").body == "ok\n"
    redis.stop()
    for server in both:
        probe = reader.get(server, "/healthz")
        assert (probe.status, probe.body) == (
            200,
            "cache: failed (pages are served uncached)\n",
        ), server.name
        assert reader.get(server, "/").status == 200

    for server in both:
        log = server.log_path.read_text()
        assert "Traceback" not in log, (server.name, log[-3000:])
