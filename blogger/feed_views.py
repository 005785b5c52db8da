"""
The views at Blogger's feed addresses (blogger/feed_urls.py), every format.

Each view checks the parameters (articles.feeds.params), picks the rows
(articles.feeds.selection for posts, comments.feeds for comments) and
answers in the format `alt` asks for: Blogger's JSON and JSONP here
(json_feed.py), Atom, RSS and JSON Feed by the app that owns the rows. The
addresses are Blogger's, so this app composes them: it may import articles
and comments, which import neither it nor each other's feeds.
"""

from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from articles.feeds.params import FeedQuery
from articles.feeds.responses import public_feed_response, render_feed
from articles.feeds.selection import post_feed_page
from comments.feeds import comment_feed_page, render_comment_feed

from .json_feed import blogger_response
from .jsonp import JSONP_VARY, jsonp_refusal, same_origin_jsonp

BLOGGER_ALTS = ("json", "json-in-script")


def respond(page, render_other):
    """Blogger's JSON or JSONP for `alt=json` / `json-in-script`, else `render_other`."""
    alt = page.query.alt
    if alt not in BLOGGER_ALTS:
        return render_other(page)
    if alt == "json-in-script" and same_origin_jsonp(page.request):
        return jsonp_refusal()
    response = blogger_response(page)
    if alt == "json-in-script":
        # Browser and CDN caches keep the answer for the origin that asked.
        patch_vary_headers(response, JSONP_VARY)
    return public_feed_response(page, response)


@require_safe
def posts_feed(request, view, labels=None):
    """`/feeds/posts/default` (or `/full`) and `/summary`, optionally `/-/LABEL`."""
    query = FeedQuery.from_request(request)
    page = post_feed_page(request, query, summary=view == "summary", labels=labels)
    return respond(page, render_feed)


@require_safe
def site_feed(request, alt):
    """
    `/atom.xml` and `/rss.xml`: `/feeds/posts/default` in that format unless
    `alt` asks for another, answered directly as Blogger does.
    """
    query = FeedQuery.from_request(request, default_alt=alt)
    return respond(post_feed_page(request, query), render_feed)


@require_safe
def post_entry(request, view, post_id):
    """`/feeds/posts/default/POSTID`: one live post (the entries' `self` link)."""
    query = FeedQuery.from_request(request)
    page = post_feed_page(request, query, summary=view == "summary", post_id=post_id)
    return respond(page, render_feed)


@require_safe
def comments_feed(request, view, post_id=None):
    """`/feeds/comments/default` and `/feeds/POSTID/comments/default`."""
    query = FeedQuery.from_request(request)
    page = comment_feed_page(request, query, summary=view == "summary", post_id=post_id)
    return respond(page, render_comment_feed)


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
    return respond(page, render_comment_feed)
