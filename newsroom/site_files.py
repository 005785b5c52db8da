"""
The files browsers ask for at the site's root: `/favicon.ico` (every browser,
whatever the page links) and `/site.webmanifest` (the installed site's name
and icons). The icons themselves are static files made by deploy/make_icons.py.
"""

import functools
import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from articles.models import SiteSettings

THEME_COLOUR = "#b3261e"  # --accent in static/css/site.css
SHORT_NAME_LENGTH = 12  # what a phone's home screen shows under the icon


@functools.cache
def _favicon():
    with open(finders.find("favicon.ico"), "rb") as icon:
        return icon.read()


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request):
    return HttpResponse(_favicon(), content_type="image/x-icon")


@require_safe
@cache_control(public=True, max_age=3600)
def web_manifest(request):
    site = SiteSettings.load()
    manifest = {
        "name": site.name,
        "short_name": site.name[:SHORT_NAME_LENGTH].strip(),
        "description": site.tagline,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            _icon("icons/icon-192.png", 192),
            _icon("icons/icon-512.png", 512),
            _icon("icons/icon-maskable-512.png", 512, purpose="maskable"),
        ],
    }
    return HttpResponse(
        json.dumps(manifest, indent=1), content_type="application/manifest+json"
    )


def _icon(name, size, purpose="any"):
    return {
        "src": static(name),
        "sizes": "%dx%d" % (size, size),
        "type": "image/png",
        "purpose": purpose,
    }
