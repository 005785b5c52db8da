"""
The big Blogger import (issue 20, Deliver 7): a generated backup of N posts
with comments (bench/blogger_backup.py) imported into an empty site, then
imported again (every entry unchanged), each run timed with its peak memory
by `/usr/bin/time -v` (wall clock, CPU, maximum resident set size).

    .venv/bin/python bench/import_scale.py --posts 100000
    .venv/bin/python bench/import_scale.py --posts 100000 \\
        --database postgres://postgres@127.0.0.1:5432/h_import_scale

Runs from a snapshot of the committed tree (git archive HEAD) in $BENCH_DIR
(default /tmp/newsroom-import), with the production settings. The SQLite
file there, or the PostgreSQL database named by --database (dropped and
made again: give it a name of its own), starts empty and migrated. The
backup is written once to $BENCH_DIR/backup-N.xml and reused. Prints a
Markdown table for bench/README.md and writes bench/out/import_scale.json.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages  # noqa: E402 - bench/pages.py beside this file

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/newsroom-import"))
OUT = ROOT / "bench" / "out"
TIME = "/usr/bin/time"


def env_for(work, database):
    """bench/pages.py's production settings, on this run's SQLite file or `database`."""
    env = pages.env_for(work)
    env["DJANGO_SQLITE_PATH"] = str(work / "import.sqlite3")
    env.pop("DATABASE_URL", None)
    if database:
        env["DATABASE_URL"] = database
    return env


def snapshot(work):
    source = work / "src"
    subprocess.run(["rm", "-rf", str(source)], check=True)
    source.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    return source


def empty_database(source, env, work, database):
    if database:
        parts = urlsplit(database)
        name = parts.path.lstrip("/")
        server = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
        server += ["-U", parts.username or "postgres"]
        subprocess.run(["dropdb", *server, "--if-exists", name], check=True)
        subprocess.run(["createdb", *server, name], check=True)
    else:
        for suffix in ("", "-wal", "-shm"):
            (work / ("import.sqlite3" + suffix)).unlink(missing_ok=True)
    subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"],
        cwd=source,
        env=env,
        check=True,
    )


def timed_import(source, env, backup, log):
    """Run import_blogger under /usr/bin/time -v; return its figures and summary."""
    command = [TIME, "-v", str(PYTHON), "manage.py", "import_blogger", str(backup)]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=source, env=env, capture_output=True, text=True, check=False
    )
    log.write_text(done.stderr)
    if done.returncode:
        sys.exit("import failed:\n%s\n%s" % (done.stdout, done.stderr[-3000:]))

    def figure(label):
        match = re.search(r"^\s*%s: (.+)$" % re.escape(label), done.stderr, re.M)
        return match.group(1).strip()

    return {
        "wall_s": round(time.monotonic() - started, 1),
        "user_s": float(figure("User time (seconds)")),
        "system_s": float(figure("System time (seconds)")),
        "max_rss_mb": round(int(figure("Maximum resident set size (kbytes)")) / 1024),
        "summary": done.stdout,
    }


def rows(summary):
    found = {}
    for line in summary.splitlines():
        match = re.match(r"^(\w[\w ]*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", line)
        if match:
            found[match.group(1)] = [int(n) for n in match.groups()[1:]]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100000)
    parser.add_argument("--comments", type=int, default=2, help="average per post")
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    backup = WORK / ("backup-%d.xml" % args.posts)
    if not backup.exists():
        subprocess.run(
            [
                str(PYTHON),
                str(ROOT / "bench" / "blogger_backup.py"),
                "--posts",
                str(args.posts),
                "--comments",
                str(args.comments),
                "--out",
                str(backup),
            ],
            check=True,
        )
    source = snapshot(WORK)
    env = env_for(WORK, args.database)
    empty_database(source, env, WORK, args.database)
    engine = "PostgreSQL" if args.database else "SQLite"
    results = {"posts": args.posts, "database": engine, "file_mb": 0, "runs": {}}
    results["file_mb"] = round(backup.stat().st_size / 2**20)
    for run in ("first", "again"):
        figures = timed_import(source, env, backup, WORK / ("%s.log" % run))
        figures["rows"] = rows(figures.pop("summary"))
        results["runs"][run] = figures
        print(run, figures, flush=True)
    name = "import_scale_%s_%d.json" % (engine.lower(), args.posts)
    (OUT / name).write_text(json.dumps(results, indent=2) + "\n")
    print()
    print("| %s, %d posts (%d MB file) | wall | CPU (user+sys) | peak RSS |" % (
        engine, args.posts, results["file_mb"]))  # fmt: skip
    print("|---|---|---|---|")
    for run, label in (
        ("first", "into an empty site"),
        ("again", "the same file again"),
    ):
        figures = results["runs"][run]
        print(
            "| %s | %d s | %d s | %d MB |"
            % (
                label,
                figures["wall_s"],
                figures["user_s"] + figures["system_s"],
                figures["max_rss_mb"],
            )
        )
    first = results["runs"]["first"]["rows"]
    print()
    print(
        "Imported: %s"
        % ", ".join(
            "%s %d" % (name, first[name][1])
            for name in ("posts", "pages", "comments", "labels")
            if name in first
        )
    )


if __name__ == "__main__":
    main()
