"""
Feeds at Blogger's addresses, written with Django's syndication framework.

`/feeds/posts/default` (full posts) and `/feeds/posts/summary` (excerpts),
`.../-/LABEL` per label, `/feeds/comments/default` and
`/feeds/POSTID/comments/default`. The site-wide comment feed lists comments
on static pages too, as Blogger's does, each linking to its page; a post's
own comment feed lists only that post's. Every address answers `alt=atom` (the
default), `alt=rss`, `alt=jsonfeed` (JSON Feed 1.1) and Blogger's `alt=json` /
`alt=json-in-script` (written by blogger/json_feed.py). One parser reads the
query parameters for every format (`FeedQuery`), one function picks the rows
(`post_feed_page()` / `comment_feed_page()`), and each format only writes
them out.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db.models import Q
from django.db.models.functions import Greatest
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from comments.models import Comment, target_kind
from comments.text import comment_html

from . import thumbnails
from .models import Label, LabeledPost, Page, Post, SiteSettings
from .paging import parse_max_results, parse_time
from .search import parse_query, ranked_page, search_posts
from .selectors import live_post_filter

ALTS = ("atom", "rss", "json", "json-in-script", "jsonfeed")
ORDERS = ("published", "updated")
CALLBACK_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_.$]{0,63}")
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
MEDIA_NS = "http://search.yahoo.com/mrss/"
THREAD_NS = "http://purl.org/syndication/thread/1.0"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearchrss/1.0/"
JSON_FEED_TYPE = "application/feed+json"
# Root-relative addresses in post bodies (our /img/ pictures, inner links),
# made absolute: a feed is read away from the site. The sanitiser always
# double-quotes attribute values.
RELATIVE_URL_RE = re.compile(r'\b(src|href|poster)="(/(?!/)[^"]*)"')
SRCSET_RE = re.compile(r'\bsrcset="([^"]*)"')
LAST_MODIFIED_SECONDS = 30 * 24 * 3600


# What a request asks for.


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
    def from_request(cls, request):
        values = {name: _single(request, name) for name in PARAMETERS}
        alt = values["alt"] or "atom"
        if alt not in ALTS:
            raise BadRequest("alt must be one of %s." % ", ".join(ALTS))
        orderby = values["orderby"] or ""
        if orderby and orderby not in ORDERS:
            raise BadRequest("orderby must be published or updated.")
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
                values["max-results"], default=settings.NEWSROOM["FEED_SIZE"]
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


# What a feed shows.


def blogger_time(moment):
    """Blogger's time stamps: `2025-03-05T10:00:00.000+05:30`, in the site's zone."""
    return timezone.localtime(moment).isoformat(timespec="milliseconds")


def comments_title(count):
    """The `replies` link title widgets read the count from ("3 Comments")."""
    return "%d Comment%s" % (count, "" if count == 1 else "s")


def post_feed_id(post):
    """The id Blogger gave the post or page (kept on import), else ours."""
    return post.blogger_id or str(post.pk)


PAGE_PATH_RE = re.compile(r"^/p/([^/]+)\.html$")


def comment_feed_id(comment):
    return comment.blogger_id or str(comment.pk)


def _id_filter(value, prefix=""):
    """Rows whose Blogger id is `value`, or without one and with that primary key."""
    condition = Q(**{prefix + "blogger_id": value})
    if len(value) <= 18:
        condition |= Q(**{prefix + "blogger_id": "", prefix + "pk": int(value)})
    return condition


def author_name(user, site):
    if user is None:
        return site.name
    return user.get_full_name() or user.get_username()


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
    """One page of a feed: its rows, the total, and the addresses writers link to."""

    request: object
    query: FeedQuery
    site: SiteSettings
    kind: str  # "posts" or "comments"
    summary: bool
    items: list
    total: int
    labels: list = field(default_factory=list)
    # The post of a per-post comment feed; the post or page of one comment.
    post: Post | Page | None = None
    single: bool = False  # one entry's own address

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
        return self.absolute(self.request.get_full_path())

    @property
    def alternate_path(self):
        if self.post is not None:
            return self.post.get_absolute_url()
        if self.kind == "posts" and len(self.labels) == 1:
            return self.labels[0].get_absolute_url()
        return reverse("articles:home")

    @property
    def title(self):
        if self.kind == "comments":
            if self.post is not None:
                return "Comments on %s: %s" % (self.site.name, self.post.title)
            return "%s: Comments" % self.site.name
        return str(self.site.name)

    @property
    def feed_id(self):
        blog = "tag:blogger.com,1999:blog-%s" % self.site.blog_id
        if self.post is not None:
            return "%s.%s%s..comments" % (
                blog,
                target_kind(self.post),
                post_feed_id(self.post),
            )
        if self.kind == "comments":
            return blog + ".comments"
        return blog

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
        params["start-index"] = str(following)
        params["max-results"] = str(self.query.max_results)
        return self.absolute("%s?%s" % (self.request.path, params.urlencode()))

    def entry_id(self, item):
        if self.kind == "comments":
            return self.tag_id(comment_feed_id(item))
        return self.tag_id(post_feed_id(item))

    def tag_id(self, number, kind="post"):
        return "tag:blogger.com,1999:blog-%s.%s-%s" % (self.site.blog_id, kind, number)

    def target_tag_id(self, target):
        """The post's or page's id as Blogger's export writes it (`.post-N`, `.page-N`)."""
        kind = "page" if isinstance(target, Page) else "post"
        return self.tag_id(post_feed_id(target), kind)

    def item_published(self, item):
        return item.created_at if self.kind == "comments" else item.published_at

    def item_updated(self, item):
        if self.kind == "comments":
            return item.created_at
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

    def comment_self_url(self, comment, target=None):
        """
        The comment's own feed address. Pass `target` for a comment whose post
        or page is not loaded with it (a reply's parent: the reply's own).
        """
        return self.absolute(
            reverse(
                "feeds:comment",
                kwargs={
                    "view": "default",
                    "post_id": post_feed_id(target or comment.target),
                    "comment_id": comment_feed_id(comment),
                },
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

    def comment_body(self, comment):
        return str(comment_html(comment.text))

    def comment_title(self, comment):
        return Truncator(" ".join(comment.text.split())).chars(60)


def _time_filters(queryset, query, published, updated):
    for value, lookup in (
        (query.published_min, published + "__gte"),
        (query.published_max, published + "__lt"),
        (query.updated_min, updated + "__gte"),
        (query.updated_max, updated + "__lt"),
    ):
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    return queryset


def _page_rows(queryset, query, total):
    """The rows of the asked page: none (and no query) beyond the end."""
    offset = query.start_index - 1
    if offset >= total:
        return []
    return list(queryset[offset : offset + query.max_results])


def _for_entries(queryset, summary):
    queryset = queryset.for_cards()
    if not summary:
        # Cards leave the body out; full feeds need it (never the premium part).
        queryset = queryset.defer(None).defer("premium_body")
    return queryset


def find_labels(path_text):
    """
    The labels of `/-/LABEL`: the whole text when a label has that name
    (names may hold a slash), else Blogger's `A/B` (posts with both).
    None when any is unknown.
    """
    names = [path_text]
    parts = [part for part in path_text.split("/") if part]
    by_name = {
        label.name: label
        for label in Label.objects.filter(name__in=[path_text, *parts])
    }
    if path_text not in by_name:
        names = list(dict.fromkeys(parts))
    if not names or any(name not in by_name for name in names):
        return None
    return [by_name[name] for name in names]


def live_post_or_page_or_404(target_id):
    """
    The live post with this id, else the live page: Blogger numbers posts and
    pages in one series, so `/feeds/ID/comments/default` may be either's.
    """
    post = (
        Post.objects.published()
        .filter(_id_filter(target_id))
        .select_related("author", "featured_image")
        .first()
    )
    if post is not None:
        return post
    page = Page.objects.published().filter(_id_filter(target_id)).first()
    if page is None:
        raise Http404("No such post or page.")
    return page


def post_feed_page(request, query, *, summary=False, labels=None, post_id=None):
    """
    Live posts for a feed. `labels`: the `/-/LABEL` text (an unknown label is
    an empty feed, as on Blogger, so widgets keep working); `post_id`: one
    post's own address (404 when it is not live).
    """
    site = SiteSettings.load()
    queryset = Post.objects.published().annotate(
        feed_updated=Greatest("updated_at", "published_at")
    )
    found_labels = []
    if labels is not None:
        found_labels = find_labels(labels)
        if found_labels is None:
            queryset = queryset.none()
            found_labels = []
        for label in found_labels:
            queryset = queryset.filter(
                pk__in=LabeledPost.objects.filter(tag=label).values("content_object_id")
            )
    if post_id is not None:
        queryset = queryset.filter(_id_filter(post_id))
    if query.path:
        queryset = queryset.filter(permalink=query.path)
    queryset = _time_filters(queryset, query, "published_at", "feed_updated")
    ranked = False
    if query.text:
        parsed = parse_query(query.text)
        if not parsed:
            queryset = queryset.none()
        else:
            base, queryset = queryset, search_posts(parsed, queryset)
            ranked = bool(parsed.terms)
    total = queryset.count()
    if query.orderby == "updated":
        queryset = queryset.order_by("-feed_updated", "-id")
    elif query.orderby == "published" or not ranked:
        queryset = queryset.order_by("-published_at", "-id")
    if ranked and not query.orderby:
        # The page's ids in rank order first, then their posts.
        offset = query.start_index - 1
        rows = (
            ranked_page(parsed, base, offset, query.max_results)
            if offset < total
            else []
        )
        ids = [pk for pk, _moment, _snippet in rows]
        posts = _for_entries(Post.objects.filter(pk__in=ids), summary).in_bulk(ids)
        items = [posts[pk] for pk in ids if pk in posts]
    else:
        items = _page_rows(_for_entries(queryset, summary), query, total)
    if post_id is not None and not items:
        raise Http404("No such post.")
    return FeedPage(
        request=request,
        query=query,
        site=site,
        kind="posts",
        summary=summary,
        items=items,
        total=total,
        labels=found_labels,
        single=post_id is not None,
    )


def comment_feed_page(request, query, *, summary=False, post_id=None, comment_id=None):
    """
    Approved comments on live posts and pages, newest first; of one post
    with `post_id`. One comment (`comment_id`) is found under its post's or
    its page's id.
    """
    site = SiteSettings.load()
    post = None
    queryset = (
        Comment.objects.approved()
        .filter(live_post_filter("post__") | live_post_filter("page__"))
        .select_related("post", "page", "parent")
        .defer("post__body", "post__premium_body", "page__body", "email", "ip_address")
    )
    if comment_id is not None:
        queryset = queryset.filter(
            _id_filter(comment_id)
            & (_id_filter(post_id, "post__") | _id_filter(post_id, "page__"))
        )
    elif post_id is not None:
        post = live_post_or_page_or_404(post_id)
        queryset = queryset.filter(**{target_kind(post): post})
    if query.path:
        page_path = PAGE_PATH_RE.match(query.path)
        queryset = queryset.filter(
            Q(post__permalink=query.path)
            | Q(page__slug=page_path[1] if page_path else None)
        )
    queryset = _time_filters(queryset, query, "created_at", "created_at")
    total = queryset.count()
    items = _page_rows(queryset.order_by("-created_at", "-pk"), query, total)
    if comment_id is not None:
        if not items:
            raise Http404("No such comment.")
        post = items[0].target
    return FeedPage(
        request=request,
        query=query,
        site=site,
        kind="comments",
        summary=summary,
        items=items,
        total=total,
        post=post,
        single=comment_id is not None,
    )


# Atom and RSS 2.0.


class _FeedExtras:
    """Blogger's extra elements: openSearch counts, media thumbnails, threading."""

    def namespaces(self):
        return {
            "xmlns:openSearch": OPENSEARCH_NS,
            "xmlns:media": MEDIA_NS,
            "xmlns:thr": THREAD_NS,
        }

    def add_open_search(self, handler):
        handler.addQuickElement("openSearch:totalResults", str(self.feed["total"]))
        handler.addQuickElement("openSearch:startIndex", str(self.feed["start_index"]))
        handler.addQuickElement(
            "openSearch:itemsPerPage", str(self.feed["items_per_page"])
        )

    def add_extras(self, handler, item):
        thumbnail = item.get("thumbnail")
        if thumbnail is not None:
            handler.addQuickElement(
                "media:thumbnail",
                "",
                {
                    "url": thumbnail.url,
                    "height": str(thumbnail.height),
                    "width": str(thumbnail.width),
                },
            )
        if item.get("comment_count") is not None:
            handler.addQuickElement("thr:total", str(item["comment_count"]))
        if item.get("in_reply_to") is not None:
            handler.addQuickElement("thr:in-reply-to", "", item["in_reply_to"])


class AtomFeed(_FeedExtras, Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), **self.namespaces()}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("next_url"):
            handler.addQuickElement(
                "link",
                "",
                {
                    "rel": "next",
                    "type": "application/atom+xml",
                    "href": self.feed["next_url"],
                },
            )
        self.add_open_search(handler)

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html") is not None:
            handler.addQuickElement("content", item["content_html"], {"type": "html"})
        for link in item.get("extra_links", ()):
            handler.addQuickElement("link", "", link)
        self.add_extras(handler, item)


class RssFeed(_FeedExtras, Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), **self.namespaces()}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        self.add_open_search(handler)

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        self.add_extras(handler, item)


class PostsFeed(Feed):
    """Posts of a FeedPage as Atom or RSS (the framework's `item_*` hooks)."""

    def __init__(self, page, feed_type):
        self.page = page
        self.feed_type = feed_type
        # The same answer whatever the reader's language: feeds are shared.
        self.language = settings.LANGUAGE_CODE

    def get_object(self, request, *args, **kwargs):
        return self.page

    def title(self, page):
        return page.title

    def subtitle(self, page):
        return page.site.tagline or None

    def description(self, page):
        return page.site.tagline or page.site.name

    def link(self, page):
        return page.alternate_path

    def feed_url(self, page):
        return page.request.get_full_path()

    def feed_guid(self, page):
        return page.feed_id

    def author_name(self, page):
        return page.site.name

    def feed_extra_kwargs(self, page):
        return {
            "total": page.total,
            "start_index": page.query.start_index,
            "items_per_page": page.query.max_results,
            "next_url": page.next_url,
        }

    def items(self, page):
        return page.items

    def item_title(self, post):
        return post.title

    def item_link(self, post):
        return post.get_absolute_url()

    def item_guid(self, post):
        return self.page.entry_id(post)

    def item_guid_is_permalink(self, post):
        return False

    def item_description(self, post):
        if self.page.summary:
            return escape(post.summary)
        if self.feed_type is AtomFeed:
            return None  # the full text goes in <content>
        return self.page.body_html(post)

    def item_pubdate(self, post):
        return self.page.item_published(post)

    def item_updateddate(self, post):
        return self.page.item_updated(post)

    def item_author_name(self, post):
        return author_name(post.author, self.page.site)

    def item_categories(self, post):
        return [label.name for label in post.label_list]

    def item_comments(self, post):
        return self.page.absolute(post.get_absolute_url() + "#comments")

    def item_extra_kwargs(self, post):
        page = self.page
        extra = {
            "thumbnail": page.thumbnail(post),
            "comment_count": post.comment_count,
            "extra_links": [
                {
                    "rel": "replies",
                    "type": "application/atom+xml",
                    "href": page.post_comments_url(post),
                    "title": "Post Comments",
                },
                {
                    "rel": "replies",
                    "type": "text/html",
                    "href": page.absolute(post.get_absolute_url() + "#comment-form"),
                    "title": comments_title(post.comment_count),
                },
            ],
        }
        if not page.summary and self.feed_type is AtomFeed:
            extra["content_html"] = page.body_html(post)
        return extra


class CommentsFeed(PostsFeed):
    """Approved comments of a FeedPage as Atom or RSS."""

    def item_title(self, comment):
        return self.page.comment_title(comment)

    def item_link(self, comment):
        return comment.blogger_url

    def item_description(self, comment):
        if self.page.summary:
            return escape(comment.text)
        if self.feed_type is AtomFeed:
            return None
        return self.page.comment_body(comment)

    def item_author_name(self, comment):
        return comment.name

    def item_categories(self, comment):
        return []

    def item_comments(self, comment):
        return None

    def item_extra_kwargs(self, comment):
        page = self.page
        target = comment.target
        extra = {
            "in_reply_to": {
                "ref": page.target_tag_id(target),
                "href": page.absolute(target.get_absolute_url()),
                "type": "text/html",
            },
            "extra_links": [],
        }
        if comment.parent is not None:
            extra["extra_links"].append(
                {
                    "rel": "related",
                    "type": "application/atom+xml",
                    "href": page.comment_self_url(comment.parent, target),
                }
            )
        if not page.summary and self.feed_type is AtomFeed:
            extra["content_html"] = page.comment_body(comment)
        return extra


# JSON Feed 1.1.


def json_feed_document(page):
    """The page as a JSON Feed 1.1 document (https://jsonfeed.org/version/1.1)."""
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": page.title,
        "home_page_url": page.absolute(page.alternate_path),
        "feed_url": page.self_url,
        "description": page.site.tagline,
        "language": settings.LANGUAGE_CODE,
        "icon": page.author_image(),
        "authors": [{"name": str(page.site.name), "url": page.absolute("/")}],
        "items": [],
    }
    if page.next_url:
        document["next_url"] = page.next_url
    for item in page.items:
        if page.kind == "comments":
            entry = {
                "id": page.entry_id(item),
                "url": page.absolute(item.blogger_url),
                "title": page.comment_title(item),
                "authors": [{"name": item.name}],
                "date_published": blogger_time(item.created_at),
                "date_modified": blogger_time(item.created_at),
                "_in_reply_to": page.absolute(item.target.get_absolute_url()),
            }
            if page.summary:
                entry["content_text"] = item.text
            else:
                entry["content_html"] = page.comment_body(item)
        else:
            entry = {
                "id": page.entry_id(item),
                "url": page.absolute(item.get_absolute_url()),
                "title": item.title,
                "summary": item.summary,
                "date_published": blogger_time(item.published_at),
                "date_modified": blogger_time(page.item_updated(item)),
                "authors": [{"name": author_name(item.author, page.site)}],
                "tags": [label.name for label in item.label_list],
                "_newsroom": {"comment_count": item.comment_count},
            }
            if page.summary:
                entry["content_text"] = item.summary
            else:
                entry["content_html"] = page.body_html(item)
            if item.featured_image is not None:
                entry["image"] = page.absolute(
                    item.featured_image.url(thumbnails.CARD_2X)
                )
                entry["_newsroom"]["thumbnail"] = page.thumbnail(item).url
        document["items"].append(entry)
    return document


# JSONP (`alt=json-in-script`) runs as a script wherever it is loaded. Loaded
# from another site (a Blogger widget) it is what those sites ask for; loaded
# by a page of this site it would be a script from our own origin, which the
# Content-Security-Policy (`script-src 'self'`) lets run: markup slipped into
# a page could call any global function with our data. Browsers say where a
# request comes from and what it is for (Fetch Metadata): a same-origin
# request for anything but a page (a link followed) or a fetch()/XHR, which
# cannot run it, is refused.
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


# Views.


def last_modified_for(request, body):
    """
    When this address first answered exactly this body: Last-Modified moves
    whenever anything shown changes (a comment count, a label, a deleted
    post), not only when a post's own time does; never backwards.
    """
    key = (
        "feeds:lm:%s"
        % hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    )
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    now = int(timezone.now().timestamp())
    seen = cache.get(key)
    if seen is not None and seen[0] == digest:
        return seen[1]
    moment = now if seen is None else max(now, seen[1] + 1)
    cache.set(key, (digest, moment), timeout=LAST_MODIFIED_SECONDS)
    return moment


def render_feed(page):
    """The response in the format `alt` asks for."""
    alt = page.query.alt
    if alt in ("json", "json-in-script"):
        from blogger.json_feed import blogger_response

        if alt == "json-in-script" and same_origin_jsonp(page.request):
            return jsonp_refusal()
        response = blogger_response(page)
        if alt == "json-in-script":
            # Browser and CDN caches keep the answer for the origin that asked.
            patch_vary_headers(response, JSONP_VARY)
    elif alt == "jsonfeed":
        response = HttpResponse(
            json.dumps(json_feed_document(page), ensure_ascii=False),
            content_type=JSON_FEED_TYPE,
        )
    else:
        writer = AtomFeed if alt == "atom" else RssFeed
        feed_class = CommentsFeed if page.kind == "comments" else PostsFeed
        response = feed_class(page, writer)(page.request)
    # Feeds are public: any site's page may read them (Blogger widgets do).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Last-Modified"] = http_date(
        last_modified_for(page.request, response.content)
    )
    return response


@require_safe
def posts_feed(request, view, labels=None):
    """`/feeds/posts/default` and `/summary`, optionally `/-/LABEL`."""
    query = FeedQuery.from_request(request)
    page = post_feed_page(request, query, summary=view == "summary", labels=labels)
    return render_feed(page)


@require_safe
def post_entry(request, view, post_id):
    """`/feeds/posts/default/POSTID`: one live post (the entries' `self` link)."""
    query = FeedQuery.from_request(request)
    page = post_feed_page(request, query, summary=view == "summary", post_id=post_id)
    return render_feed(page)


@require_safe
def comments_feed(request, view, post_id=None):
    """`/feeds/comments/default` and `/feeds/POSTID/comments/default`."""
    query = FeedQuery.from_request(request)
    page = comment_feed_page(request, query, summary=view == "summary", post_id=post_id)
    return render_feed(page)


@require_safe
def comment_entry(request, view, post_id, comment_id):
    """`/feeds/POSTID/comments/default/COMMENTID`: one approved comment."""
    query = FeedQuery.from_request(request)
    page = comment_feed_page(
        request,
        query,
        summary=view == "summary",
        post_id=post_id,
        comment_id=comment_id,
    )
    return render_feed(page)
