"""
Time one uncached page in-process: the work a worker does for one request,
without wrk, gunicorn or the network, so two trees can be compared without
the run-to-run noise of a loaded machine.

Run it inside a snapshot made by bench/pages.py, on that run's database
(a session cookie bypasses the page cache; shared fragments are warm):

    cd /tmp/newsroom-bench/src && PYTHONPATH=. \\
      DJANGO_SETTINGS_MODULE=newsroom.settings.production \\
      DJANGO_SECRET_KEY=bench-only-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx \\
      DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 \\
      DJANGO_SQLITE_PATH=/tmp/newsroom-bench/bench.sqlite3 \\
      DJANGO_MEDIA_ROOT=/tmp/newsroom-bench/media \\
      DJANGO_CACHE_DIR=/tmp/newsroom-bench/cache \\
      /path/to/.venv/bin/python /path/to/bench/render_time.py /search/label/TOP%20STORY
"""

import argparse
import time

import django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = "bench"
    for _ in range(5):  # warm the shared fragments
        response = client.get(args.path)
    if response.status_code != 200:
        raise SystemExit("%s answered %d" % (args.path, response.status_code))
    start = time.perf_counter()
    for _ in range(args.requests):
        client.get(args.path)
    elapsed = (time.perf_counter() - start) / args.requests * 1000
    print("%s %.2f ms per request (%d requests)" % (args.path, elapsed, args.requests))


if __name__ == "__main__":
    main()
