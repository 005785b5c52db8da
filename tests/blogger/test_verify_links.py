"""`verify_blogger_links`: the export's every public address, against a live server."""

import http.server
import io
import re
import threading

import pytest
from django.core.management import CommandError, call_command

from articles.models import Label, Post
from blogger import verify as verify_module
from blogger.backup import read_backup
from blogger.verify import KINDS, addresses

from .conftest import DATA, TAKEOUT, run_import

MONSOON = "/2025/06/monsoon-arrives-in-kochi.html"
CAFE = "/2024/11/tom-jerrys-cafe.html"
RAIN = "%E0%B4%AE%E0%B4%B4"  # മഴ, URL-quoted


def verify_links(*args):
    """Run the command; return (stdout, the CommandError or None)."""
    out = io.StringIO()
    try:
        call_command(
            "verify_blogger_links",
            *[str(arg) for arg in args],
            stdout=out,
            stderr=io.StringIO(),
        )
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def table(out):
    """{kind: (answered, failed)} from the printed table."""
    rows = {}
    for kind in (*KINDS, "total"):
        match = re.search(r"^%s\s+(\d+)\s+(\d+)$" % re.escape(kind), out, re.MULTILINE)
        assert match, (kind, out)
        rows[kind] = (int(match[1]), int(match[2]))
    return rows


def failed_urls(out):
    return set(re.findall(r"^  .+?  (http://\S+)  \(", out, re.MULTILINE))


def test_the_export_implies_every_public_address():
    found = addresses(read_backup(TAKEOUT))
    assert ("post", MONSOON) in found and ("post ?m=1", CAFE + "?m=1") in found
    assert ("page", "/p/contact.html") in found
    assert ("label", "/search/label/Kerala%20News") in found
    assert ("label feed", "/feeds/posts/default/-/" + RAIN) in found
    assert ("archive", "/2024/11/") in found
    assert ("legacy archive", "/2025_06_01_archive.html") in found
    # Approved comments only (301-303); 304 was removed, 305 is pending.
    assert [path for kind, path in found if kind == "comment link"] == [
        MONSOON + "?showComment=%d" % number for number in (301, 302, 303)
    ]
    assert ("comment feed", "/feeds/101/comments/default") in found
    assert ("feed", "/feeds/posts/default?alt=json") in found
    # Drafts (103) and the scheduled post (104, 2031) imply nothing.
    paths = " ".join(path for _kind, path in found)
    assert "onam" not in paths and "/2031/" not in paths and "/feeds/104/" not in paths
    assert len(found) == len(set(found))


@pytest.mark.django_db(transaction=True)
def test_every_address_answers_then_exactly_the_deleted_ones_fail(live_server):
    run_import(TAKEOUT)
    base = live_server.url

    out, error = verify_links(TAKEOUT, "--base", base, "--timeout", "20")
    assert error is None, out
    rows = table(out)
    assert all(failed == 0 for _answered, failed in rows.values()), out
    assert all(answered > 0 for answered, _failed in rows.values()), out
    assert rows["post"] == (2, 0) and rows["comment link"] == (3, 0)
    assert "Every address answered." in out

    Post.objects.get(blogger_id="102").delete()
    Label.objects.get(name="മഴ").delete()
    out, error = verify_links(TAKEOUT, "--base", base)
    assert error is not None and "failed" in str(error)
    # The post's addresses and the label's page; a label feed, like Blogger's,
    # answers an empty feed for a label no post has.
    assert failed_urls(out) == {
        base + CAFE,
        base + CAFE + "?m=1",
        base + "/feeds/102/comments/default",
        base + "/search/label/" + RAIN,
    }, out
    assert table(out)["total"][1] == 4
    assert "404" in out

    # --limit takes at most N of each kind.
    out, error = verify_links(TAKEOUT, "--base", base, "--limit", "1")
    assert all(sum(row) <= 1 for kind, row in table(out).items() if kind != "total")


@pytest.mark.django_db(transaction=True)
def test_comments_on_pages_and_a_classic_backup(live_server):
    classic = DATA / "page-comments" / "classic.xml"
    run_import(classic)
    out, error = verify_links(classic, "--base", live_server.url + "/")
    assert error is None, out
    rows = table(out)
    # One comment on the post, three approved ones on the page.
    assert rows["comment link"] == (4, 0) and rows["page"] == (1, 0)
    # The post's and the page's comment feeds: one id space.
    assert rows["comment feed"] == (2, 0)


def test_only_http_bases_and_safe_files(tmp_path):
    for base in ("file:///etc/passwd", "ftp://example.com", "127.0.0.1:8000"):
        _out, error = verify_links(TAKEOUT, "--base", base)
        assert error is not None and "http" in str(error)
    bomb = tmp_path / "feed.atom"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa">]>'
        '<feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>'
    )
    _out, error = verify_links(bomb, "--base", "http://127.0.0.1:9")
    assert error is not None and "nothing checked" in str(error)


def test_redirects_are_followed_on_the_base_host_only():
    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            targets = {
                "/away": "http://example.invalid/elsewhere",
                "/loop": "/loop",
                "/hop": "/done",
            }
            if self.path in targets:
                self.send_response(301)
                self.send_header("Location", targets[self.path])
            else:
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = "http://127.0.0.1:%d" % server.server_port
        opener = verify_module._opener()
        ok, detail = verify_module.fetch(opener, base + "/away", base, 5)
        assert not ok and detail.startswith("redirect off")
        ok, detail = verify_module.fetch(opener, base + "/loop", base, 5)
        assert not ok and "redirects" in detail
        assert verify_module.fetch(opener, base + "/hop", base, 5) == (
            True,
            "200 after 1 redirect(s)",
        )
    finally:
        server.shutdown()
        server.server_close()
