"""Images in bodies: Blogger addresses keep working, or move into the library."""

import pytest
from django.core.files.storage import default_storage

from articles.models import Image, Post
from blogger.images import blogger_image

from .conftest import CLASSIC, MEDIA, TAKEOUT, run_import

FIRST = "/2025/03/russian-us-diplomats-discuss-steps-in.html"
BLOGGER_S320 = "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEiHarbour/s320/harbour.jpg"


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "https://blogger.googleusercontent.com/img/b/X/Y/s320/a.jpg",
            ("s320", "a.jpg"),
        ),
        ("https://1.bp.blogspot.com/-a/B/C/D/s72-c/a%20b.png", ("s72-c", "a b.png")),
        ("https://2.bp.blogspot.com/-a/B/C/D/w640-h360/a.jpg", ("w640-h360", "a.jpg")),
        ("https://2.bp.blogspot.com/-a/B/C/D/s1600-rw/a.jpg", ("s1600", "a.jpg")),
        (
            "https://2.bp.blogspot.com/-a/B/C/D/c-h150-w200-rw/a.jpg",
            ("w200-h150-c", "a.jpg"),
        ),
        ("https://blogger.googleusercontent.com/img/a/AVvXsEh=s320", None),
        ("https://example.com/s320/a.jpg", None),
        ("https://1.bp.blogspot.com/-a/B/C/D/big/a.jpg", None),
    ],
)
def test_blogger_image_addresses(url, expected):
    assert blogger_image(url) == expected


def test_without_a_media_folder_blogger_image_addresses_are_kept(classic):
    body = Post.objects.get(permalink=FIRST).body
    assert BLOGGER_S320 in body
    assert not Image.objects.exists()


def test_media_files_join_the_library_at_the_same_sizes(db, frozen_now, client):
    out, _err = run_import(CLASSIC, "--media-dir", MEDIA)
    image = Image.objects.get()
    assert (image.filename, image.width, image.height) == ("harbour.jpg", 800, 450)
    assert default_storage.exists(image.file.name)
    body = Post.objects.get(permalink=FIRST).body
    assert 'src="%s"' % image.url("s320") in body
    assert 'href="%s"' % image.url("s1600") in body
    assert 'src="%s"' % image.url("w640-h360") in body
    assert image.url("s320").startswith("/img/%s/s320/" % image.key)
    assert BLOGGER_S320 not in body
    # A file the folder does not have keeps its Blogger address.
    assert "/s72-c/unknown-photo.jpg" in body
    assert client.get(image.url("s1600")).status_code == 200
    # Every size of Blogger's grammar answers (it snaps to the ladder).
    assert client.get(image.url("w640-h360")).status_code == 200
    assert "image sizes the site does not make" not in out
    assert "3 image addresses now point to the image library." in out


def test_the_same_file_in_two_exports_is_imported_once(db, frozen_now):
    run_import(CLASSIC, "--media-dir", MEDIA)
    run_import(TAKEOUT, "--media-dir", MEDIA)
    image = Image.objects.get()
    assert 'src="%s"' % image.url("s320") in Post.objects.get(blogger_id="101").body
