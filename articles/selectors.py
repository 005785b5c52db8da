"""Reads that span tables: label counts, the archive and related stories."""

import hashlib

from django.core.cache import cache
from django.db.models import (
    Case,
    Value,
    When,
)
from django.utils import timezone

from pagecache import store

from . import counts
from .models import Post
from .related import rank_all, rank_candidates


def label_counts():
    """
    Labels with the number of live posts carrying each (`count`), in
    case-insensitive alphabetical order; labels with no live post are left
    out. Read from the kept counts (articles/counts.py): one query.
    """
    return counts.label_counts()


def archive_months():
    """
    (month start, live post count) pairs, newest month first, in the site's
    time zone, from the kept counts (articles/counts.py): one query.
    """
    return counts.archive_months()


RELATED_LIMIT = 6
# A safety net only: saves, deletes and label changes end a cached list at
# once; a bulk queryset.update() sends no signal and is caught here.
RELATED_CACHE_SECONDS = 3600


def rank_related_posts(post):
    """
    Every live post other than `post`, best first (related.rank_all()): the
    design's ranking, which pages read through the bounded candidate set.
    """
    return rank_all(post)


def related_tags(post):
    """
    The page cache's tags of what can reorder a post's related list: a post
    entering or leaving the lists (`lists`, which a label change of any post
    purges too) and the post's own pins and exclusions (`related:<id>`). An
    edit that moves nothing, or a comment, leaves every list as it was.
    """
    return ["lists", "related:%d" % post.pk]


def _related_ids(post, limit):
    versions = store.versions(related_tags(post))
    stamp = hashlib.blake2b(
        repr(sorted(versions.items())).encode(), digest_size=8
    ).hexdigest()
    key = "articles:related:%s:%s:%s" % (stamp, post.pk, limit)
    entry = cache.get(key)
    if entry is not None and (
        entry["until"] is None or timezone.now() < entry["until"]
    ):
        return entry["ids"]
    # A scheduled post going live changes the list without any save. Read
    # before ranking: one going live while the list is ranked ends it at once.
    until = (
        Post.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    ids = list(rank_candidates(post, limit=limit).values_list("pk", flat=True))
    cache.set(key, {"ids": ids, "until": until}, RELATED_CACHE_SECONDS)
    return ids


def related_posts(post, *, limit=RELATED_LIMIT):
    """
    RECOMMENDED FOR YOU under `post`: up to `limit` live posts ranked by
    related.rank_candidates(), the design's ranking over a bounded candidate
    set. The ranking is cached until a change that can reorder it
    (related_tags(), or a scheduled post going live), so a page pays one query.
    """
    ids = _related_ids(post, limit)
    if not ids:
        return Post.objects.none()
    rank = Case(*[When(pk=pk, then=Value(place)) for place, pk in enumerate(ids)])
    return (
        Post.objects.published()
        .filter(pk__in=ids)
        .defer("body", "premium_body")
        .order_by(rank)
    )


def lead_post_id(site):
    """
    The id of the home page's lead story: the post editors pinned
    (`SiteSettings.lead_post`) while it is live, else the newest live post
    with the featured label; None when there is neither. One query, two
    when a pinned post is no longer live.
    """
    live = Post.objects.published()
    if site.lead_post_id:
        pinned = live.filter(pk=site.lead_post_id).values_list("pk", flat=True)
        if pinned := pinned.first():
            return pinned
    featured = live.filter(labeled_items__tag__name=site.featured_label)
    return featured.newest_first().values_list("pk", flat=True).first()


# Cards in a home label block: one full row of the desktop grid, and short
# enough on a phone (the whole home page stays within six screens).
HOME_BLOCK_ROW = 3
HOME_BLOCK_SIZE = 3


def home_blocks(names, shown=()):
    """
    The home page's label blocks: for each label in `names`, its newest live
    posts not already on the page (`shown`: the lead and Latest's ids) nor
    in an earlier block, as full rows of HOME_BLOCK_ROW cards (a label with
    fewer left shows what it has). One query per label, whatever the data.
    """
    shown = set(shown)
    blocks = []
    for name in names:
        posts = list(
            Post.objects.published()
            .filter(labeled_items__tag__name=name)
            .exclude(pk__in=shown)
            .for_cards()
            .newest_first()[:HOME_BLOCK_SIZE]
        )
        if len(posts) > HOME_BLOCK_ROW:
            posts = posts[: len(posts) - len(posts) % HOME_BLOCK_ROW]
        if posts:
            blocks.append({"name": name, "posts": posts})
            shown.update(post.pk for post in posts)
    return blocks
