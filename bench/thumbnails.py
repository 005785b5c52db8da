"""Time s320 + s72-c from a 12-megapixel JPEG: naive Pillow against this project.

    .venv/bin/python bench/thumbnails.py [--runs 20]

Naive: open, decode every pixel, Lanczos-resize each size from the full picture.
Project: `articles.thumbnails.render`, the code that makes sizes at upload and on
first request (JPEG draft decoding, one decode for all sizes). Both encode their
outputs as JPEG at the same quality; a second project row adds the WebP variants
the site also stores.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")

import django  # noqa: E402

django.setup()

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from articles import thumbnails  # noqa: E402

SOURCE_SIZE = (4000, 3000)
SIZES = ("s320", "s72-c")


def photo_like_jpeg(size=SOURCE_SIZE):
    """A 12-megapixel JPEG with gradients, shapes and sensor-like noise."""
    width, height = size
    picture = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for index in range(40):
        x, y = (index * 997) % width, (index * 613) % height
        colour = ((index * 53) % 256, (index * 97) % 256, (index * 31) % 256)
        draw.ellipse([x, y, x + 400, y + 300], fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise(size, 24).convert("RGB")
    picture = Image.blend(picture, noise, 0.15)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def encode(picture):
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=thumbnails.JPEG_QUALITY)
    return buffer.getvalue()


def naive(data):
    picture = Image.open(io.BytesIO(data))
    picture.load()
    outputs = []
    for name in SIZES:
        size = thumbnails.parse_size(name)
        box = thumbnails.source_box(size, *picture.size)
        dimensions = thumbnails.output_size(size, *picture.size)
        outputs.append(
            encode(picture.resize(dimensions, Image.Resampling.LANCZOS, box=box))
        )
    return outputs


def project(data, webp=False):
    sizes = [thumbnails.parse_size(name) for name in SIZES]
    return thumbnails.render(io.BytesIO(data), sizes, webp=webp)


def timed(functions, data, runs):
    """Run times in ms per function, interleaved so load on the machine hits all."""
    for function in functions:
        function(data)  # warm-up: imports, codec set-up
    times = [[] for _ in functions]
    for _ in range(runs):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            function(data)
            times[index].append((time.perf_counter() - start) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    data = photo_like_jpeg()
    print(
        "Source: generated %dx%d JPEG, %.1f MB; sizes %s; median of %d runs"
        % (*SOURCE_SIZE, len(data) / 1e6, " + ".join(SIZES), runs)
    )
    labels = [
        "naive Pillow (full decode + resize)",
        "project, JPEG",
        "project, JPEG + WebP variants",
    ]
    functions = [naive, project, lambda d: project(d, webp=True)]
    rows = list(zip(labels, timed(functions, data, runs), strict=True))
    base = statistics.median(rows[0][1])
    print()
    print("| path | median ms | min ms | max ms | speed-up |")
    print("|---|---:|---:|---:|---:|")
    for label, times in rows:
        median = statistics.median(times)
        print(
            "| %s | %.1f | %.1f | %.1f | %.1fx |"
            % (label, median, min(times), max(times), base / median)
        )


if __name__ == "__main__":
    main()
