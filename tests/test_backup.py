"""`manage.py backup` / `restore` round-trip the demo; concurrent comments on SQLite."""

import difflib
import io
import json
import re
import sys
import tarfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from articles.demo import LIVE_POSTS, SEED_PERMALINK, load_demo
from articles.models import Image, Label, Post, SiteSettings
from comments.models import Comment
from tests.servers import app_server


def without_form_token(html):
    # The comment form's signed timestamp and "N minutes ago" change as time
    # passes; everything else must come back the same.
    html = re.sub(rb'name="token" value="[^"]*"', b"", html)
    return re.sub(rb"data-reltime>[^<]*<", b"data-reltime><", html)


def facts():
    return {
        "posts": Post.objects.count(),
        "live": Post.objects.published().count(),
        "labels": sorted(Label.objects.values_list("name", flat=True)),
        "comments": Comment.objects.count(),
        "site": SiteSettings.objects.get().name,
        "permalinks": Post.objects.order_by("pk").values_list("permalink", flat=True)[
            :50
        ][::7],
    }


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_the_demo(client, tmp_path):
    load_demo(io.StringIO())
    Comment.objects.create(
        post=Post.objects.get(permalink=SEED_PERMALINK), name="Asha", text="Kept."
    )
    before = facts()
    assert before["live"] == LIVE_POSTS
    page_before = without_form_token(client.get(SEED_PERMALINK).content)
    image = Image.objects.first()
    image_bytes = default_storage.open(image.file.name).read()
    path = tmp_path / "site.tar"

    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "Backed up the" in out.getvalue()
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        assert "media/" + image.file.name in archive.getnames()
    assert image.file.name in manifest["media"]

    # Disaster: posts gone, settings changed, a picture lost.
    Post.objects.all().delete()
    site = SiteSettings.load()
    site.name = "Broken"
    site.save()
    default_storage.delete(image.file.name)
    assert client.get(SEED_PERMALINK).status_code == 404

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))
    call_command("restore", str(path), yes=True, stdout=io.StringIO())

    assert facts() == before
    assert default_storage.open(image.file.name).read() == image_bytes
    page_after = without_form_token(client.get(SEED_PERMALINK).content)
    diff = list(
        difflib.unified_diff(
            page_before.decode().splitlines(), page_after.decode().splitlines(), n=0
        )
    )
    assert not diff, "\n".join(diff)
    assert client.get(image.url("s320")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_backup_keeps_the_redirects_and_the_404_log(client, tmp_path):
    # The backup is the whole database (SQLite's backup API or pg_dump), so
    # the old Blogger addresses' redirects come back with everything else.
    from blogger.models import MissedAddress, Redirect
    from tests.factories import make_post

    post = make_post()
    Redirect.objects.create(old_path="/2019/05/moved.html", post=post)
    MissedAddress.objects.create(path="/2019/05/lost.html", hits=7)
    path = tmp_path / "site.tar"
    call_command("backup", str(path), stdout=io.StringIO())

    Redirect.objects.all().delete()
    MissedAddress.objects.all().delete()
    assert client.get("/2019/05/moved.html").status_code == 404

    call_command("restore", str(path), yes=True, stdout=io.StringIO())
    assert Redirect.objects.get().post == post
    assert MissedAddress.objects.get(path="/2019/05/lost.html").hits == 7
    response = client.get("/2019/05/moved.html")
    assert (response.status_code, response["Location"]) == (
        301,
        post.get_absolute_url(),
    )


@pytest.mark.django_db
def test_restore_refuses_archives_that_are_not_backups_or_escape_media(tmp_path):
    junk = tmp_path / "junk.tar"
    with tarfile.open(junk, "w") as archive:
        info = tarfile.TarInfo("hello.txt")
        archive.addfile(info, io.BytesIO(b""))
    with pytest.raises(CommandError, match="Not a Newsroom backup"):
        call_command("restore", str(junk), yes=True)

    evil = tmp_path / "evil.tar"
    manifest = json.dumps(
        {"format": 1, "vendor": "sqlite", "database": "database.sqlite3", "media": []}
    ).encode()
    with tarfile.open(evil, "w") as archive:
        for name, data in (
            ("manifest.json", manifest),
            ("media/../../etc/owned", b"x"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="unsafe media name"):
        call_command("restore", str(evil), yes=True)


# Fifty readers send a comment at the same moment to a multi-process server on
# a SQLite file: every one must be stored, none may fail with "database is locked".

READERS = 50


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Reader:
    def __init__(self, base, number):
        self.base = base
        self.number = number
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect
        )
        self.headers = {"X-Real-IP": "10.0.%d.%d" % (number // 200, number % 200 + 1)}

    def get(self, path):
        request = urllib.request.Request(self.base + path, headers=self.headers)
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode()

    def prepare(self, post_path):
        """Open the post's page and start on its form, as csrf.js does."""
        html = self.get(post_path)
        form = re.search(r'<form id="comment-form"[^>]*>', html)[0]
        self.action = re.search(r'action="([^"]+)"', form)[1]
        target = re.search(r'data-token-for="([^"]+)"', form)[1]
        tokens = json.loads(self.get("/csrf-token?for=" + target))
        self.csrf, self.form_token = tokens["token"], tokens["form_token"]

    def send(self):
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.csrf,
                "token": self.form_token,
                "name": "Reader %d" % self.number,
                "email": "",
                "text": "Comment number %d from the crowd." % self.number,
                "parent": "",
                "website": "",
            }
        ).encode()
        request = urllib.request.Request(
            self.base + self.action,
            data=data,
            headers={**self.headers, "Referer": self.base + "/"},
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                self.status = response.status
        except urllib.error.HTTPError as error:
            self.status = error.code


@pytest.mark.own_server
@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn needs POSIX")
def test_fifty_concurrent_comments_on_sqlite_are_all_stored(tmp_path):
    with app_server(tmp_path, workers=4, threads=4) as server:
        post_path = server.shell(
            "from tests.factories import make_post; print(make_post().permalink)"
        )
        readers = [Reader(server.base, number) for number in range(READERS)]
        for reader in readers:
            reader.prepare(post_path)
        time.sleep(1.1)  # the form's minimum fill time
        start = threading.Barrier(READERS)

        def run(reader):
            start.wait()
            reader.send()

        threads = [threading.Thread(target=run, args=(r,)) for r in readers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        stored = server.shell(
            "from comments.models import Comment; print(Comment.objects.count())"
        )
    statuses = [getattr(reader, "status", None) for reader in readers]
    server_log = server.log()
    assert "database is locked" not in server_log
    assert statuses == [302] * READERS, server_log[-3000:]
    assert stored == str(READERS)
