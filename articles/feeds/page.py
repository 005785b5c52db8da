"""
One page of a feed as every writer reads it: `FeedPage`.

Its rows and total, the addresses writers link to (self, alternate, next,
each post's own feed and comment feed), entry ids (Blogger's
`tag:blogger.com,1999:blog-BLOGID.post-POSTID`, so readers that knew the
Blogger feed see no duplicates), thumbnails and post HTML with absolute
addresses. Comment feeds extend it (comments/feeds.py).
"""

import re
from dataclasses import dataclass, field
from typing import ClassVar

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from pagecache.store import tag

from .. import thumbnails
from ..models import SiteSettings
from ..people import display_name
from .params import FeedQuery

# Root-relative addresses in post bodies (our /img/ pictures, inner links),
# made absolute: a feed is read away from the site. The sanitiser always
# double-quotes attribute values.
RELATIVE_URL_RE = re.compile(r'\b(src|href|poster)="(/(?!/)[^"]*)"')
SRCSET_RE = re.compile(r'\bsrcset="([^"]*)"')


def blogger_time(moment):
    """Blogger's time stamps: `2025-03-05T10:00:00.000+05:30`, in the site's zone."""
    return timezone.localtime(moment).isoformat(timespec="milliseconds")


def comments_title(count):
    """The `replies` link title widgets read the count from ("3 Comments")."""
    return "%d Comment%s" % (count, "" if count == 1 else "s")


def post_feed_id(post):
    """
    The post's or page's public id: one numbering for both (ContentId), the
    id Blogger gave it when imported.
    """
    return str(post.public_id)


def author_name(user, site):
    if user is None:
        return site.name
    return display_name(user)


def absolute_html(html, request):
    """`html` with root-relative src, href, poster and srcset addresses made absolute."""
    if not html:
        return ""
    root = request.build_absolute_uri("/")[:-1]

    def srcset(match):
        parts = []
        for candidate in match.group(1).split(","):
            candidate = candidate.strip()
            if candidate.startswith("/") and not candidate.startswith("//"):
                candidate = root + candidate
            parts.append(candidate)
        return 'srcset="%s"' % ", ".join(parts)

    html = RELATIVE_URL_RE.sub(lambda m: '%s="%s%s"' % (m[1], root, m[2]), html)
    return SRCSET_RE.sub(srcset, html)


@dataclass
class Thumbnail:
    url: str
    width: int
    height: int


@dataclass
class FeedPage:
    """One page of a post feed: its rows, the total, and the addresses writers link to."""

    kind: ClassVar[str] = "posts"

    request: object
    query: FeedQuery
    site: SiteSettings
    summary: bool
    items: list
    total: int
    labels: list = field(default_factory=list)
    single: bool = False  # one entry's own address

    def __post_init__(self):
        # Every feed shows what a post or comment change purges as "feeds".
        tag("feeds")

    def absolute(self, path):
        return self.request.build_absolute_uri(path)

    @property
    def view(self):
        return "summary" if self.summary else "default"

    @property
    def feed_path(self):
        """This feed's address without query (Blogger's `#feed` link)."""
        return self.request.path

    @property
    def self_url(self):
        # The parameters the feed reads, not a reader's JSONP callback or
        # tracking parameters: the page cache shares one answer among them.
        params = self.request.GET.copy()
        params.pop("callback", None)
        query = params.urlencode()
        return self.absolute(
            "%s?%s" % (self.request.path, query) if query else self.request.path
        )

    @property
    def alternate_path(self):
        if len(self.labels) == 1:
            return self.labels[0].get_absolute_url()
        return reverse("articles:home")

    @property
    def title(self):
        return str(self.site.name)

    @property
    def blog_id(self):
        return "tag:blogger.com,1999:blog-%s" % self.site.blog_id

    @property
    def feed_id(self):
        return self.blog_id

    @property
    def updated(self):
        moments = [self.item_updated(item) for item in self.items]
        return max(moments) if moments else timezone.now()

    @property
    def next_url(self):
        """The next page's address, or None on the last page."""
        following = self.query.start_index + self.query.max_results
        if self.single or following > self.total:
            return None
        params = self.request.GET.copy()
        # The caller's JSONP callback names its own script, not the next page.
        params.pop("callback", None)
        params["start-index"] = str(following)
        params["max-results"] = str(self.query.max_results)
        return self.absolute("%s?%s" % (self.request.path, params.urlencode()))

    def entry_id(self, item):
        return self.tag_id(post_feed_id(item))

    def tag_id(self, number, kind="post"):
        return "%s.%s-%s" % (self.blog_id, kind, number)

    def item_published(self, item):
        return item.published_at

    def item_updated(self, item):
        return max(item.updated_at, item.published_at)

    def post_self_url(self, post):
        return self.absolute(
            reverse(
                "feeds:post", kwargs={"view": "default", "post_id": post_feed_id(post)}
            )
        )

    def post_comments_url(self, post):
        return self.absolute(
            reverse(
                "feeds:post_comments",
                kwargs={"view": "default", "post_id": post_feed_id(post)},
            )
        )

    def thumbnail(self, post):
        image = post.featured_image
        if image is None:
            return None
        width, height = image.dimensions(thumbnails.THUMBNAIL) or (72, 72)
        return Thumbnail(
            url=self.absolute(image.url(thumbnails.THUMBNAIL)),
            width=width,
            height=height,
        )

    def author_image(self):
        """The 16px avatar Blogger lists for every author (ours: the site icon)."""
        return self.absolute(static("favicon.svg"))

    def body_html(self, post):
        """The post's public HTML, absolute addresses; never the premium part."""
        return absolute_html(post.body, self.request)
