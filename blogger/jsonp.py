"""
JSONP (`alt=json-in-script`) refused to this site's own pages.

JSONP runs as a script wherever it is loaded. Loaded from another site (a
Blogger widget) it is what those sites ask for; loaded by a page of this
site it would be a script from our own origin, which the
Content-Security-Policy (`script-src 'self'`) lets run: markup slipped into
a page could call any global function with our data. Browsers say where a
request comes from and what it is for (Fetch Metadata): a same-origin
request for anything but a page (a link followed) or a fetch()/XHR, which
cannot run it, is refused. newsroom.middleware.SameOriginJsonpMiddleware
asks before the page cache; the feed views ask again.
"""

from django.http import HttpResponseForbidden
from django.utils.cache import patch_vary_headers

JSONP_SAME_ORIGIN_DESTINATIONS = {"document", "empty"}
JSONP_VARY = ("Sec-Fetch-Site", "Sec-Fetch-Dest")
JSONP_REFUSED = (
    "alt=json-in-script is for other sites' widgets; this site's own pages "
    "read alt=json.\n"
)


def same_origin_jsonp(request):
    """A request for JSONP from this site's own page, to be run (not followed or fetched)?"""
    return (
        request.path.startswith("/feeds/")
        and "json-in-script" in request.GET.getlist("alt")
        and request.headers.get("Sec-Fetch-Site") == "same-origin"
        and request.headers.get("Sec-Fetch-Dest", "")
        not in JSONP_SAME_ORIGIN_DESTINATIONS
    )


def jsonp_refusal():
    response = HttpResponseForbidden(
        JSONP_REFUSED, content_type="text/plain; charset=utf-8"
    )
    patch_vary_headers(response, JSONP_VARY)
    return response
