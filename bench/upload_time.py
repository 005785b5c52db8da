"""Time the editor's one-step upload of a 12-megapixel JPEG, and what it leaves to later.

    .venv/bin/python bench/upload_time.py [--runs 5]

Runs in a throwaway test database with in-memory media. Rows:

- **upload request**: POST admin/articles/image/upload/ (the editor's and the
  chooser's upload: checks, stores the original, answers JSON). Makes no size.
- **upload + standard sizes**: what the same request cost when it made the
  five standard sizes before answering (the old Images > Add), for comparison.
- **first /img/ s1600** and **first /img/ s320**: the first reader (or the
  editor's own preview) of a size pays for making it, once.

Measured on the shared 2-core development machine (other suites running):

    Source: generated 4000x3000 JPEG, 2.2 MB; median of 5 runs

    | step | median ms | min ms | max ms |
    |---|---:|---:|---:|
    | upload request (no size made) | 172 | 152 | 559 |
    | upload + the five standard sizes | 2284 | 1888 | 2367 |
    | first /img/ s1600 (made: JPEG + WebP) | 1287 | 981 | 1445 |
    | first /img/ s320 (made: JPEG + WebP) | 192 | 151 | 299 |
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.test")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from articles import thumbnails  # noqa: E402
from articles.models import Image  # noqa: E402
from bench.thumbnails import photo_like_jpeg  # noqa: E402

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def upload(client, data):
    started = time.perf_counter()
    response = client.post(
        reverse("admin:articles_image_upload"),
        {
            "file": SimpleUploadedFile("harbour.jpg", data, "image/jpeg"),
            "alt_text": "Boats in the harbour at dawn",
        },
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.content
    return elapsed, Image.objects.get(pk=response.json()["id"])


def upload_with_sizes(client, data):
    started = time.perf_counter()
    elapsed, image = upload(client, data)
    thumbnails.make_standard_sizes(image)
    return time.perf_counter() - started, image


def first_request(client, image, size):
    started = time.perf_counter()
    response = client.get(image.url(size), HTTP_ACCEPT="image/webp,*/*")
    b"".join(response.streaming_content)
    assert response.status_code == 200
    return time.perf_counter() - started


def row(name, times):
    ms = [t * 1000 for t in times]
    return "| %s | %.0f | %.0f | %.0f |" % (
        name,
        statistics.median(ms),
        min(ms),
        max(ms),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        with override_settings(STORAGES=STORAGES, ALLOWED_HOSTS=["testserver"]):
            from tests.articles.newsroom_admin import make_person

            client = Client()
            client.force_login(make_person("Writers", username="bench-writer"))
            data = photo_like_jpeg()
            results = {"upload": [], "sizes": [], "s1600": [], "s320": []}
            for _ in range(runs):
                elapsed, image = upload(client, data)
                results["upload"].append(elapsed)
                results["s1600"].append(first_request(client, image, "s1600"))
                results["s320"].append(first_request(client, image, "s320"))
                results["sizes"].append(upload_with_sizes(client, data)[0])
            print(
                "Source: generated 4000x3000 JPEG, %.1f MB; median of %d runs\n"
                % (len(data) / 1e6, runs)
            )
            print("| step | median ms | min ms | max ms |")
            print("|---|---:|---:|---:|")
            print(row("upload request (no size made)", results["upload"]))
            print(row("upload + the five standard sizes", results["sizes"]))
            print(row("first /img/ s1600 (made: JPEG + WebP)", results["s1600"]))
            print(row("first /img/ s320 (made: JPEG + WebP)", results["s320"]))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
