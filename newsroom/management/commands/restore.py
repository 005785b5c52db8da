from django.core.management.base import BaseCommand, CommandError

from newsroom.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Replace the database and media with those of a backup made by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup's tar file.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Confirm that the current content may be replaced.",
        )

    def handle(self, *args, path, yes=False, **options):
        if not yes:
            raise CommandError(
                "Restoring replaces every post, comment, account and media file "
                "with the backup's. Run again with --yes to go ahead."
            )
        try:
            manifest = restore_backup(path)
        except (BackupError, OSError) as error:
            raise CommandError(str(error))
        self.stdout.write(
            self.style.SUCCESS(
                "Restored the backup of %s (%d media files). Run `manage.py "
                "migrate` if this code is newer than the backup."
                % (manifest["created"], len(manifest["media"]))
            )
        )
