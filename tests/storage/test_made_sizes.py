"""
Serving a size that exists costs no storage round trip: made sizes are
recorded in the cache (articles/thumbnails.py, `made_record`), with their
bytes when small. A replaced original never brings back an old size.
"""

import io
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from articles import thumbnails
from tests.factories import jpeg_bytes, make_image

pytestmark = pytest.mark.django_db

STORAGE_CALLS = ("exists", "open", "save", "delete", "listdir", "size")


def body(response):
    return b"".join(response.streaming_content)


def picture(response):
    with PILImage.open(io.BytesIO(body(response))) as opened:
        opened.load()
        return opened.size, opened.getpixel((opened.width // 2, opened.height // 2))


class StorageSpy:
    """Counts what the storage is asked, by method name."""

    def __init__(self, monkeypatch):
        self.calls = []
        storage = default_storage._wrapped if default_storage._wrapped else None
        if storage is None:
            default_storage.exists("")  # set up the lazy object
            storage = default_storage._wrapped
        for name in STORAGE_CALLS:
            real = getattr(storage, name)
            monkeypatch.setattr(storage, name, self._counting(name, real))

    def _counting(self, name, real):
        def call(*args, **kwargs):
            self.calls.append(name)
            return real(*args, **kwargs)

        return call


@pytest.fixture
def spy(monkeypatch):
    return StorageSpy(monkeypatch)


def test_a_made_size_is_served_without_asking_the_storage(client, spy):
    image = make_image(size=(900, 600))
    first = client.get(image.url("w200-h100-c"))  # not made at upload
    assert first.status_code == 200
    assert "save" in spy.calls  # made now, both formats
    spy.calls.clear()
    for _ in range(3):
        again = client.get(image.url("w200-h100-c"))
        assert again.status_code == 200
        assert body(again) == body(client.get(image.url("c-h100-w200")))
    assert spy.calls == []
    # Another address that snaps to the same size: the same record.
    assert client.get(image.url("w190-h95-c")).status_code == 200
    assert spy.calls == []


def test_without_a_record_the_storage_is_asked_once_and_the_record_kept(client, spy):
    image = make_image(size=(900, 600))
    client.get(image.url("s320"))
    cache.clear()  # a new cache server, or the record evicted
    spy.calls.clear()
    response = client.get(image.url("s320"))
    assert response.status_code == 200
    assert picture(response)[0] == (320, 213)
    assert "save" not in spy.calls  # found, not made again
    spy.calls.clear()
    assert client.get(image.url("s320")).status_code == 200
    assert spy.calls == []


def test_large_sizes_are_read_from_the_storage_without_an_existence_check(
    client, spy, monkeypatch
):
    monkeypatch.setattr(thumbnails, "KEPT_BYTES", 100)
    image = make_image(size=(900, 600))
    client.get(image.url("s320"))
    spy.calls.clear()
    response = client.get(image.url("s320"))
    assert picture(response)[0] == (320, 213)
    assert spy.calls == ["open"]


def test_a_size_deleted_behind_the_record_is_made_again_not_an_error(client):
    image = make_image(size=(900, 600))
    client.get(image.url("s150"))
    name = thumbnails.derived_name(image, thumbnails.parse_size("s150"), "primary")
    default_storage.delete(name)
    with mock.patch.object(thumbnails, "KEPT_BYTES", 0):  # the record holds no bytes
        cache.delete("newsroom:image-made:%s" % name)
        thumbnails.record_made(name)
        response = client.get(image.url("s150"))
    assert response.status_code == 200
    assert picture(response)[0] == (150, 100)
    assert default_storage.exists(name)


def test_a_replaced_original_is_served_at_every_size_never_the_old_one(client):
    image = make_image(size=(900, 600))
    red = client.get(image.url("s150"))
    (width, height), (r, g, b) = picture(red)
    assert (width, height) == (150, 100)
    assert r > 180 and b < 60
    old_etag = red["ETag"]
    image.file.save(
        "blue.jpg", ContentFile(jpeg_bytes((600, 600), colour=(20, 40, 220))), save=True
    )
    for size, dimensions in (("s150", (150, 150)), ("s320", (320, 320))):
        response = client.get(image.url(size))
        (width, height), (r, g, b) = picture(response)
        assert (width, height) == dimensions
        assert b > 180 and r < 60, (size, (r, g, b))
    assert client.get(image.url("s150"))["ETag"] != old_etag


def test_a_local_storage_keeps_no_copy_in_the_cache_but_skips_the_check(
    client, settings, tmp_path, monkeypatch
):
    """Files on the app server's own disk read as fast as the cache would give
    them: only the record is kept, so no existence check comes first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    image = make_image(size=(900, 600))
    client.get(image.url("s320"))
    name = thumbnails.derived_name(image, thumbnails.parse_size("s320"), "primary")
    assert thumbnails.made_record(name) == b""
    spy = StorageSpy(monkeypatch)
    response = client.get(image.url("s320"))
    assert picture(response)[0] == (320, 213)
    assert spy.calls == ["open"]
