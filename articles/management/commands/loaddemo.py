import time

from django.core.management.base import BaseCommand

from articles import extensions
from articles.demo import load_demo


class Command(BaseCommand):
    help = "Build the Local Glob demo site (once; a second run changes nothing)."

    def handle(self, *args, **options):
        started = time.monotonic()
        loaded = load_demo(self.stdout)
        # Other apps' demo content (the comments app's threads and counts).
        for load in extensions.demo_loaders:
            loaded = bool(load(self.stdout)) or loaded
        if loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo site ready in %.1f s." % (time.monotonic() - started)
                )
            )
        else:
            self.stdout.write("Demo site already loaded; nothing to do.")
