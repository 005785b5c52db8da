"""Old Blogger addresses that have a new home: archive pages by day or month."""

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import re_path, reverse


def archive_redirect(request, year, month, day):
    """`/2025_03_05_archive.html` (Blogger's archive page) → `/2025/03/`."""
    if not 1 <= int(month) <= 12:
        raise Http404
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
