"""
The query parameters every feed format reads, checked in one place.

Blogger's names (`alt`, `max-results`, `start-index`, `orderby`,
`published-min/max`, `updated-min/max`, `q`, `path`, `callback`) become one
`FeedQuery`; a bad value is a BadRequest (a 400) that says which parameter
and why. Unknown parameters are ignored. `orderby` is case-insensitive, as on
Blogger: `relevance` is the search rank when `q` has words, else `published`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import BadRequest

from newsroom.conf import newsroom_setting
from pagecache.middleware import CALLBACK_RE as PAGE_CACHE_CALLBACK_RE

from ..paging import parse_max_results, parse_time

ALTS = ("atom", "rss", "json", "json-in-script", "jsonfeed")
ORDERS = ("published", "updated", "relevance")
# The page cache checks a callback it wraps around a stored answer by the same rule.
CALLBACK_RE = PAGE_CACHE_CALLBACK_RE
# Blogger's answer to `alt=json-in-script` without a callback.
DEFAULT_CALLBACK = "gdata.io.handleScriptLoaded"
PARAMETERS = (
    "alt",
    "max-results",
    "start-index",
    "orderby",
    "published-min",
    "published-max",
    "updated-min",
    "updated-max",
    "q",
    "path",
    "callback",
)


def _single(request, name):
    """A parameter's value; given twice, it must be the same both times."""
    values = request.GET.getlist(name)
    if len(set(values)) > 1:
        raise BadRequest("%s is given more than once with different values." % name)
    return values[0] if values else None


def _positive(value, name):
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest("%s must be a whole number." % name)
    if number < 1:
        raise BadRequest("%s must be at least 1." % name)
    return number


@dataclass(frozen=True)
class FeedQuery:
    """The query parameters every feed format shares, checked (BadRequest if not)."""

    alt: str = "atom"
    max_results: int = 25
    start_index: int = 1
    orderby: str = ""
    published_min: datetime | None = None
    published_max: datetime | None = None
    updated_min: datetime | None = None
    updated_max: datetime | None = None
    text: str = ""
    path: str = ""
    callback: str = ""

    @classmethod
    def from_request(cls, request, default_alt="atom"):
        """`default_alt`: the format when `alt` is not given (`/rss.xml`: rss)."""
        values = {name: _single(request, name) for name in PARAMETERS}
        alt = values["alt"] or default_alt
        if alt not in ALTS:
            raise BadRequest("alt must be one of %s." % ", ".join(ALTS))
        orderby = (values["orderby"] or "").lower()
        if orderby and orderby not in ORDERS:
            raise BadRequest("orderby must be published, updated or relevance.")
        callback = ""
        if alt == "json-in-script":
            callback = values["callback"]
            if callback is None:
                callback = DEFAULT_CALLBACK
            elif not CALLBACK_RE.fullmatch(callback):
                raise BadRequest(
                    "callback must be a JavaScript name of letters, digits, _ . $."
                )
        times = {
            name: parse_time(values[name], name)
            for name in ("published-min", "published-max", "updated-min", "updated-max")
        }
        path = (values["path"] or "").strip()
        if len(path) > 255:
            raise BadRequest("path is too long.")
        return cls(
            alt=alt,
            max_results=parse_max_results(
                values["max-results"], default=newsroom_setting("FEED_SIZE")
            ),
            start_index=_positive(values["start-index"], "start-index") or 1,
            orderby=orderby,
            published_min=times["published-min"],
            published_max=times["published-max"],
            updated_min=times["updated-min"],
            updated_max=times["updated-max"],
            text=(values["q"] or "").strip()[:500],
            path=path,
            callback=callback,
        )
