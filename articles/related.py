"""
Related stories and the newer/older links under a post, in queries whose cost
does not grow with the number of posts.

RECOMMENDED FOR YOU (DESIGN 4.3) ranks live posts by the labels they share
with the post, each weighted by its rarity, then by recency. Scoring every
live post took 5.4 s at a million posts, so the ranking here scores a bounded
candidate set instead, in one query:

- the editor's live pins;
- for each of the post's labels, its CANDIDATES_PER_LABEL newest live posts
  (the label's rows and the date index find them);
- the newest live posts, which fill the list when too few share a label.

Within the candidates the rules are the design's, exactly (`rank_all()` is
the same ranking over every live post, and the tests compare the two). They
can differ only for a post whose labels are all large (more than
CANDIDATES_PER_LABEL live posts each): an older post sharing several of them,
but older than each one's newest CANDIDATES_PER_LABEL, is not found, and a
newer one sharing fewer of them takes its place. For posts sharing the same
labels the newest always come first, as before; every label with at most
CANDIDATES_PER_LABEL live posts is searched whole (docs/search.md, "Related
stories").
"""

from django.db.models import (
    Case,
    Count,
    Exists,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Ln

from . import counts
from .models import LabeledPost, MonthCount, Post, scheduled_q

# Newest live posts of each label taken as candidates: enough to fill the
# list many times over, few enough to score in a few milliseconds.
CANDIDATES_PER_LABEL = 200


def _one_row(queryset, aggregate):
    """A scalar subquery: `aggregate` over `queryset`'s rows (NULL when none)."""
    summed = queryset.order_by().values(group=Value(1)).annotate(n=aggregate)
    return Subquery(summed.values("n"))


def _live_total():
    """
    N, the live posts: the kept month counts (articles/counts.py) less the
    scheduled posts still to come, never below 1.
    """
    kept = Coalesce(_one_row(MonthCount.objects.all(), Sum("published")), 0)
    to_come = Coalesce(_one_row(Post.objects.filter(scheduled_q()), Count("pk")), 0)
    return Cast(Greatest(kept - to_come, 1), FloatField())


def _live_in(label):
    """df, the live posts carrying `label`, from the kept counts; at least 1."""
    kept = counts.labels_with_live_counts().filter(pk=label.pk).values("count")[:1]
    return Cast(Greatest(Coalesce(Subquery(kept), 0), 1), FloatField())


def _scored(queryset, post):
    """
    `queryset` annotated with `pinned` (an editor's pick for `post`) and
    `score`: the sum over shared labels of log(N / df), the rarity of the
    label among the N live posts (df of them carry it), both read from the
    kept counts (articles/counts.py) rather than counted.
    """
    total = _live_total()
    score = Value(0.0)
    for label in post.label_list:
        weight = Ln(total / _live_in(label))
        shares = Exists(
            LabeledPost.objects.filter(content_object=OuterRef("pk"), tag=label)
        )
        score = score + Case(
            When(shares, then=weight), default=Value(0.0), output_field=FloatField()
        )
    pins = Post.related_pinned.through.objects.filter(
        from_post=post.pk, to_post=OuterRef("pk")
    )
    return queryset.annotate(pinned=Exists(pins), score=score).order_by(
        "-pinned", "-score", "-published_at", "-id"
    )


def _others(post):
    """Live posts other than `post` and those its editor excluded."""
    excluded = Post.related_excluded.through.objects.filter(from_post=post.pk)
    return (
        Post.objects.published()
        .exclude(pk=post.pk)
        .exclude(pk__in=excluded.values("to_post"))
    )


def rank_all(post):
    """
    Every live post other than `post` (and its exclusions), best first: the
    editor's pins, then the shared labels' weight, then the newest. The
    design's ranking as one definition; it scores every live post, so pages
    use rank_candidates(), which tests hold to this one.
    """
    return _scored(_others(post), post)


def candidates(post, *, limit):
    """
    The ids (a subquery) that can appear among `post`'s first `limit`
    related posts: pins, each label's newest CANDIDATES_PER_LABEL live posts
    and the `limit` newest live posts, `post` itself and exclusions left out.
    """
    others = _others(post)
    pinned = Post.related_pinned.through.objects.filter(from_post=post.pk)
    parts = [
        others.filter(pk__in=pinned.values("to_post")).values("pk"),
        Post.objects.filter(pk__in=others.newest_first().values("pk")[:limit]).values(
            "pk"
        ),
    ]
    for label in post.label_list:
        newest = (
            others.filter(labeled_items__tag=label)
            .newest_first()
            .values("pk")[:CANDIDATES_PER_LABEL]
        )
        # Each part of a UNION wrapped in its own IN: SQLite refuses a
        # LIMIT directly inside a compound query.
        parts.append(Post.objects.filter(pk__in=newest).values("pk"))
    first, *rest = parts
    return first.union(*rest) if rest else first


def rank_candidates(post, *, limit):
    """
    `post`'s related posts, best first, annotated `pinned` and `score`: the
    design's ranking over the bounded candidate set. One query, whatever
    the number of posts.
    """
    return _scored(Post.objects.filter(Q(pk__in=candidates(post, limit=limit))), post)[
        :limit
    ]


def neighbours(post, queryset):
    """
    (newer, older): the next live post after `post` in (published_at, id)
    order and the one before, or None. Each is a range on the date index:
    the extra bound `published_at >= X` (or `<=`) lets the database start
    at X instead of testing the OR on every newer (or older) post.
    """
    if post.published_at is None:  # a draft's preview has no place in the order
        return None, None
    moment, pk = post.published_at, post.pk
    newer = (
        queryset.filter(published_at__gte=moment)
        .filter(Q(published_at__gt=moment) | Q(pk__gt=pk))
        .order_by("published_at", "id")
        .first()
    )
    older = (
        queryset.filter(published_at__lte=moment)
        .filter(Q(published_at__lt=moment) | Q(pk__lt=pk))
        .order_by("-published_at", "-id")
        .first()
    )
    return newer, older
