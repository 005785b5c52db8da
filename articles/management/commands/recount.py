from django.core.management.base import BaseCommand

from articles import counts


class Command(BaseCommand):
    help = (
        "Count every label's, label pair's, label triple's, month's and day's posts again from the rows and keep "
        "the result (articles/counts.py): after rows were changed by hand, "
        "a restore, or a queryset.update() of posts' status or time."
    )

    def handle(self, *args, **options):
        wrong = counts.recount()
        self.stdout.write(
            "Recounted: %(labels)d label counts, %(months)d month counts and "
            "%(days)d day counts were wrong and are now right." % wrong
        )
        if wrong["pairs"]:
            self.stdout.write(
                "%(pairs)d label pair counts were wrong and are now right." % wrong
            )
        if wrong["triples"]:
            self.stdout.write(
                "%(triples)d label triple counts were wrong and are now right." % wrong
            )
