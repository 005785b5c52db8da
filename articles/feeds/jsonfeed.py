"""
JSON Feed 1.1 (https://jsonfeed.org/version/1.1), `alt=jsonfeed`.

`json_feed_document()` writes the feed around its items; `post_item()` writes
one post (`_newsroom` holds the comment count and thumbnail). Comment feeds
pass their own item writer (comments/feeds.py).
"""

from django.conf import settings

from .. import thumbnails
from .page import author_name, blogger_time

JSON_FEED_TYPE = "application/feed+json"


def post_item(page, post):
    """One post as a JSON Feed item."""
    item = {
        "id": page.entry_id(post),
        "url": page.absolute(post.get_absolute_url()),
        "title": post.title,
        "summary": post.summary,
        "date_published": blogger_time(post.published_at),
        "date_modified": blogger_time(page.item_updated(post)),
        "authors": [{"name": author_name(post.author, page.site)}],
        "tags": [label.name for label in post.label_list],
        "_newsroom": {"comment_count": post.comment_count},
    }
    if page.summary:
        item["content_text"] = post.summary
    else:
        item["content_html"] = page.body_html(post)
    if post.featured_image is not None:
        item["image"] = page.absolute(post.featured_image.url(thumbnails.CARD_2X))
        item["_newsroom"]["thumbnail"] = page.thumbnail(post).url
    return item


def json_feed_document(page, write_item=post_item):
    """The page as a JSON Feed 1.1 document, each row written by `write_item`."""
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
    for row in page.items:
        document["items"].append(write_item(page, row))
    return document
