"""
What size costs: the reader and editor pages on PostgreSQL at 10,000 and at
1,000,000 posts (issue 20), each page warm and cold, with its SQL queries.

    .venv/bin/python bench/scale.py --db scale_10k --db scale_1m    # --runs 5 --explain
    .venv/bin/python bench/scale.py --db scale_10k --db scale_1m --rare  # the rare feed shapes

Each `--db` is a PostgreSQL database built by `manage.py loaddemo --posts N`
(see bench/README.md, "A million posts"). The pages are requested in-process
through Django's test client, in a snapshot of the committed tree
(`git archive HEAD`, so helpers' uncommitted work never runs), with the
production settings and the Redis cache at $REDIS_URL (default db 3):

- reader pages are uncached: the client sends a session cookie, which the
  page cache never serves (its shared fragments still apply);
- editor pages: the demo editor signed in with `force_login` (two-factor
  sign-in off, DJANGO_REQUIRE_2FA=0: a verified session costs one more query
  on every page alike);
- *warm*: the same request again once it was made; *cold*: the first request
  after `cache.clear()` (every fragment and kept copy gone, what a purge
  does at worst);
- the label widget's counts are timed as the call the sidebar makes
  (`articles.selectors.label_counts()`).

Requests go round-robin (every page once per run), so a machine that changes
speed moves every page alike. Prints a Markdown table of median and p90 per
page and size, writes bench/out/scale.json, and with `--explain`, the
EXPLAIN (ANALYZE, BUFFERS) of the slowest queries of the cold renders to
bench/explain/<N>k-posts.txt.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
OUT = ROOT / "bench" / "out"
EXPLAIN = ROOT / "bench" / "explain"
LABEL = "TOP STORY"
# With LABEL, the seed's two labels (the feeds of labels together), and a
# smaller third.
OTHER_LABEL = "AROUND THE GLOBE"
THIRD_LABEL = "Movie"
# A fourth, for the rare shapes (--rare): four labels together.
FOURTH_LABEL = "SPECIAL STORY"
# Queries explained per database: the slowest of all cold renders.
EXPLAINED = 12


def env_for(database, work):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "DJANGO_LOG_LEVEL": "ERROR",
        "DJANGO_REQUIRE_2FA": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/%s" % database,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        "PYTHONPATH": str(work / "src"),
    }


def outer(args):
    work = Path(tempfile.mkdtemp(prefix="newsroom-scale-"))
    source = work / "src"
    source.mkdir()
    archive = subprocess.run(
        ["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    reports = []
    for number, database in enumerate(args.db):
        env = env_for(database, work)
        if number == 0:
            subprocess.run(
                [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=source,
                env=env,
                check=True,
            )
        if args.migrate:
            subprocess.run(
                [str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"],
                cwd=source,
                env=env,
                check=True,
            )
        command = [str(PYTHON), str(HERE), "--measure", "--runs", str(args.runs)]
        if args.explain:
            command.append("--explain")
        if args.only:
            command += ["--only", args.only]
        if args.rare:
            command.append("--rare")
        result = subprocess.run(
            command, cwd=source, env=env, capture_output=True, text=True
        )
        if result.returncode:
            raise SystemExit(result.stderr[-4000:])
        report = json.loads(result.stdout.strip().splitlines()[-1])
        report["database"], report["commit"] = database, commit
        if args.explain:
            EXPLAIN.mkdir(parents=True, exist_ok=True)
            name = "%dk-posts.txt" % (report["posts"] // 1000)
            (EXPLAIN / name).write_text(report.pop("explain"))
        reports.append(report)
        print(
            "%s: %d posts measured" % (database, report["posts"]),
            file=sys.stderr,
            flush=True,
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale.json").write_text(json.dumps(reports, indent=2))
    print(markdown(reports))


def markdown(reports):
    first = reports[0]
    lines = [
        "%d runs per page and kind, commit %s, %s, load average %s"
        % (
            first["runs"],
            first["commit"],
            first["started"],
            " / ".join("%.1f" % report["load"] for report in reports),
        ),
        "",
    ]
    head = "| page | queries |"
    rule = "|---|---|"
    for report in reports:
        size = "%dk" % (report["posts"] // 1000)
        head += " %s warm p50 / p90 | %s cold p50 / p90 |" % (size, size)
        rule += "---:|---:|"
    if len(reports) > 1:
        head += " warm ratio | cold ratio |"
        rule += "---:|---:|"
    lines += [head, rule]
    for index, page in enumerate(first["pages"]):
        rows = [report["pages"][index] for report in reports]
        queries = " / ".join(
            "%d" % row["queries"]
            if row["queries"] == row["cold_queries"]
            else "%d (cold %d)" % (row["queries"], row["cold_queries"])
            for row in rows
        )
        line = "| %s | %s |" % (page["name"], queries)
        for row in rows:
            line += " %s / %s | %s / %s |" % (
                ms(row["warm"]["p50"]),
                ms(row["warm"]["p90"]),
                ms(row["cold"]["p50"]),
                ms(row["cold"]["p90"]),
            )
        if len(rows) > 1:
            line += " %.1fx | %.1fx |" % (
                rows[-1]["warm"]["p50"] / rows[0]["warm"]["p50"],
                rows[-1]["cold"]["p50"] / rows[0]["cold"]["p50"],
            )
        lines.append(line)
    return "\n".join(lines)


def ms(value):
    return f"{value:,.0f}" if value >= 10 else "%.1f" % value


# Measuring, inside the snapshot with its settings.


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(times):
    return {
        "p50": statistics.median(times),
        "p90": percentile(times, 0.9),
        "times": times,
    }


def rare_shapes(year_back):
    """
    The feeds whose total is counted once after each change, then kept
    (docs/production.md, "Rare feed shapes"): their cold time is that count.
    """
    since = quote(year_back.isoformat(timespec="seconds"))
    labels = "/".join(quote(label) for label in (LABEL, OTHER_LABEL, THIRD_LABEL))
    return [
        (
            "rare: feed, four labels together",
            "reader",
            "/feeds/posts/default/-/%s/%s?alt=json&max-results=5"
            % (labels, quote(FOURTH_LABEL)),
        ),
        (
            "rare: three labels' feed, published-min a year back",
            "reader",
            "/feeds/posts/default/-/%s?alt=json&max-results=5&published-min=%s"
            % (labels, since),
        ),
        (
            "rare: search feed q=police, published-min a year back",
            "reader",
            "/feeds/posts/default?alt=json&max-results=5&q=police&published-min=%s"
            % since,
        ),
    ]


def addresses(client, rare=False):
    """The pages, found in the data: a post and a month in the middle of the
    archive, a deep page of the label by its "Older posts" cursor; with
    `rare`, the rare feed shapes instead."""
    from django.utils import timezone

    from articles.models import Post

    live = Post.objects.published().newest_first()
    total = live.count()
    # Time bounds from the newest post, so both sizes ask alike.
    newest = timezone.localtime(live.values_list("published_at", flat=True)[0])
    month_back = newest - timedelta(days=30)
    year_back = newest - timedelta(days=365)
    middle = live.values_list("pk", "permalink", "published_at")[total // 2]
    month = timezone.localtime(middle[2])
    labelled = live.filter(labeled_items__tag__name=LABEL)
    # Half way down the label: page 167 of 20 posts at 10,000, 16,667 at 1M.
    deep = labelled.values_list("published_at", flat=True)[labelled.count() // 2]
    body = client.get("/search/label/%s" % quote(LABEL)).content.decode()
    older = re.search(r'href="([^"]*updated-max=[^"]*)"', body)[1]
    older = older.replace("&amp;", "&")
    parts = urlsplit(older)
    query = dict(parse_qsl(parts.query))
    query["updated-max"] = timezone.localtime(deep).isoformat(timespec="seconds")
    from django.contrib import admin

    per_page = admin.site._registry[Post].list_per_page
    deep_admin = max(1, Post.objects.count() // per_page // 2)
    index = client.get("/sitemap.xml").content.decode()
    sitemaps = re.findall(r"<loc>https?://[^/]+([^<]+)</loc>", index)
    post_maps = [address for address in sitemaps if "post" in address]
    if rare:
        return total, rare_shapes(year_back)
    return total, [
        ("home", "reader", "/"),
        ("post (middle of the archive)", "reader", middle[1]),
        ("label page 1", "reader", "/search/label/%s" % quote(LABEL)),
        ("label deep page (cursor)", "reader", parts.path + "?" + urlencode(query)),
        ("month archive", "reader", "/%04d/%02d/" % (month.year, month.month)),
        ("search q=police", "reader", "/search?q=police"),
        ("Atom feed", "reader", "/feeds/posts/default"),
        ("feed alt=json", "reader", "/feeds/posts/default?alt=json"),
        (
            "label JSONP",
            "reader",
            "/feeds/posts/default/-/%s?alt=json-in-script&callback=showRelated"
            "&max-results=5" % quote(LABEL),
        ),
        (
            "feed, two labels together",
            "reader",
            "/feeds/posts/default/-/%s/%s?alt=json&max-results=5"
            % (quote(LABEL), quote(OTHER_LABEL)),
        ),
        (
            "feed, three labels together",
            "reader",
            "/feeds/posts/default/-/%s/%s/%s?alt=json&max-results=5"
            % (quote(LABEL), quote(OTHER_LABEL), quote(THIRD_LABEL)),
        ),
        (
            "feed, updated-max 30 days back",
            "reader",
            "/feeds/posts/default?alt=json&max-results=5&updated-max=%s"
            % quote(month_back.isoformat(timespec="seconds")),
        ),
        (
            "two labels' feed, published-min a year back",
            "reader",
            "/feeds/posts/default/-/%s/%s?alt=json&max-results=5&published-min=%s"
            % (
                quote(LABEL),
                quote(OTHER_LABEL),
                quote(year_back.isoformat(timespec="seconds")),
            ),
        ),
        (
            "label feed, updated-min a year back",
            "reader",
            "/feeds/posts/default/-/%s?alt=json&max-results=5&updated-min=%s"
            % (quote(LABEL), quote(year_back.isoformat(timespec="seconds"))),
        ),
        (
            "feed, published-min a year back",
            "reader",
            "/feeds/posts/default?alt=json&max-results=5&published-min=%s"
            % quote(year_back.isoformat(timespec="seconds")),
        ),
        (
            "label feed, updated-min a year back, published-max 30 days back",
            "reader",
            "/feeds/posts/default/-/%s?alt=json&max-results=5&updated-min=%s"
            "&published-max=%s"
            % (
                quote(LABEL),
                quote(year_back.isoformat(timespec="seconds")),
                quote(month_back.isoformat(timespec="seconds")),
            ),
        ),
        ("sitemap index", "reader", "/sitemap.xml"),
        ("last posts sitemap page", "reader", (post_maps or sitemaps)[-1]),
        ("label widget counts", "call", "articles.selectors.label_counts()"),
        ("admin post form", "editor", "/admin/articles/post/%d/change/" % middle[0]),
        ("admin post list", "editor", "/admin/articles/post/"),
        (
            "admin post list, middle page",
            "editor",
            "/admin/articles/post/?p=%d" % deep_admin,
        ),
        ("admin label list", "editor", "/admin/articles/label/"),
        ("admin search q=police", "editor", "/admin/articles/post/?q=police"),
    ]


def measure(args):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from articles import selectors

    reader = Client(HTTP_HOST="127.0.0.1")
    reader.cookies["sessionid"] = "bench"  # never served from the page cache
    editor = Client(HTTP_HOST="127.0.0.1")
    editor.force_login(get_user_model().objects.get(username="editor"))
    clients = {"reader": reader, "editor": editor}
    total, pages = addresses(reader, rare=args.rare)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    pages = [
        {"name": name, "who": who, "path": path, "warm": [], "cold": []}
        for name, who, path in pages
        if not wanted or name in wanted
    ]

    def request(page):
        if page["who"] == "call":
            list(selectors.label_counts())
            return
        response = clients[page["who"]].get(page["path"])
        if response.status_code != 200:
            raise SystemExit("%s answered %d" % (page["path"], response.status_code))

    def timed(page):
        begin = time.perf_counter()
        request(page)
        return (time.perf_counter() - begin) * 1000

    slow = []
    for page in pages:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            request(page)
        page["cold_queries"] = len(queries)
        slow += [
            (float(query["time"]), page["name"], query["sql"])
            for query in queries.captured_queries
        ]
        with CaptureQueriesContext(connection) as queries:
            request(page)
        page["queries"] = len(queries)
    started = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    for _run in range(args.runs):
        for page in pages:
            cache.clear()
            page["cold"].append(timed(page))
            page["warm"].append(timed(page))
    report = {
        "runs": args.runs,
        "posts": total,
        "started": started,
        "load": os.getloadavg()[0],
        "pages": [
            {
                "name": page["name"],
                "path": page["path"],
                "queries": page["queries"],
                "cold_queries": page["cold_queries"],
                "warm": summary(page["warm"]),
                "cold": summary(page["cold"]),
            }
            for page in pages
        ],
    }
    if args.explain:
        report["explain"] = explain(connection, total, slow)
    print(json.dumps(report))


def explain(connection, total, slow):
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest distinct queries seen."""
    seen, chosen = set(), []
    for seconds, name, sql in sorted(slow, reverse=True):
        shape = re.sub(r"\d+", "N", sql)[:300]
        if shape in seen or not sql.lstrip().upper().startswith("SELECT"):
            continue
        seen.add(shape)
        chosen.append((seconds, name, sql))
        if len(chosen) == EXPLAINED:
            break
    parts = [
        "EXPLAIN (ANALYZE, BUFFERS) of the %d slowest queries of the cold renders "
        "(%d live posts), slowest first.\n" % (len(chosen), total)
    ]
    with connection.cursor() as cursor:
        for seconds, name, sql in chosen:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            parts.append(
                "=== %s: %.1f ms in the render\n%s\n\n%s\n"
                % (name, seconds * 1000, sql, plan)
            )
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--db", action="append", default=[], help="a database, smallest first"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--migrate", action="store_true", help="migrate each first")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument(
        "--rare",
        action="store_true",
        help="the rare feed shapes only (their totals counted)",
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
    else:
        outer(args)


if __name__ == "__main__":
    main()
