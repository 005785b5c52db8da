"""
gunicorn's settings for `make serve` (tests/test_serve.py starts it the same way).

    gunicorn --config deploy/gunicorn.conf.py --bind 127.0.0.1:8000

Threaded workers (gthread): Django runs synchronously in each thread, and a
client that connects and sends nothing (or sends slowly) ties up at most one
thread for a few seconds, never a whole worker process as a sync worker
does until its timeout. The proxy in front should still buffer requests
(docs/production.md).
"""

import multiprocessing
import os

wsgi_app = "newsroom.wsgi:application"
worker_class = "gthread"
# Processes: WEB_CONCURRENCY, else 2 x cores + 1. Threads per process:
# GUNICORN_THREADS, else 4 (each may hold a database connection: workers x
# threads x app servers must stay below the database's connection limit).
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# A request that runs longer than this is cut off and its worker restarted.
timeout = 30
# Idle kept-alive connections wait in the worker's poller, not in a thread.
keepalive = 5
accesslog = "-"
