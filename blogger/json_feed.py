"""
Feeds in Blogger's JSON shape (`alt=json`) and as JSONP (`alt=json-in-script`).

Widgets written for Blogger (MagOne's blocks, related and recent posts) read
`feed.entry[i].title.$t`, the `alternate` link, `published.$t`,
`category[].term`, `media$thumbnail.url`, `thr$total.$t` and
`feed.openSearch$totalResults.$t`: every value is a string wrapped in
`{"$t": ...}`, attribute-like values are plain strings, and an empty feed has
no `entry` key at all. The rows come from articles.feeds.selection and
comments.feeds, like every format's; blogger/feed_views.py answers with
`blogger_response()`.
"""

import json

from django.http import HttpResponse

from articles.feeds.atom import MEDIA_NS, OPENSEARCH_NS, THREAD_NS
from articles.feeds.page import author_name, blogger_time, comments_title
from articles.feeds.params import DEFAULT_CALLBACK
from articles.selectors import label_counts
from pagecache.store import remember

ATOM_NS = "http://www.w3.org/2005/Atom"
BLOGGER_NS = "http://schemas.google.com/blogger/2008"
GDATA_NS = "http://schemas.google.com/g/2005"
CATEGORY_SCHEME = "http://www.blogger.com/atom/ns#"
ATOM_TYPE = "application/atom+xml"
# Blogger's e-mail for every author: addresses are never published.
HIDDEN_EMAIL = "noreply@blogger.com"


def text(value):
    return {"$t": str(value)}


def typed(kind, value):
    return {"type": kind, "$t": str(value)}


def author(page, name, uri=None):
    entry = {"name": text(name)}
    if uri is not None:
        entry["uri"] = text(uri)
    entry["email"] = text(HIDDEN_EMAIL)
    entry["gd$image"] = {
        "rel": GDATA_NS + "#thumbnail",
        "width": "16",
        "height": "16",
        "src": page.author_image(),
    }
    return entry


def post_entry(page, post):
    permalink = page.absolute(post.get_absolute_url())
    entry = {
        "id": text(page.entry_id(post)),
        "published": text(blogger_time(post.published_at)),
        "updated": text(blogger_time(page.item_updated(post))),
        "category": [
            {"scheme": CATEGORY_SCHEME, "term": label.name} for label in post.label_list
        ],
        "title": typed("text", post.title),
    }
    if page.summary:
        entry["summary"] = typed("text", post.summary)
    else:
        entry["content"] = typed("html", page.body_html(post))
    entry["link"] = [
        {
            "rel": "replies",
            "type": ATOM_TYPE,
            "href": page.post_comments_url(post),
            "title": "Post Comments",
        },
        {
            "rel": "replies",
            "type": "text/html",
            "href": permalink + "#comment-form",
            "title": comments_title(post.comment_count),
        },
        {"rel": "self", "type": ATOM_TYPE, "href": page.post_self_url(post)},
        {
            "rel": "alternate",
            "type": "text/html",
            "href": permalink,
            "title": post.title,
        },
    ]
    entry["author"] = [
        author(page, author_name(post.author, page.site), page.absolute("/"))
    ]
    thumbnail = page.thumbnail(post)
    if thumbnail is not None:
        entry["media$thumbnail"] = {
            "xmlns$media": MEDIA_NS,
            "url": thumbnail.url,
            "height": str(thumbnail.height),
            "width": str(thumbnail.width),
        }
    entry["thr$total"] = text(post.comment_count)
    return entry


def comment_entry(page, comment):
    target = comment.target  # a post or a page
    target_url = page.absolute(target.get_absolute_url())
    entry = {
        "id": text(page.entry_id(comment)),
        "published": text(blogger_time(comment.created_at)),
        "updated": text(blogger_time(comment.created_at)),
        "title": typed("text", page.comment_title(comment)),
    }
    if page.summary:
        entry["summary"] = typed("text", comment.text)
    else:
        entry["content"] = typed("html", page.comment_body(comment))
    entry["link"] = [
        {"rel": "self", "type": ATOM_TYPE, "href": page.comment_self_url(comment)},
        {
            "rel": "alternate",
            "type": "text/html",
            "href": page.absolute(comment.blogger_url),
            "title": "",
        },
    ]
    if comment.parent is not None:
        entry["link"].append(
            {
                "rel": "related",
                "type": ATOM_TYPE,
                "href": page.comment_self_url(comment.parent, target),
            }
        )
    entry["author"] = [author(page, comment.name)]
    reply_to = {
        "xmlns$thr": THREAD_NS,
        "href": target_url,
        "ref": page.target_tag_id(target),
    }
    if comment.post_id is not None:
        # Pages have no entry in the post feed to point at.
        reply_to["source"] = page.post_self_url(target)
    reply_to["type"] = "text/html"
    entry["thr$in-reply-to"] = reply_to
    return entry


def feed_links(page):
    links = [
        {
            "rel": GDATA_NS + "#feed",
            "type": ATOM_TYPE,
            "href": page.absolute(page.feed_path),
        },
        {"rel": "self", "type": ATOM_TYPE, "href": page.self_url},
        {
            "rel": "alternate",
            "type": "text/html",
            "href": page.absolute(page.alternate_path),
        },
    ]
    if page.next_url:
        links.append({"rel": "next", "type": ATOM_TYPE, "href": page.next_url})
    return links


def feed_document(page):
    """The page as Blogger's JSON: `{"version", "encoding", "feed": {...}}`."""
    feed = {
        "xmlns": ATOM_NS,
        "xmlns$openSearch": OPENSEARCH_NS,
        "xmlns$blogger": BLOGGER_NS,
        "xmlns$gd": GDATA_NS,
        "xmlns$thr": THREAD_NS,
        "id": text(page.feed_id),
        "updated": text(blogger_time(page.updated)),
    }
    if page.kind == "posts":
        # Every label with a live post, as Blogger lists the blog's labels.
        labels = remember(
            "label-counts", lambda: list(label_counts()), tags=["sidebar"]
        )
        feed["category"] = [{"term": label.name} for label in labels]
    feed["title"] = typed("text", page.title)
    feed["subtitle"] = typed("html", page.site.tagline)
    feed["link"] = feed_links(page)
    feed["author"] = [author(page, page.site.name, page.absolute("/"))]
    feed["generator"] = {
        "version": "1.0",
        "uri": page.absolute("/"),
        "$t": "Newsroom",
    }
    feed["openSearch$totalResults"] = text(page.total)
    feed["openSearch$startIndex"] = text(page.query.start_index)
    feed["openSearch$itemsPerPage"] = text(page.query.max_results)
    write = comment_entry if page.kind == "comments" else post_entry
    entries = [write(page, item) for item in page.items]
    if entries:
        feed["entry"] = entries
    return {"version": "1.0", "encoding": "UTF-8", "feed": feed}


def entry_document(page):
    """One entry's own address: Blogger answers the entry alone."""
    write = comment_entry if page.kind == "comments" else post_entry
    return {
        "version": "1.0",
        "encoding": "UTF-8",
        "entry": write(page, page.items[0]),
    }


def blogger_response(page):
    """`alt=json` as application/json; `alt=json-in-script` as a callback call."""
    document = entry_document(page) if page.single else feed_document(page)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    if page.query.alt == "json":
        return HttpResponse(body, content_type="application/json")
    # The callback was checked against ^[A-Za-z_$][A-Za-z0-9_.$]{0,63}$. The
    # leading comment keeps the response from starting with reader-chosen
    # bytes; U+2028/2029 are escaped for older script parsers.
    body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    response = HttpResponse(
        "// API callback\n%s(%s);" % (page.query.callback, body),
        content_type="text/javascript; charset=utf-8",
    )
    # The page cache keeps one answer for every callback and wraps each
    # reader's own around it (pagecache/middleware.py).
    response.jsonp_callback = page.query.callback
    response.jsonp_default_callback = DEFAULT_CALLBACK
    return response
