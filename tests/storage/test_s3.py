"""
Media over the S3 protocol: django-storages' S3Storage against a real
S3-compatible server process on loopback (moto's server mode), started and
stopped by these tests. The whole path an editor and readers take: upload
through the admin, sizes made on request, /img/ answers, the original
replaced, the image deleted; and what each /img/ request costs in round
trips to the bucket, counted on the wire (botocore's before-send event).
"""

import io
import os
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image as PILImage

from articles import thumbnails
from articles.models import Image
from tests.factories import jpeg_bytes
from tests.processes import ROOT, production
from tests.servers import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.own_server]

BUCKET = "newsroom-media"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server on a free loopback port, with an empty bucket."""
    port = free_port()
    endpoint = "http://127.0.0.1:%d" % port
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            env={**os.environ, **CREDENTIALS},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _attempt in range(150):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("moto did not start: " + log_path.read_text()[-2000:])
        bucket_client(endpoint).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)


def bucket_client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def keys_under(endpoint, prefix):
    """What the bucket holds under `prefix`, asked directly (not through Django)."""
    listing = bucket_client(endpoint).list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {entry["Key"] for entry in listing.get("Contents", [])}


@pytest.fixture
def s3_media(settings, s3_endpoint):
    """Media in the bucket, as NEWSROOM_S3_BUCKET does in production."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "secret_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    return s3_endpoint


class RoundTrips:
    """Every HTTP request the storage sends to the bucket: (method, key)."""

    def __init__(self):
        self.sent = []
        # The instance default_storage stands for (and Image.file uses).
        client = storages["default"].connection.meta.client
        client.meta.events.register("before-send.s3", self.record)

    def record(self, request, **kwargs):
        path = request.url.split("?", 1)[0].split("/%s/" % BUCKET, 1)[-1]
        self.sent.append((request.method, path))

    def clear(self):
        self.sent.clear()


def noise_jpeg(size):
    """A photo-like JPEG: noise compresses badly, so its big sizes are big."""
    buffer = io.BytesIO()
    noise = PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    noise.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def served(response):
    data = b"".join(response.streaming_content)
    with PILImage.open(io.BytesIO(data)) as picture:
        picture.load()
        middle = picture.convert("RGB").getpixel(
            (picture.width // 2, picture.height // 2)
        )
        return picture.format, picture.size, middle


def test_upload_sizes_replace_and_delete_through_s3(
    staff_client, client, s3_media, monkeypatch
):
    endpoint = s3_media
    trips = RoundTrips()

    # Upload: the admin's one-step upload (the editor's image button).
    upload = staff_client.post(
        reverse("admin:articles_image_upload"),
        {
            "file": ContentFile(noise_jpeg((1200, 800)), name="Harbour at dawn.jpg"),
            "alt_text": "The harbour at dawn",
        },
    )
    assert upload.status_code == 201, upload.content
    image = Image.objects.get()
    folder = "images/%s/" % image.key
    assert keys_under(endpoint, folder) == {image.file.name}
    assert (image.width, image.height, image.format) == (1200, 800, "JPEG")

    # The first request for a size makes it (both formats) in the bucket.
    response = client.get(image.url("s320"))
    assert response.status_code == 200
    assert served(response)[:2] == ("JPEG", (320, 213))
    card = thumbnails.parse_size("s320")
    made = {
        thumbnails.derived_name(image, card, "primary"),
        thumbnails.derived_name(image, card, thumbnails.WEBP),
    }
    assert keys_under(endpoint, folder) == {image.file.name} | made

    # Once made: no round trip to the bucket, whatever the format or the
    # address that snaps to it, and a 304 for a browser that has it.
    trips.clear()
    for _ in range(3):
        assert served(client.get(image.url("s320")))[:2] == ("JPEG", (320, 213))
    webp = client.get(image.url("s300"), HTTP_ACCEPT="image/webp,*/*")
    assert served(webp)[:2] == ("WEBP", (320, 213))
    etag = response["ETag"]
    assert client.get(image.url("s320"), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert trips.sent == []

    # A size too big to keep in the cache is read from the bucket: the object
    # alone, no existence check on another key, nothing written.
    monkeypatch.setattr(thumbnails, "KEPT_BYTES", 50_000)
    large = client.get(image.url("s1024"))
    assert served(large)[:2] == ("JPEG", (1024, 683))
    name = thumbnails.derived_name(image, thumbnails.parse_size("s1024"), "primary")
    trips.clear()
    assert served(client.get(image.url("s1024")))[:2] == ("JPEG", (1024, 683))
    assert trips.sent, "read from the bucket"
    assert {method for method, _key in trips.sent} <= {"GET", "HEAD"}
    assert {key for _method, key in trips.sent} == {name}
    monkeypatch.undo()

    # Replace the original (a new file on the same image): every size is
    # the new picture, at its new shape; none of the old one comes back.
    old_etag = etag
    image.file.save(
        "harbour-night.jpg",
        ContentFile(jpeg_bytes((900, 900), colour=(20, 40, 220))),
        save=True,
    )
    for size, dimensions in (("s320", (320, 320)), ("s150", (150, 150))):
        picture = client.get(image.url(size))
        assert picture.status_code == 200
        kind, shape, (red, _green, blue) = served(picture)
        assert (kind, shape) == ("JPEG", dimensions)
        assert blue > 180 and red < 60, size
    assert client.get(image.url("s320"))["ETag"] != old_etag

    # Delete through the admin: the bucket keeps nothing of the image.
    deleted = staff_client.post(
        reverse("admin:articles_image_delete", args=[image.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert keys_under(endpoint, folder) == set()
    assert client.get(image.url("s320")).status_code == 404


def test_production_settings_put_media_in_the_bucket(s3_endpoint, tmp_path):
    """NEWSROOM_S3_* switch the default storage to the bucket (base settings)."""
    code = """
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
print("BACKEND", type(storages["default"]).__name__)
name = default_storage.save("checks/hello.txt", ContentFile(b"hello"))
print("NAME", name)
print("EXISTS", default_storage.exists(name))
with default_storage.open(name) as handle:
    print("READ", handle.read())
print("LIST", default_storage.listdir("checks"))
"""
    result = production(
        code,
        tmp_path,
        NEWSROOM_S3_BUCKET=BUCKET,
        NEWSROOM_S3_ENDPOINT=s3_endpoint,
        NEWSROOM_S3_REGION=REGION,
        NEWSROOM_S3_PREFIX="site",
        **CREDENTIALS,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "BACKEND S3Storage" in out
    assert "NAME checks/hello.txt" in out
    assert "EXISTS True" in out
    assert "READ b'hello'" in out
    assert "LIST ([], ['hello.txt'])" in out
    # Under the prefix (NEWSROOM_S3_PREFIX), not at the bucket's root.
    assert keys_under(s3_endpoint, "site/") == {"site/checks/hello.txt"}
    assert keys_under(s3_endpoint, "checks/") == set()
