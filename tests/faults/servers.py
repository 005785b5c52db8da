"""
Private Redis and PostgreSQL for the fault tests, started and stopped by the
tests themselves (by PID, on their own ports and folders): the machine's
shared Redis and PostgreSQL, which the rest of CI uses, are never touched.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.servers import free_port

REDIS_SERVER = "/usr/bin/redis-server"
PG_BIN = Path("/usr/local/bin")
# PostgreSQL refuses to run as root: its cluster belongs to this user.
PG_USER = "postgres"


def wait_for(check, seconds=30, step=0.05):
    """Poll `check()` until it is true; False if it never was within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False


def answers_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server of our own; its data (append-only file) survives a restart."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary, our arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--appendonly", "yes", "--save", "",
             "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_for(lambda: answers_ping(self.port)), "redis-server did not start"

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@contextlib.contextmanager
def redis_server(folder):
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def silent_server():
    """A port that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.settimeout(0.1)
    accepted, done = [], threading.Event()

    def accept():
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(timeout=5)
        for sock in accepted:
            sock.close()
        listener.close()


def _as_pg_user(*args, **kwargs):
    command = [str(arg) for arg in args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", PG_USER, "--", *command]
    return subprocess.run(  # noqa: S603 - fixed binaries, our arguments
        command, check=True, capture_output=True, text=True, timeout=120, **kwargs
    )


class PostgresCluster:
    """A PostgreSQL cluster made by initdb in a folder of its own, on its own port."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-faults-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, PG_USER)

    def url(self, name="newsroom"):
        return "postgres://%s@127.0.0.1:%d/%s" % (PG_USER, self.port, name)

    def init(self):
        _as_pg_user(PG_BIN / "initdb", "-D", self.data, "-U", PG_USER,
                    "--auth=trust", "--no-sync", "-E", "UTF8")  # fmt: skip

    def start(self):
        _as_pg_user(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.folder / "pg.log",
                    "-w", "-o", "-p %d -k %s -c listen_addresses=127.0.0.1 "
                    "-c fsync=off" % (self.port, self.folder), "start")  # fmt: skip

    def stop(self):
        _as_pg_user(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def create_database(self, name="newsroom"):
        _as_pg_user("psql", "-h", "127.0.0.1", "-p", self.port, "-U", PG_USER,
                    "-d", "postgres", "-c", 'CREATE DATABASE "%s"' % name)  # fmt: skip

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_cluster():
    cluster = PostgresCluster()
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        cluster.remove()
