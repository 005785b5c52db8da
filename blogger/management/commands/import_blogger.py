from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blogger.backup import BackupError, BackupFile, read_takeout_settings
from blogger.importer import import_backup, read_author_map

ROWS = (
    ("posts", "posts"),
    ("drafts", "  drafts"),
    ("scheduled", "  scheduled"),
    ("pages", "pages"),
    ("comments", "comments"),
    ("page comments", "  on pages"),
    ("orphan comments", "  orphans"),
    ("labels", "labels"),
    ("authors", "authors"),
    ("images", "images"),
    ("settings", "settings"),
)


class Command(BaseCommand):
    help = (
        "Import a Blogger export (classic backup .xml or Takeout feed.atom): "
        "posts, pages, labels, authors, comments and settings, keeping every "
        "address. Re-running updates instead of duplicating."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the export file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what would change and write nothing",
        )
        parser.add_argument(
            "--media-dir",
            help="folder with the blog's image files; found ones join the "
            "image library and bodies point to them",
        )
        parser.add_argument(
            "--author-map",
            help="CSV of BLOGGER_NAME_EMAIL_OR_PROFILE,USERNAME lines",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError("%s is not a file" % path)
        media_dir = options["media_dir"]
        if media_dir and not Path(media_dir).is_dir():
            raise CommandError("--media-dir %s is not a folder" % media_dir)
        progress = self.stderr.write if options["verbosity"] > 0 else None
        try:
            author_map = {}
            if options["author_map"]:
                with open(options["author_map"], newline="", encoding="utf-8") as f:
                    author_map = read_author_map(f)
            # Checked whole first, then read again as the import goes.
            backup = BackupFile(path).scan(progress=progress)
            takeout_settings = path.with_name("settings.csv")
            if backup.format == "takeout" and takeout_settings.is_file():
                read_takeout_settings(takeout_settings, backup)
            report = import_backup(
                backup,
                dry_run=options["dry_run"],
                author_map=author_map,
                media_dir=media_dir,
                progress=progress,
            )
        except BackupError as error:
            raise CommandError("nothing imported: %s" % error) from None
        except OSError as error:
            raise CommandError("nothing imported: %s" % error) from None
        self.summary(report, backup, options["verbosity"])

    def summary(self, report, backup, verbosity):
        out = self.stdout
        if report.dry_run:
            out.write("Dry run: nothing was written. These changes would be made:")
        if report.dry_run or verbosity > 1:
            for line in report.changes:
                out.write("  " + line)
        out.write("")
        out.write(
            "Blogger %s export of %s (blog %s): %d entries"
            % (
                backup.format or "empty",
                backup.title or "?",
                backup.blog_id or "?",
                backup.entries,
            )
        )
        header = "%-12s %8s %8s %8s %10s" % (
            "",
            "in file",
            "created",
            "updated",
            "unchanged",
        )
        if backup.recovered_prefixes:
            out.write(
                self.style.WARNING(
                    "Warning: the file uses the prefixes %s without declaring "
                    "them; they were read as Blogger's standard namespaces (%s)."
                    % (
                        ", ".join(backup.recovered_prefixes),
                        ", ".join(
                            "%s=%s" % item for item in backup.recovered_prefixes.items()
                        ),
                    )
                )
            )
        out.write(header)
        for key, label in ROWS:
            tally = report.tallies.get(key)
            if tally is None:
                continue
            out.write(
                "%-12s %8d %8d %8d %10d"
                % (label, tally.in_file, tally.created, tally.updated, tally.unchanged)
            )
        out.write("%-12s %8d" % ("skipped", len(report.skipped)))
        for what, reason in report.skipped:
            out.write("  skipped %s: %s" % (what, reason))
        for note in report.notes:
            out.write("Note: " + note)
        if report.dry_run:
            out.write("Nothing was written.")
        else:
            out.write(self.style.SUCCESS("Import finished."))
