import argparse
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles import extensions
from articles.demo import LIVE_POSTS, MIN_POSTS, load_demo


def post_count(value):
    """--posts: a whole number of live posts, at least MIN_POSTS."""
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            "%r is not a number of posts (say --posts 1000000)." % value
        ) from None
    if number < MIN_POSTS:
        raise argparse.ArgumentTypeError(
            "%d posts is too few: a demo has at least %d." % (number, MIN_POSTS)
        )
    return number


class Command(BaseCommand):
    help = (
        "Build the Local Glob demo site (once; a second run changes nothing). "
        "--posts N makes N live posts with the seed's label proportions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--posts",
            type=post_count,
            default=LIVE_POSTS,
            help="How many live posts (default %d, the seed's)." % LIVE_POSTS,
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        posts = options["posts"]
        if not isinstance(posts, int):  # call_command(posts="...") skips the parser
            try:
                posts = post_count(str(posts))
            except argparse.ArgumentTypeError as error:
                raise CommandError(str(error)) from None
        # All or nothing: a load that fails leaves no half-built demo.
        with transaction.atomic():
            loaded = load_demo(self.stdout, posts=posts)
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
