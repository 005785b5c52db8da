from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from newsroom.backup import BackupError, write_backup


class Command(BaseCommand):
    help = "Write a consistent snapshot of the database and the media to a tar file."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="Where to write it (default: newsroom-backup-YYYYMMDD-HHMMSS.tar).",
        )

    def handle(self, *args, path=None, **options):
        path = path or datetime.now().strftime("newsroom-backup-%Y%m%d-%H%M%S.tar")
        try:
            manifest = write_backup(path)
        except (BackupError, OSError) as error:
            raise CommandError(str(error))
        self.stdout.write(
            self.style.SUCCESS(
                "Backed up the %s database and %d media files to %s."
                % (manifest["vendor"], len(manifest["media"]), path)
            )
        )
