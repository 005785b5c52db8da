from django.core.management.base import BaseCommand

from comments.notifications import notify_all


class Command(BaseCommand):
    help = (
        "E-mail moderators about held comments they have not heard of yet "
        "(each post at most once per the configured interval). Run it from cron "
        "so the last comments of a burst are not left waiting."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="",
            help="Start of the admin link in the e-mail, e.g. https://www.localglob.com",
        )

    def handle(self, *args, **options):
        listed = notify_all(base_url=options["base_url"].rstrip("/"))
        self.stdout.write("Told moderators about %d held comments." % listed)
