"""Sanitise editor HTML with nh3: an allow-list of tags, attributes and URL schemes."""

import re
from urllib.parse import urlsplit

import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "del", "div",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "picture", "pre", "q", "s",
    "samp", "section", "small", "source", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "dir", "title"},
    "a": {"href", "hreflang", "target", "name"},
    "img": {"src", "alt", "width", "height", "srcset", "sizes", "loading"},
    "source": {"srcset", "type", "media", "sizes"},
    "iframe": {"src", "width", "height", "allowfullscreen", "title", "loading"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed", "type"},
    "pre": {"data-language"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# nh3 keeps a frame whose source it refused; such a frame is dropped whole.
FRAME_WITHOUT_SOURCE = re.compile(
    r'<iframe(?![^>]*\ssrc=")[^>]*>.*?</iframe>', re.DOTALL | re.IGNORECASE
)
DEFAULT_IFRAME_HOSTS = (
    "www.youtube.com",
    "www.youtube-nocookie.com",
    "player.vimeo.com",
    "www.google.com",
)


def _iframe_hosts():
    return set(getattr(settings, "NEWSROOM_IFRAME_HOSTS", DEFAULT_IFRAME_HOSTS))


def _filter_attribute(tag, attribute, value):
    if tag == "iframe" and attribute == "src":
        parts = urlsplit(value)
        if parts.scheme != "https" or parts.hostname not in _iframe_hosts():
            return None
    return value


def sanitize_html(value):
    """Return `value` with everything outside the allow-list removed."""
    cleaned = nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )
    return FRAME_WITHOUT_SOURCE.sub("", cleaned)
