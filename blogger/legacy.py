"""Old Blogger addresses that have a new home: archive pages by day or month."""

from datetime import date

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import re_path, reverse

from articles.views import archive_bounds


def archive_redirect(request, year, month, day):
    """`/2025_03_05_archive.html` (Blogger's archive page) → `/2025/03/`."""
    # Only a real day moves, and only to a month archive that exists:
    # `/2025_02_30_archive.html` or `/0001_01_01_archive.html` is a 404 here.
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        raise Http404
    archive_bounds(int(year), int(month))
    return HttpResponsePermanentRedirect(
        reverse("articles:archive_month", kwargs={"year": year, "month": month})
    )


urlpatterns = [
    re_path(
        r"^(?P<year>[0-9]{4})_(?P<month>[0-9]{2})_(?P<day>[0-9]{2})_archive\.html$",
        archive_redirect,
        name="legacy_archive",
    ),
]
