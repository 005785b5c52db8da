"""
The counts' queries at the database's size (issue 20): EXPLAIN ANALYZE of
each, as it was (a scan or join of every live post) and as it is (the kept
counts of articles/counts.py), and the wall time of the pages that read them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python bench/counts.py
    ... bench/counts.py --before      # the queries the kept counts replaced
    ... bench/counts.py --no-jit      # with PostgreSQL's JIT off (see README)

The database must be migrated (the migration fills the kept counts; after a
load that bypassed the bulk path's counting, run `manage.py recount`).
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")

import django  # noqa: E402

django.setup()

from zoneinfo import ZoneInfo  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.db.models.functions import Greatest, Lower, TruncMonth  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import counts  # noqa: E402
from articles.models import Label, Post, visible_q  # noqa: E402
from articles.sitemaps import LabelSitemap, PostSitemap, latest_post_change  # noqa: E402

LIVE = visible_q("labeled_posts__content_object__")
BIG_LABEL = "TOP STORY"


def before():
    """The queries as they were before the kept counts (commit d0ae5f4)."""
    zone = timezone.get_current_timezone()
    live = Post.objects.published()
    return {
        "label counts (widget, JSON categories)": lambda: list(
            Label.objects.annotate(count=Count("labeled_posts", filter=LIVE))
            .filter(count__gt=0)
            .order_by(Lower("name"), "name")
        ),
        "archive_months()": lambda: list(
            live.annotate(month=TruncMonth("published_at", tzinfo=zone))
            .values("month")
            .annotate(count=Count("id"))
            .order_by("-month")
        ),
        "feed total (openSearch)": lambda: live.count(),
        "feed total, one label": lambda: live.filter(
            labeled_items__tag__name=BIG_LABEL
        ).count(),
        "sitemap: posts lastmod": lambda: live.aggregate(
            m=Max(Greatest("updated_at", "published_at"))
        ),
        "sitemap: last posts page": lambda: list(
            live.only("permalink", "updated_at", "published_at").order_by(
                "-published_at", "-id"
            )[(live.count() - 1) // 1000 * 1000 :][:1000]
        ),
        "sitemap: labels section": lambda: list(
            Label.objects.annotate(
                n=Count("labeled_posts", filter=LIVE),
                c=Max(
                    Greatest(
                        "labeled_posts__content_object__updated_at",
                        "labeled_posts__content_object__published_at",
                    ),
                    filter=LIVE,
                ),
            )
            .filter(n__gt=0)
            .order_by("name", "id")
        ),
        "admin label list counts": lambda: list(
            Label.objects.annotate(
                live=Count("labeled_posts", filter=LIVE),
                total=Count("labeled_posts"),
            ).order_by("name")[:100]
        ),
    }


def last_sitemap_page():
    paginator = PostSitemap().paginator
    return list(paginator.page(paginator.num_pages).object_list)


def after():
    return {
        "label counts (widget, JSON categories)": lambda: list(counts.label_counts()),
        "archive_months()": counts.archive_months,
        "feed total (openSearch)": counts.live_post_count,
        "feed total, one label": lambda: counts.live_label_count(
            Label.objects.get(name=BIG_LABEL)
        ),
        "sitemap: posts lastmod": latest_post_change,
        "sitemap: last posts page": last_sitemap_page,
        "sitemap: labels section": lambda: list(LabelSitemap().items()),
        "admin label list counts": lambda: list(
            counts.with_kept_counts(Label.objects.all()).order_by("name")[:100]
        ),
    }


def explain(name, run, verbose):
    with CaptureQueriesContext(connection) as queries:
        run()
    total = 0.0
    for query in queries.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
        total += float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
        if verbose:
            print("\n".join(plan))
    print(
        "| %s | %d | %.1f |" % (name, len(queries.captured_queries), total),
        flush=True,
    )


PAGES = [
    "/sitemap.xml",
    "/sitemap-posts.xml?p=LAST",
    "/sitemap-labels.xml",
    "/feeds/posts/default",
    "/feeds/posts/default/-/TOP%20STORY?alt=json",
]


def pages():
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    last = (counts.live_post_count() - 1) // 1000 + 1
    for url in PAGES:
        url = url.replace("LAST", str(last))
        times = []
        for _ in range(5):
            cache.clear()  # uncached: the page cache would answer otherwise
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
        print(
            "| `%s` | %d | %.1f |"
            % (url, len(queries.captured_queries), statistics.median(times))
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", action="store_true")
    parser.add_argument("--no-jit", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="print plans")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/counts.py measures PostgreSQL: set DATABASE_URL.")
    timezone.activate(ZoneInfo(settings.TIME_ZONE))
    if args.no_jit:
        connection.cursor().execute("SET jit = off")
    print("Posts: %d, labels: %d" % (Post.objects.count(), Label.objects.count()))
    print("| query | queries | execution ms |\n|---|---:|---:|")
    for name, run in (before() if args.before else after()).items():
        explain(name, run, args.verbose)
    if not args.before:
        print("\n| page (uncached) | queries | median ms of 5 |\n|---|---:|---:|")
        pages()


if __name__ == "__main__":
    main()
