from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blogger.backup import BackupError, read_backup
from blogger.verify import VerifyError, check_base, verify


class Command(BaseCommand):
    help = (
        "Replay every public address a Blogger export implies (posts, ?m=1, "
        "pages, labels, archives, showComment links, feeds, comment feeds) "
        "against the new site with plain GETs; list every failure. Only the "
        "host of --base is requested."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the export file (classic .xml or feed.atom)")
        parser.add_argument(
            "--base",
            required=True,
            help="the new site's address, e.g. http://127.0.0.1:8000",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="at most N addresses of each kind (default: all)",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=10.0,
            help="seconds to wait for each answer (default 10)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError("%s is not a file" % path)
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be 1 or more")
        if options["timeout"] <= 0:
            raise CommandError("--timeout must be more than 0")
        try:
            base = check_base(options["base"])
            with path.open("rb") as source:
                backup = read_backup(source)
        except (BackupError, VerifyError, OSError) as error:
            raise CommandError("nothing checked: %s" % error) from None
        report = verify(backup, base, limit=limit, timeout=options["timeout"])
        self.table(report, backup, base)
        failures = report.failures
        if failures:
            raise CommandError(
                "%d of %d addresses failed" % (len(failures), len(report.results))
            )

    def table(self, report, backup, base):
        out = self.stdout
        out.write(
            "Blogger %s export of %s (blog %s) against %s"
            % (
                backup.format or "empty",
                backup.title or "?",
                backup.blog_id or "?",
                base,
            )
        )
        out.write("%-16s %9s %7s" % ("", "answered", "failed"))
        answered_total = failed_total = 0
        for kind, (answered, failed) in report.counts().items():
            answered_total += answered
            failed_total += failed
            out.write("%-16s %9d %7d" % (kind, answered, failed))
        out.write("%-16s %9d %7d" % ("total", answered_total, failed_total))
        failures = report.failures
        if failures:
            out.write("")
            out.write("Failures:")
            for result in failures:
                out.write("  %s  %s  (%s)" % (result.kind, result.url, result.detail))
        else:
            out.write(self.style.SUCCESS("Every address answered."))
