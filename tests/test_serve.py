"""
Real gunicorn servers, spoken to over raw sockets: what the test client
cannot show (a Host header as a browser or scanner sends it, a client that
connects and then says nothing).
"""

import shlex
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.processes import ROOT
from tests.servers import app_server, free_port, server_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.own_server]


def raw_request(port, head, timeout=10):
    """Send `head` (bytes) and return the status code and the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None
    return status, answer


def get(path, host_lines):
    return b"GET %s HTTP/1.1\r\n%sConnection: close\r\n\r\n" % (
        path,
        b"".join(b"Host: %s\r\n" % host for host in host_lines),
    )


BAD_HOSTS = [
    b"evil.example",
    b"",
    b"evil.example:8000",
    b"127.0.0.1.evil.example",
    "नया.example".encode(),
    b"\xff\xfe",
    b"a" * 4000,
    b"127.0.0.1@evil.example",
    b"[::1",
]


def test_bad_hosts_on_a_real_server_are_400_without_a_traceback(tmp_path):
    """DEBUG off and ALLOWED_HOSTS = 127.0.0.1 (tests/concurrency_settings.py)."""
    with app_server(tmp_path, workers=1, threads=2) as server:
        port = int(server.base.rsplit(":", 1)[1])
        for path in (b"/", b"/robots.txt", b"/search?q=x", b"/feeds/posts/default"):
            for host in BAD_HOSTS:
                status, answer = raw_request(port, get(path, [host]))
                assert status == 400, (path, host[:40], answer[:200])
            # A Host header twice, one of them ours: refused too.
            status, _answer = raw_request(
                port, get(path, [b"127.0.0.1", b"evil.example"])
            )
            assert status == 400, path
            status, _answer = raw_request(port, get(path, [b"127.0.0.1:1"]))
            assert status == 200, path
        # Proxy headers from a client: answered, never a 500.
        for junk in (
            b"X-Forwarded-Host: evil.example\r\n",
            b"X-Forwarded-Proto: https, http\r\nX-Forwarded-Ssl: off\r\n",
            b"X-Forwarded-For: not-an-address\r\n",
        ):
            head = (
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n"
                % junk
            )
            status, _answer = raw_request(port, head)
            assert status is not None and status < 500, junk
        # Without any Host (HTTP/1.0), the server's own name is used.
        status, _answer = raw_request(port, b"GET /robots.txt HTTP/1.0\r\n\r\n")
        assert status is not None and status < 500
        log = server.log()
    assert "Traceback" not in log
    assert "Internal Server Error" not in log
    # Each refusal is logged, on one line.
    assert "Invalid HTTP_HOST header: 'evil.example'" in log


def make_serve_command(port):
    """The environment and argv of the gunicorn line `make serve` runs."""
    lines = subprocess.run(
        ["make", "-n", "serve", "HOST=127.0.0.1", "PORT=%d" % port],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    (line,) = [line for line in lines if "gunicorn" in line]
    words = shlex.split(line)
    env = {}
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return env, words


def test_one_idle_connection_does_not_stall_make_serve(tmp_path):
    """
    A client that connects and sends nothing (a slow or hostile one) must
    not hold the only worker: the next reader is answered at once.
    """
    port = free_port()
    make_env, argv = make_serve_command(port)
    assert make_env == {"DJANGO_SETTINGS_MODULE": "newsroom.settings.production"}
    env = server_env(
        tmp_path,
        **make_env,
        DJANGO_SECRET_KEY="serve-test-" + "k" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        # One process, so a stalled worker would stall the whole server.
        WEB_CONCURRENCY="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        for _attempt in range(150):
            try:
                urllib.request.urlopen(
                    "http://127.0.0.1:%d/robots.txt" % port, timeout=2
                ).read()
                break
            except OSError:
                time.sleep(0.2)
        idle = socket.create_connection(("127.0.0.1", port), timeout=30)
        try:
            time.sleep(0.5)  # the idle connection is accepted first
            started = time.monotonic()
            with urllib.request.urlopen(
                "http://127.0.0.1:%d/robots.txt" % port, timeout=10
            ) as response:
                assert response.status == 200
            assert time.monotonic() - started < 2, log_path.read_text()
        finally:
            idle.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in log_path.read_text()
