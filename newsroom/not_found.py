"""
The site's own 404 page in development too (newsroom/settings/dev.py, so in
`make run`): with DEBUG on, Django answers a missing page with its technical
page listing every URL pattern. Here a reader sees what production shows (the
`handler404` page: templates/404.html), still with status 404.
`?debug404` on the address shows Django's technical page; the admin keeps it.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404
from django.urls import get_resolver, get_urlconf, reverse

DEBUG_PARAMETER = "debug404"


class SiteNotFoundMiddleware:
    """Last in MIDDLEWARE: the first to see a view's Http404."""

    def __init__(self, get_response):
        if not settings.DEBUG:
            raise MiddlewareNotUsed  # production's handler404 does this already
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No URL pattern matched (the resolver never set a match): Django
        # answered with its technical 404 before any view ran.
        if (
            response.status_code == 404
            and request.resolver_match is None
            and self.for_readers(request)
        ):
            return self.site_not_found(request, Http404(request.path))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and self.for_readers(request):
            return self.site_not_found(request, exception)
        return None

    @staticmethod
    def for_readers(request):
        return DEBUG_PARAMETER not in request.GET and not request.path.startswith(
            reverse("admin:index")
        )

    @staticmethod
    def site_not_found(request, exception):
        handler = get_resolver(get_urlconf()).resolve_error_handler(404)
        return handler(request, exception)
