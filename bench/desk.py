"""
The editors' desk on the 10,000-post demo: each admin page an editor or a
moderator opens all day, timed in-process (Django's test client, production
settings, the demo accounts signed in), with its SQL query count.

    .venv/bin/python bench/desk.py              # --runs 30 --reuse-db --only "post list,comment queue"

Builds its demo the way bench/pages.py does (a snapshot of the committed
tree, fresh `migrate` + `loaddemo` into $BENCH_DIR, default
/tmp/newsroom-bench; `--reuse-db` keeps one already there), then adds what
the demo lacks for these pages, once: six saved revisions of the seed post
(its History page) and 30 readers with memberships (the Members page).
`--tree` copies the working tree's version of the desk's admin code
(`OWN_CODE` below) over the snapshot, for before/after figures while
changing it. Requests go round-robin (every page
once, N times) after three warm-up requests per page, so a machine that
changes speed moves every page alike. Prints a Markdown table for
bench/README.md and writes bench/out/desk.json.

Two-factor sign-in is off for the run (DJANGO_REQUIRE_2FA=0): a verified
session costs one more query per page, the same on every page.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent

# (name, user, path); the seed post's id is filled in at run time.
PAGES = [
    ("dashboard (editor)", "editor", "/admin/"),
    ("dashboard (moderator)", "moderator", "/admin/"),
    ("post list", "editor", "/admin/articles/post/"),
    ("post list ?state=scheduled", "editor", "/admin/articles/post/?state=scheduled"),
    ("post form (live post)", "editor", "/admin/articles/post/{seed}/change/"),
    ("add post form", "editor", "/admin/articles/post/add/"),
    ("agenda", "editor", "/admin/articles/post/agenda/"),
    ("comment queue", "moderator", "/admin/comments/comment/"),
    ("Members", "editor", "/admin/accounts/membership/"),
    (
        "image chooser",
        "editor",
        "/admin/articles/post/image-picker/?CKEditorFuncNum=1",
    ),
    ("post history", "editor", "/admin/articles/post/{seed}/history/"),
]
# What --tree copies from the working tree into the snapshot.
OWN_CODE = [
    "articles/admin",
    "articles/templatetags/newsroom_admin.py",
    "comments/admin.py",
    "comments/queue.py",
    "accounts/admin.py",
]
REVISIONS = 6
MEMBERS = 30


def outer(args):
    """Build (or reuse) the demo, then measure in a child process."""
    sys.path.insert(0, str(HERE.parent))
    import pages  # bench/pages.py: the snapshot, the demo database, the env

    source, env = pages.prepare(reuse_db=args.reuse_db)
    env = {**env, "DJANGO_REQUIRE_2FA": "0", "PYTHONPATH": str(source)}
    if args.tree:
        for path in OWN_CODE:
            subprocess.run(
                ["cp", "-r", str(ROOT / path), str(source / path).rsplit("/", 1)[0]],
                check=True,
            )
    command = [
        str(pages.PYTHON),
        str(HERE),
        "--measure",
        "--runs",
        str(args.runs),
        "--only",
        args.only,
    ]
    result = subprocess.run(
        command, cwd=source, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(result.stderr[-4000:])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["code"] = "HEAD + working tree's admin" if args.tree else "HEAD"
    report["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    pages.OUT.mkdir(parents=True, exist_ok=True)
    (pages.OUT / "desk.json").write_text(json.dumps(report, indent=2))
    print(markdown(report))


def markdown(report):
    lines = [
        "%d timed requests per page (after 3 warm-up), %s, commit %s, %s, "
        "load average %.1f"
        % (
            report["runs"],
            report["code"],
            report["commit"],
            report["started"],
            report["load"],
        ),
        "",
        "| page | signed in as | median ms | p95 ms | CPU ms (median) | SQL queries |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in report["pages"]:
        lines.append(
            "| %s | %s | %.1f | %.1f | %.1f | %d |"
            % (
                row["name"],
                row["user"],
                row["median"],
                row["p95"],
                row["cpu"],
                row["queries"],
            )
        )
    return "\n".join(lines)


# Measuring, inside the snapshot (or the working tree) with its settings.


def extras(seed):
    """What the demo lacks for these pages: revisions and members (once)."""
    import reversion
    from django.contrib.auth import get_user_model
    from reversion.models import Version

    from accounts import membership
    from accounts.models import Membership
    from articles import publishing

    User = get_user_model()
    editor = User.objects.get(username="editor")
    saved = Version.objects.get_for_object(seed).count()
    for number in range(saved, REVISIONS):
        with reversion.create_revision():
            seed.seo_description = "Russian and US diplomats met in Istanbul (%d)." % (
                number + 1
            )
            publishing.save_post(post=seed, user=editor, was=publishing.state_of(seed))
            reversion.set_user(editor)
            reversion.set_comment("Changed SEO description.")
    have = Membership.objects.count()
    for number in range(have, MEMBERS):
        reader, _created = User.objects.get_or_create(
            username="bench-reader-%d" % number,
            defaults={
                "email": "reader%d@localglob.example" % number,
                "first_name": "Reader",
                "last_name": str(number),
            },
        )
        if number % 3:
            membership.grant(reader, editor)
        else:
            membership.request(reader)


def percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(share * (len(ordered) - 1)))
    return ordered[index]


def measure(args):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from articles.demo import SEED_PERMALINK
    from articles.models import Post

    seed = Post.objects.get(permalink=SEED_PERMALINK)
    extras(seed)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    clients = {}
    for username in ("editor", "moderator"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=username))
        clients[username] = client
    pages = [
        {
            "name": name,
            "user": user,
            "path": path.format(seed=seed.pk),
            "times": [],
            "cpu": [],
        }
        for name, user, path in PAGES
        if not wanted or name in wanted
    ]
    for page in pages:
        client = clients[page["user"]]
        for _warm in range(3):
            response = client.get(page["path"])
        if response.status_code != 200:
            raise SystemExit("%s answered %d" % (page["path"], response.status_code))
        with CaptureQueriesContext(connection) as queries:
            client.get(page["path"])
        page["queries"] = len(queries)
    started = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    for _run in range(args.runs):
        for page in pages:
            client = clients[page["user"]]
            begin, cpu = time.perf_counter(), time.process_time()
            client.get(page["path"])
            page["times"].append((time.perf_counter() - begin) * 1000)
            page["cpu"].append((time.process_time() - cpu) * 1000)
    report = {
        "runs": args.runs,
        "started": started,
        "load": os.getloadavg()[0],
        "pages": [
            {
                "name": page["name"],
                "user": page["user"],
                "path": page["path"],
                "median": statistics.median(page["times"]),
                "p95": percentile(page["times"], 0.95),
                "cpu": statistics.median(page["cpu"]),
                "queries": page["queries"],
                "times": page["times"],
                "cpu_times": page["cpu"],
            }
            for page in pages
        ],
    }
    print(json.dumps(report))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--tree", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
    else:
        outer(args)


if __name__ == "__main__":
    main()
