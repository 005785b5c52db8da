"""
503 + Retry-After while PostgreSQL cannot be reached (a restart, a failover),
instead of a 500 and its traceback.

Only errors that say the server is away count: no connection, the connection
lost (SQLSTATE class 08), the server shutting down or starting up (57P0x), too
many connections (53300). Every other database error (a query cancelled, a
deadlock, SQLite's "database is locked" that callers retry) stays what it is.

The server recovers by itself: Django drops a connection that failed at the
end of its request, and checks a kept one before reusing it
(CONN_HEALTH_CHECKS in the settings), so the first request after the restart
gets a new connection.

A view's error is answered here directly (`process_exception`). An error in
another middleware (the site settings read by SiteTimeZoneMiddleware) has
already become Django's 500 by the time it gets here: the
`got_request_exception` signal marks the request, and its 500 is replaced. The
log then keeps one WARNING line for it rather than a traceback.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait: about what a restart takes.
RETRY_AFTER = 5
# SQLSTATEs of a server going away or not yet back (beside class 08).
AWAY_STATES = {"57P01", "57P02", "57P03", "53300"}


def database_unavailable(error):
    """Whether `error` says the database server cannot be reached just now."""
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    cause = error.__cause__
    # PostgreSQL's driver only: SQLite's errors are about the file, never a server.
    if not type(cause).__module__.startswith("psycopg"):
        return False
    if isinstance(error, InterfaceError):
        return True  # "the connection is closed"
    state = getattr(cause, "sqlstate", None)
    return state is None or state.startswith("08") or state in AWAY_STATES


def unavailable_response(request):
    """A short page that needs no database, in the reader's language."""
    with translation.override(translation.get_language_from_request(request)):
        title = _("Back in a moment")
        body = format_html(
            '<!doctype html><html lang="{}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>",
            translation.get_language(),
            title,
            title,
            _(
                "The site cannot reach its database just now. Please try again "
                "in a few seconds."
            ),
        )
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER)
    patch_cache_control(response, no_store=True)
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 + Retry-After for a request that met an unreachable database."""

    def __init__(self, get_response):
        self.get_response = get_response
        _log_in_one_line()

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_database_away", False):
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            logger.warning("Database unavailable: %s", str(exception).strip())
            return unavailable_response(request)
        return None


def _mark_request(sender, request=None, **kwargs):
    if request is not None and database_unavailable(sys.exception()):
        request._database_away = True


got_request_exception.connect(_mark_request, dispatch_uid="newsroom.unavailable")


class OneLineUnavailable(logging.Filter):
    """Django's 500 log record of an unreachable database: one WARNING line."""

    def filter(self, record):
        if record.exc_info and database_unavailable(record.exc_info[1]):
            record.msg = "Database unavailable (answered 503): %s"
            record.args = (str(record.exc_info[1]).strip(),)
            record.exc_info = record.exc_text = None
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True


def _log_in_one_line():
    django_request = logging.getLogger("django.request")
    if not any(isinstance(f, OneLineUnavailable) for f in django_request.filters):
        django_request.addFilter(OneLineUnavailable())
