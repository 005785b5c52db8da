import time

from django.core.management.base import BaseCommand

from articles.demo import load_demo


class Command(BaseCommand):
    help = "Build the Local Glob demo site (once; a second run changes nothing)."

    def handle(self, *args, **options):
        started = time.monotonic()
        if load_demo(self.stdout):
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo site ready in %.1f s." % (time.monotonic() - started)
                )
            )
        else:
            self.stdout.write("Demo site already loaded; nothing to do.")
