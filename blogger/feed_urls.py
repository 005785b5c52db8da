"""
Feed addresses at Blogger's paths: /feeds/posts/default, per label, one post,
comments, and the blog's /atom.xml and /rss.xml. Every address answers every
`alt` (blogger/feed_views.py). `full` is Blogger's other name for the
`default` projection.
"""

from django.urls import re_path

from . import feed_views

app_name = "feeds"

VIEW = r"(?P<view>default|full|summary)"
POST_ID = r"(?P<post_id>[0-9]{1,40})"

urlpatterns = [
    # Blogger answers these directly (no redirect): the posts feed, Atom or RSS.
    re_path(r"^atom\.xml$", feed_views.site_feed, {"alt": "atom"}, name="atom"),
    re_path(r"^rss\.xml$", feed_views.site_feed, {"alt": "rss"}, name="rss"),
    re_path(r"^feeds/posts/%s/?$" % VIEW, feed_views.posts_feed, name="posts"),
    # The label is URL-quoted (`TOP%20STORY`); `A/B` means posts with both.
    re_path(
        r"^feeds/posts/%s/-/(?P<labels>.+?)/?$" % VIEW,
        feed_views.posts_feed,
        name="label",
    ),
    re_path(
        r"^feeds/posts/%s/%s/?$" % (VIEW, POST_ID), feed_views.post_entry, name="post"
    ),
    re_path(r"^feeds/comments/%s/?$" % VIEW, feed_views.comments_feed, name="comments"),
    re_path(
        r"^feeds/%s/comments/%s/?$" % (POST_ID, VIEW),
        feed_views.comments_feed,
        name="post_comments",
    ),
    re_path(
        r"^feeds/%s/comments/%s/(?P<comment_id>[0-9]{1,40})/?$" % (POST_ID, VIEW),
        feed_views.comment_entry,
        name="comment",
    ),
]
