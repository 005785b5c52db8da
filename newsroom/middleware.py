from urllib.parse import unquote_plus

from django.core.exceptions import BadRequest
from django.utils import timezone
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    """
    400 for a NUL character anywhere in the address: no page has one, and
    PostgreSQL refuses it in a query, which would otherwise be a 500. A
    cookie carrying one (`sessionid="ab\\000cd"` is a NUL once unquoted) is
    ignored instead: the reader's browser would send it with every request,
    so a 400 would lock them out of the site.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, value in list(request.COOKIES.items()):
            if "\x00" in name or "\x00" in value:
                del request.COOKIES[name]
        if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", ""):
            raise BadRequest(_("The address contains a NUL character."))
        # Decoded (%00) too, without reading request.GET: the page cache notes
        # which parameters a page reads.
        if "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            raise BadRequest(_("The address contains a NUL character."))
        return self.get_response(request)


class SameForEveryoneMiddleware:
    """
    A response marked `same_for_everyone` (images) does not vary with the
    reader: drop the `Vary: Cookie` and `Accept-Language` that the session
    and locale middleware add, so browsers and CDNs keep one copy. Placed
    outside those middleware.
    """

    DROPPED = {"cookie", "accept-language"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "same_for_everyone", False) and response.has_header(
            "Vary"
        ):
            kept = [
                field
                for field in (part.strip() for part in response["Vary"].split(","))
                if field and field.lower() not in self.DROPPED
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response


class SiteTimeZoneMiddleware:
    """
    Dates, archives and new permalinks in the newsroom's time zone when the
    site settings name one (set by an editor, or by the Blogger import);
    otherwise the server's DJANGO_TIME_ZONE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from articles.models import SiteSettings

        zone = SiteSettings.load().zone
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SameOriginJsonpMiddleware:
    """
    Refuse JSONP asked for as a script by this site's own pages
    (blogger.jsonp.same_origin_jsonp) before the page cache, which would
    otherwise answer with a copy stored for another site's widget.
    """

    def __init__(self, get_response):
        from blogger.jsonp import jsonp_refusal, same_origin_jsonp

        self.get_response = get_response
        self.refused, self.refusal = same_origin_jsonp, jsonp_refusal

    def __call__(self, request):
        if self.refused(request):
            return self.refusal()
        return self.get_response(request)
