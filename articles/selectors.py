"""Reads that span tables: label counts and the archive."""

from django.db.models import Count, Q
from django.db.models.functions import Lower, TruncMonth
from django.utils import timezone

from .models import Label, Post, Status


def live_post_filter(prefix=""):
    """A Q matching live posts through a relation (`prefix` ends with "__")."""
    return Q(
        **{
            prefix + "status": Status.PUBLISHED,
            prefix + "published_at__lte": timezone.now(),
        }
    )


def label_counts():
    """
    Labels with the number of live posts carrying each, in case-insensitive
    alphabetical order; labels with no live post are left out.
    """
    return (
        Label.objects.annotate(
            count=Count(
                "labeled_posts",
                filter=live_post_filter("labeled_posts__content_object__"),
            )
        )
        .filter(count__gt=0)
        .order_by(Lower("name"), "name")
    )


def archive_months():
    """(month start, live post count) pairs, newest month first, in the site's time zone."""
    return (
        Post.objects.published()
        .annotate(
            month=TruncMonth("published_at", tzinfo=timezone.get_current_timezone())
        )
        .values("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )
