"""
Atom 1.0 and RSS 2.0, written with Django's syndication framework.

`AtomFeed` and `RssFeed` add Blogger's extra elements (openSearch counts,
`media:thumbnail`, `thr:total`, `thr:in-reply-to`, `link rel="next"`) to
Django's writers; `PostsFeed` fills them from a FeedPage of posts through
the framework's `item_*` hooks. comments/feeds.py subclasses it for comments.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from .page import author_name, comments_title

MEDIA_NS = "http://search.yahoo.com/mrss/"
THREAD_NS = "http://purl.org/syndication/thread/1.0"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearchrss/1.0/"


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
