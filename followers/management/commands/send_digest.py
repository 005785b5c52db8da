from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from followers.digest import send_digests


class Command(BaseCommand):
    help = (
        "E-mail each confirmed follower the live posts published since their last "
        "digest, once. Safe to run from cron every few minutes, even overlapping."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="ISO time the digest runs up to (default: now); for re-runs and tests.",
        )

    def handle(self, *args, **options):
        now = timezone.now()
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None:
                raise CommandError("--now must be an ISO date and time.")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        sent = send_digests(now)
        self.stdout.write("Sent %d digest e-mail%s." % (sent, "" if sent == 1 else "s"))
