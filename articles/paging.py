"""Blogger's list paging: `max-results=N` and the keyset cursor `updated-max=<ISO time>`."""

from datetime import UTC, datetime

from django.core.exceptions import BadRequest
from django.utils import timezone

from newsroom.conf import newsroom_setting


def parse_max_results(value, default=None):
    """An integer from 1 upwards, clamped to the configured maximum; else BadRequest."""
    limit = newsroom_setting("MAX_RESULTS")
    if default is None:
        default = newsroom_setting("PAGE_SIZE")
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest("max-results must be a whole number.")
    if number < 1:
        raise BadRequest("max-results must be at least 1.")
    return min(number, limit)


def parse_time(value, name="updated-max"):
    """An ISO 8601 time (Blogger's `2025-03-05T10:00:00+05:30`) as an aware datetime."""
    if value is None or value == "":
        return None
    # A "+" in a query string arrives as a space.
    text = value.strip().replace(" ", "+")
    if len(text) > 40:
        raise BadRequest("%s must be an ISO 8601 time." % name)
    try:
        moment = datetime.fromisoformat(text)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # The database compares in UTC: year 1 or 9999 may not fit there.
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadRequest("%s must be an ISO 8601 time." % name)
    return moment


def cursor_value(moment):
    """The `updated-max` text for a post time, in the site's time zone."""
    return timezone.localtime(moment).isoformat(timespec="auto")
