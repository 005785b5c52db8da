"""
Comment feeds: `/feeds/comments/default` (approved comments on live posts and
pages, as Blogger's lists both), `/feeds/POSTID/comments/default` (one post's
or page's) and `/feeds/POSTID/comments/default/COMMENTID` (one comment).

`comment_feed_page()` picks the rows into a `CommentFeedPage` (a FeedPage
whose entries are comments); `CommentsFeed` writes them as Atom or RSS and
`comment_item()` as JSON Feed, through articles.feeds' writers;
`render_comment_feed()` answers in either. Blogger's JSON for the same pages
is blogger/json_feed.py, and the addresses are blogger/feed_urls.py.
"""

import re
from dataclasses import dataclass
from typing import ClassVar

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import Truncator

from articles.feeds.atom import AtomFeed, PostsFeed
from articles.feeds.page import FeedPage, blogger_time, post_feed_id
from articles.feeds.responses import render_feed
from articles.feeds.selection import id_filter, page_rows, time_filters
from articles.models import (
    LARGEST_ID,
    ContentId,
    OldPublicId,
    Page,
    Post,
    SiteSettings,
    public_id_q,
    visible_q,
)

from .models import Comment, target_kind
from .text import comment_html

PAGE_PATH_RE = re.compile(r"^/p/([^/]+)\.html$")
# A post's or page's comment feed, or one comment's, by its public id.
TARGET_FEED_PATH_RE = re.compile(r"^/feeds/([0-9]{1,40})/comments/(.*)$")


def comment_feed_id(comment):
    return comment.blogger_id or str(comment.pk)


def live_post_or_page_or_404(target_id):
    """
    The live post with this public id, else the live page: posts and pages
    share one numbering (articles.models.ContentId), as on Blogger, so
    `/feeds/ID/comments/default` is one or the other's.
    """
    post = (
        Post.objects.published()
        .filter(public_id_q(target_id))
        .select_related("author", "featured_image")
        .first()
    )
    if post is not None:
        return post
    page = Page.objects.published().filter(public_id_q(target_id)).first()
    if page is None:
        raise Http404("No such post or page.")
    return page


def renumbered_path(path):
    """
    Where `/feeds/OLD/comments/...` (any view, one comment's too) now is when
    OLD is the number a page had before posts and pages shared one numbering
    (articles.models.OldPublicId): the same address with its new number,
    while no post or page has OLD. None otherwise. Two queries, only for
    such paths.
    """
    match = TARGET_FEED_PATH_RE.match(path)
    if match is None or not 0 < int(match[1]) <= LARGEST_ID:
        return None
    number = int(match[1])
    moved = (
        OldPublicId.objects.filter(number=number)
        .values_list("post__public_id", "page__public_id")
        .first()
    )
    if moved is None:
        return None
    owned = ContentId.objects.filter(
        Q(post__isnull=False) | Q(page__isnull=False), id=number
    )
    if owned.exists():
        return None
    return "/feeds/%s/comments/%s" % (moved[0] or moved[1], match[2])


@dataclass
class CommentFeedPage(FeedPage):
    """One page of a comment feed; `post` is the post or page it is about, if one."""

    kind: ClassVar[str] = "comments"

    post: Post | Page | None = None

    @property
    def alternate_path(self):
        if self.post is not None:
            return self.post.get_absolute_url()
        return reverse("articles:home")

    @property
    def title(self):
        if self.post is not None:
            return "Comments on %s: %s" % (self.site.name, self.post.title)
        return "%s: Comments" % self.site.name

    @property
    def feed_id(self):
        if self.post is not None:
            return "%s.%s%s..comments" % (
                self.blog_id,
                target_kind(self.post),
                post_feed_id(self.post),
            )
        return self.blog_id + ".comments"

    def entry_id(self, item):
        return self.tag_id(comment_feed_id(item))

    def target_tag_id(self, target):
        """The post's or page's id as Blogger's export writes it (`.post-N`, `.page-N`)."""
        kind = "page" if isinstance(target, Page) else "post"
        return self.tag_id(post_feed_id(target), kind)

    def item_published(self, item):
        return item.created_at

    def item_updated(self, item):
        return item.created_at

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

    def comment_body(self, comment):
        return str(comment_html(comment.text))

    def comment_title(self, comment):
        return Truncator(" ".join(comment.text.split())).chars(60)


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
        .filter(visible_q("post__") | visible_q("page__"))
        .select_related("post", "page", "parent")
        .defer("post__body", "post__premium_body", "page__body", "email", "ip_address")
    )
    if comment_id is not None:
        queryset = queryset.filter(
            id_filter(comment_id)
            & (public_id_q(post_id, "post__") | public_id_q(post_id, "page__"))
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
    queryset = time_filters(queryset, query, "created_at", "created_at")
    total = queryset.count()
    items = page_rows(queryset.order_by("-created_at", "-pk"), query, total)
    if comment_id is not None:
        if not items:
            raise Http404("No such comment.")
        post = items[0].target
    return CommentFeedPage(
        request=request,
        query=query,
        site=site,
        summary=summary,
        items=items,
        total=total,
        post=post,
        single=comment_id is not None,
    )


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


def comment_item(page, comment):
    """One comment as a JSON Feed item."""
    item = {
        "id": page.entry_id(comment),
        "url": page.absolute(comment.blogger_url),
        "title": page.comment_title(comment),
        "authors": [{"name": comment.name}],
        "date_published": blogger_time(comment.created_at),
        "date_modified": blogger_time(comment.created_at),
        "_in_reply_to": page.absolute(comment.target.get_absolute_url()),
    }
    if page.summary:
        item["content_text"] = comment.text
    else:
        item["content_html"] = page.comment_body(comment)
    return item


def render_comment_feed(page):
    """The comment page as Atom, RSS or JSON Feed."""
    return render_feed(page, feed_class=CommentsFeed, write_item=comment_item)
