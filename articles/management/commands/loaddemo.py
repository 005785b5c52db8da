import time

from django.core.management.base import BaseCommand

from articles.demo import load_demo

try:
    from comments.demo import load_demo_comments
except ImportError:  # the demo works without the comments app
    load_demo_comments = None


class Command(BaseCommand):
    help = "Build the Local Glob demo site (once; a second run changes nothing)."

    def handle(self, *args, **options):
        started = time.monotonic()
        loaded = load_demo(self.stdout)
        if load_demo_comments is not None:
            loaded = bool(load_demo_comments(self.stdout)) or loaded
        if loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo site ready in %.1f s." % (time.monotonic() - started)
                )
            )
        else:
            self.stdout.write("Demo site already loaded; nothing to do.")
