"""
Which live posts a feed shows: `post_feed_page()`.

Every row starts from `Post.objects.published()`; the labels of `/-/LABEL`,
one post's own address, `path`, the time bounds, `q` (full text, ranked) and
the page window narrow it. Authors, images and comment counts come in the
rows' query and labels in one more, whatever the page's size. The helpers
for comment ids, time bounds and page windows serve comment feeds too; a
post's or page's number is its public id (articles.models.public_id_q).
"""

from functools import partial

from django.db.models import Q
from django.db.models.functions import Greatest
from django.http import Http404

from .. import counts
from ..models import Label, LabeledPost, Post, SiteSettings, public_id_q
from ..search import RANKING_TAGS, kept, parse_query, ranked_page, search_posts
from .page import FeedPage


def id_filter(value, prefix=""):
    """
    Comments whose Blogger id is `value`, or without one and with that
    primary key. Posts and pages have one numbering instead: public_id_q().
    """
    condition = Q(**{prefix + "blogger_id": value})
    if len(value) <= 18:
        condition |= Q(**{prefix + "blogger_id": "", prefix + "pk": int(value)})
    return condition


def time_filters(queryset, query, published, updated):
    """`queryset` within the query's published-/updated- bounds (these field names)."""
    for value, lookup in (
        (query.published_min, published + "__gte"),
        (query.published_max, published + "__lt"),
        (query.updated_min, updated + "__gte"),
        (query.updated_max, updated + "__lt"),
    ):
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    return queryset


def page_rows(queryset, query, total):
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


def _total(queryset, query, found_labels, labels, post_id, unbounded=None):
    """
    openSearch's total: the kept counts (articles/counts.py) for the whole
    feed, a label's, and two or three labels' together (`/-/A/B`,
    `/-/A/B/C`), so no render counts every live post. One address (a
    post's own, `path`) counts its row or none. Bounds of one time
    (published- or updated-) on the whole feed, one label's or two labels'
    together read the kept month and day counts and count only their two
    part days (_between()); bounds of both times
    take off what is outside the second from the first (_both_times()).
    What is left (four labels or more together, three with bounds, which
    are rare; `q`) is counted.
    Either way the total is kept (search.kept())
    until a change that can alter it: a post entering or leaving the lists
    (`lists`; relabelled, published, unpublished, rescheduled, deleted), its
    searched text or a label's name edited when `q` reads them, any edit
    with updated- bounds (`feeds`), or a scheduled post going live.
    """
    if post_id is not None or query.path:
        return queryset.count()
    published = (query.published_min, query.published_max)
    updated = (query.updated_min, query.updated_max)
    narrowed = query.text or any(v is not None for v in published + updated)
    if not narrowed and labels is None:
        return counts.live_post_count()
    if not narrowed and len(found_labels) == 1:
        return counts.live_label_count(found_labels[0])
    if not narrowed and len(found_labels) in counts.GROUP_MODELS:
        return counts.live_count_together(found_labels)
    compute = queryset.count
    if (labels is None or len(found_labels) in (1, 2)) and not query.text:
        # Bounds of one time only, on the whole feed, one label's or two
        # labels' together: whole months from the kept month counts.
        if all(value is None for value in updated):
            compute = partial(_between, "published", *published, queryset, found_labels)
        elif all(value is None for value in published):
            compute = partial(_between, "updated", *updated, queryset, found_labels)
        elif unbounded is not None:
            compute = partial(_both_times, query, unbounded, found_labels)
    tags = RANKING_TAGS if query.text else ["lists"]
    return kept(("feed-total",), queryset, tags, compute)


# The field of `queryset` that each kept month count goes by.
MONTH_FIELDS = {"published": "published_at", "updated": "feed_updated"}


def _between(by, low, high, queryset, labels=()):
    """
    The live posts of `queryset` (all, or those carrying `labels`, one or
    two), narrowed to [low, high) of one time only (`by`: "published", or
    "updated" for the feed time): the kept month counts
    (counts.months_with_live_counts()) for the whole months in the range,
    the kept day counts (counts.live_in_days()) for the whole days at its
    ends, and a count of the part days at its ends only, so a range of years
    counts at most two days' posts.
    """
    zone = counts.counting_zone()
    months = counts.months_with_live_counts(by, labels)
    if any(name != counts.zone_name(zone) for name, _start, _end, _live in months):
        return queryset.count()
    try:
        return _from_spans(by, low, high, queryset, zone, months, labels)
    except (OverflowError, ValueError):
        # A bound in the first or last days of the calendar (year 1 or
        # 9999), whose day's start or end the database cannot hold: count it.
        return queryset.count()


def _both_times(query, unbounded, labels):
    """
    The live posts of `unbounded` (all, or those carrying `labels`) within
    bounds of both times: published in [published-min, published-max) and
    with a feed time in [updated-min, updated-max). A feed time is never
    before the publication, so `updated-max` bounds the publication too, and
    `published-min` the feed time: the posts published in range come from
    the kept months (_between()), less those whose feed time is outside its
    range, counted. Those are the posts edited long after they went out, or
    out before `updated-min` (few: a range of a year against a million
    posts counts none, where counting the range read them all).
    """
    low, high = query.published_min, query.published_max
    updated_min, updated_max = query.updated_min, query.updated_max
    if updated_max is not None and (high is None or updated_max < high):
        high = updated_max
    if low is not None and high is not None and high <= low:
        return 0
    published = unbounded
    if low is not None:
        published = published.filter(published_at__gte=low)
    if high is not None:
        published = published.filter(published_at__lt=high)
    total = _between("published", low, high, published, labels)
    if updated_min is not None and (low is None or low < updated_min):
        total -= published.filter(feed_updated__lt=updated_min).count()
    if updated_max is not None:
        total -= published.filter(feed_updated__gte=updated_max).count()
    return total


def _inner(low, high, span_of, zone):
    """
    [first, last): the whole spans (days, months: `span_of`) within [low,
    high), from the end of low's span (its start when low starts it) to
    the start of high's; None for a side without a bound.
    """
    first = last = None
    if low is not None:
        start, end = span_of(low, zone)
        first = start if low == start else end
    if high is not None:
        last = span_of(high, zone)[0]
    return first, last


def _from_spans(by, low, high, queryset, zone, months, labels):
    field = MONTH_FIELDS[by]
    first, last = _inner(low, high, counts.day_of, zone)
    if first is not None and last is not None and first >= last:
        return queryset.count()  # within a day or two: count it
    month_first, month_last = _inner(first, last, counts.month_of, zone)
    if month_first is not None and month_last is not None and month_first >= month_last:
        # Within a month or two: whole days only.
        total = counts.live_in_days(by, labels, [(first, last)])
    else:
        total = sum(
            live
            for _zone, start, end, live in months
            if (month_first is None or start >= month_first)
            and (month_last is None or end <= month_last)
        )
        days = []
        if first is not None and first < month_first:
            days.append((first, month_first))
        if last is not None and month_last < last:
            days.append((month_last, last))
        total += counts.live_in_days(by, labels, days)
    # `queryset` is within [low, high) already: its part days at the ends.
    if low is not None and low < first:
        total += queryset.filter(**{field + "__lt": first}).count()
    if high is not None and last < high:
        total += queryset.filter(**{field + "__gte": last}).count()
    return total


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
        queryset = queryset.filter(public_id_q(post_id))
    if query.path:
        queryset = queryset.filter(permalink=query.path)
    unbounded, queryset = (
        queryset,
        time_filters(queryset, query, "published_at", "feed_updated"),
    )
    ranked = False
    if query.text:
        parsed = parse_query(query.text)
        if not parsed:
            queryset = queryset.none()
        else:
            base, queryset = queryset, search_posts(parsed, queryset)
            ranked = bool(parsed.terms)
    total = _total(queryset, query, found_labels, labels, post_id, unbounded)
    if query.orderby == "updated":
        queryset = queryset.order_by("-feed_updated", "-id")
    elif query.orderby == "published" or not ranked:
        queryset = queryset.order_by("-published_at", "-id")
    if ranked and query.orderby in ("", "relevance"):
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
        items = page_rows(_for_entries(queryset, summary), query, total)
    if post_id is not None and not items:
        raise Http404("No such post.")
    return FeedPage(
        request=request,
        query=query,
        site=site,
        summary=summary,
        items=items,
        total=total,
        labels=found_labels,
        single=post_id is not None,
    )
