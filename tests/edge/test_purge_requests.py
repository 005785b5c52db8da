"""pagecache.edge.purge(): one PURGE per configured edge, never an exception."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pagecache import edge
from tests.servers import free_port


class _Recorder(BaseHTTPRequestHandler):
    status = 200

    def do_PURGE(self):  # noqa: N802 - the method name http.server calls
        self.server.received.append(
            (self.command, self.path, self.headers.get("xkey-purge"))
        )
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_edge():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.received, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server):
    return "http://127.0.0.1:%d/" % server.server_address[1]


def test_each_edge_receives_the_tags_once(settings, fake_edge):
    settings.NEWSROOM = {"EDGE_PURGE_URLS": (_url(fake_edge), _url(fake_edge))}
    edge.purge(["post:12", "label:3", "post:12", "home"])
    assert fake_edge.received == [
        ("PURGE", "/", "post:12 label:3 home"),
        ("PURGE", "/", "post:12 label:3 home"),
    ]


def test_no_edge_configured_sends_nothing(settings, fake_edge):
    settings.NEWSROOM = {}
    edge.purge(["site"])
    assert fake_edge.received == []


def test_no_tags_sends_nothing(settings, fake_edge):
    settings.NEWSROOM = {"EDGE_PURGE_URLS": (_url(fake_edge),)}
    edge.purge([])
    assert fake_edge.received == []


def test_an_edge_that_does_not_answer_is_logged_not_raised(settings, caplog):
    down = "http://127.0.0.1:%d/" % free_port()
    settings.NEWSROOM = {"EDGE_PURGE_URLS": (down, "not a url:://")}
    edge.purge(["site"])
    assert caplog.text.count("Edge purge of 'site'") == 2
    assert down in caplog.text


def test_a_refused_purge_is_logged(settings, fake_edge, caplog):
    fake_edge.status = 403
    settings.NEWSROOM = {"EDGE_PURGE_URLS": (_url(fake_edge),)}
    edge.purge(["site"])
    assert "answered 403" in caplog.text
