"""
openSearch$totalResults of narrowed feeds (labels together, time bounds, `q`):
counted once and kept until a change that can alter it, so it always equals
a plain count, and a render again costs fewer queries, whatever the size.
"""

import json
from datetime import datetime, timedelta
from itertools import product
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.functions import Greatest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Post, Status
from articles.search import search_posts
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def moment(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def total(client, address):
    address += ("&" if "?" in address else "?") + "alt=json"
    response = client.get(address)
    assert response.status_code == 200
    return int(json.loads(response.content)["feed"]["openSearch$totalResults"]["$t"])


def feeds(start):
    """Each narrowed feed's address and its plain count, made now."""

    def live():  # read at each count: what is live moves with the time
        return Post.objects.published()

    low, high = start - timedelta(minutes=100), start - timedelta(minutes=5)
    updated_low = start - timedelta(minutes=1)
    return {
        "/feeds/posts/default/-/Coast/Ferry": lambda: (
            live()
            .filter(labeled_items__tag__name="Coast")
            .filter(labeled_items__tag__name="Ferry")
            .count()
        ),
        "/feeds/posts/summary?published-min=%s&published-max=%s"
        % (quote(low.isoformat()), quote(high.isoformat())): lambda: (
            live().filter(published_at__gte=low, published_at__lt=high).count()
        ),
        "/feeds/posts/default?updated-min=%s"
        % quote(updated_low.isoformat()): lambda: (
            live()
            .annotate(seen=Greatest("updated_at", "published_at"))
            .filter(seen__gte=updated_low)
            .count()
        ),
        "/feeds/posts/default?q=ferry": lambda: search_posts("ferry").count(),
        '/feeds/posts/default?q=label:"Coast"': lambda: (
            live().filter(labeled_items__tag__name="Coast").count()
        ),
    }


def assert_exact(client, expected):
    for address, count in expected.items():
        assert total(client, address) == count(), address


def test_narrowed_totals_stay_exact_through_every_change(client, frozen_now):
    first = make_post(
        title="Ferry strike", labels=["Coast", "Ferry"], published_at=moment(-30)
    )
    second = make_post(title="Harbour wall", labels=["Coast"], published_at=moment(-50))
    third = make_post(title="Ferry fares", labels=["Ferry"], published_at=moment(-200))
    fourth = make_post(
        title="Harbour lights", labels=["Coast"], published_at=moment(-60)
    )
    make_draft(title="Ferry draft", labels=["Coast", "Ferry"])
    make_scheduled(
        delay=timedelta(minutes=30), title="Ferry timetable", labels=["Coast", "Ferry"]
    )
    # Ten minutes on, nothing was updated in the last minute.
    frozen_now.shift(timedelta(minutes=10))
    start = timezone.now()
    expected = feeds(start)
    assert_exact(client, expected)
    assert [total(client, address) for address in expected] == [1, 3, 0, 2, 3]
    # Published, unpublished, relabelled, deleted.
    make_post(
        title="Ferry returns", labels=["Coast", "Ferry"], published_at=moment(-20)
    )
    assert_exact(client, expected)
    first.status = Status.DRAFT
    first.save()
    assert_exact(client, expected)
    second.set_labels(["Coast", "Ferry"])
    assert_exact(client, expected)
    third.delete()
    assert_exact(client, expected)
    # Edited in place: the words `q` finds, and the updated time.
    before = total(client, "/feeds/posts/default?q=ferry")
    fourth.title = "Harbour ferry lights"
    fourth.save()
    assert_exact(client, expected)
    assert total(client, "/feeds/posts/default?q=ferry") == before + 1
    # A scheduled post goes live by itself, with no save.
    frozen_now.shift(timedelta(minutes=21))
    assert_exact(client, expected)
    assert total(client, "/feeds/posts/default/-/Coast/Ferry") == 3


@pytest.mark.parametrize(
    "address",
    [
        # Two or three labels together read a kept count (tests/articles/
        # test_pair_counts.py); four, or three with bounds, are counted
        # once and kept.
        "/feeds/posts/default/-/Coast/Ferry/Harbour/Night?max-results=2",
        "/feeds/posts/default/-/Coast/Ferry/Harbour"
        "?published-min=2026-01-01T00:00:00Z&max-results=2",
        "/feeds/posts/default?published-min=2026-01-01T00:00:00Z&max-results=2",
        "/feeds/posts/default?q=ferry&max-results=2",
    ],
)
def test_a_narrowed_feed_again_counts_nothing_whatever_the_size(
    client, frozen_now, django_assert_num_queries, address
):
    def build(numbers):
        for number in numbers:
            make_post(
                title="Ferry story %d" % number,
                labels=["Coast", "Ferry", "Harbour", "Night"],
                published_at=moment(-number - 1),
            )

    build(range(3))
    client.get(address)  # the site settings row is read once, then cached
    build(range(3, 6))
    with CaptureQueriesContext(connection) as first:
        client.get(address)
    with CaptureQueriesContext(connection) as again:
        client.get(address)
    counting = [
        q for q in first.captured_queries if q["sql"].startswith("SELECT COUNT(")
    ]
    assert len(counting) == 1  # the total, counted once...
    assert not any(q["sql"].startswith("SELECT COUNT(") for q in again.captured_queries)
    assert len(again.captured_queries) < len(first.captured_queries)
    build(range(6, 60))
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(address)
    with django_assert_num_queries(len(again.captured_queries)):
        client.get(address)
    assert total(client, address) == 60


def at(year, month, day, hour=12):
    """A moment in the site's time zone."""
    return timezone.make_aware(
        datetime(year, month, day, hour), timezone.get_current_timezone()
    )


def narrowed(plain, label, ranges):
    """
    A feed's address within `ranges` ([(name, field, (low, high))], either
    end None), of `label` ("A/B" for two together, None for all), and
    `plain` narrowed the same way.
    """
    params, rows = [], plain
    for name in label.split("/") if label else []:
        rows = rows.filter(pk__in=Post.objects.filter(labeled_items__tag__name=name))
    for name, field, (low, high) in ranges:
        if low is not None:
            params.append("%s-min=%s" % (name, quote(low.isoformat())))
            rows = rows.filter(**{field + "__gte": low})
        if high is not None:
            params.append("%s-max=%s" % (name, quote(high.isoformat())))
            rows = rows.filter(**{field + "__lt": high})
    address = "/feeds/posts/default%s?%s" % (
        "/-/" + label if label else "",
        "&".join(params),
    )
    return address, rows


def test_time_bounds_add_whole_months_to_their_ends(client, frozen_now):
    """
    Months from the kept counts, the part months at the ends counted: the
    same totals as a plain count, for any published- or updated- bounds,
    on the whole feed, a label's and two labels' together, through changes.
    A post's updated time (the later of its two) is its publication time,
    or an edit's when it was edited later.
    """
    posts = []
    for year, month in [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]:
        for day in (1, 15, 28):
            # Written three days after its time: the 28th's updated time is
            # in the next month.
            frozen_now.move_to(at(year, month, day) + timedelta(days=3))
            posts.append(
                make_post(
                    title="Post %d" % day,
                    published_at=at(year, month, day),
                    labels=[["Coast"], ["Ferry"], ["Coast", "Ferry"]][len(posts) % 3],
                )
            )
    frozen_now.move_to(FROZEN_NOW)
    make_post(title="March", published_at=at(2026, 3, 1), labels=["Coast"])
    make_scheduled(delay=timedelta(days=2), title="Soon", labels=["Coast"])
    make_draft(title="Draft")
    bounds = [
        (at(2025, 12, 10), at(2026, 2, 20)),
        (at(2025, 12, 1, 0), at(2026, 2, 1, 0)),
        (at(2025, 11, 20), None),
        (None, at(2026, 1, 15, 12)),
        (at(2026, 1, 2), at(2026, 1, 20)),
        (at(2025, 12, 20), at(2026, 1, 10)),
        (at(2026, 2, 1, 0), at(2026, 4, 1, 0)),
    ]

    def check():
        # Made at each check: what is live moves with the time.
        plain = Post.objects.published().annotate(
            updated=Greatest("updated_at", "published_at")
        )
        for limits, label in product(bounds, [None, "Coast", "Coast/Ferry"]):
            for name, field in (("published", "published_at"), ("updated", "updated")):
                address, rows = narrowed(plain, label, [(name, field, limits)])
                assert total(client, address) == rows.count(), (name, limits, label)

    check()
    posts[4].status = Status.DRAFT  # mid-December
    posts[4].save()
    check()
    posts[7].published_at = at(2026, 2, 10)
    posts[7].save()
    check()
    posts[9].title = "Edited in March"  # its updated time moves to now
    posts[9].save()
    check()
    posts[2].delete()
    check()
    posts[5].set_labels(["Ferry"])  # leaves Coast
    check()
    posts[6].set_labels(["Coast"])  # joins it
    check()
    frozen_now.shift(timedelta(days=3))  # "Soon" goes live
    check()
    # Three months of posts cost what any number of months would: the
    # months' row and at most two part months counted.
    for name, label in product(
        ("published", "updated"), ("", "/-/Coast", "/-/Coast/Ferry")
    ):
        address = "/feeds/posts/default%s?%s-min=%s&%s-max=%s" % (
            label,
            name,
            quote(at(2025, 11, 20).isoformat()),
            name,
            quote(at(2026, 2, 20).isoformat()),
        )
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(address)
        counting = [q["sql"] for q in cold.captured_queries if "COUNT(" in q["sql"]]
        assert len([sql for sql in counting if sql.startswith("SELECT COUNT(")]) == 2


def test_a_range_counts_only_the_posts_of_its_two_part_days(
    client, frozen_now, monkeypatch
):
    """
    Whole months and whole days come from the kept counts: what is counted
    is the posts of the two days the bounds fall in, however many the part
    months hold (a month held 40,000 posts of the million-post demo).
    """
    start = at(2025, 11, 20)
    for day in range(57):  # a post a day, 20 November to 15 January
        frozen_now.move_to(start + timedelta(days=day, hours=1))
        make_post(
            title="Day %d" % day,
            published_at=start + timedelta(days=day),
            labels=["Coast", "Ferry"],
        )
    frozen_now.move_to(FROZEN_NOW)
    counted = []
    count = Post.objects.none().__class__.count

    def recording(queryset):
        counted.append(count(queryset))
        return counted[-1]

    plain = Post.objects.published().annotate(
        updated=Greatest("updated_at", "published_at")
    )
    ranges = [
        (at(2025, 12, 10, 6), at(2025, 12, 20, 18)),  # within a month
        (at(2025, 11, 25, 6), at(2026, 1, 10, 18)),  # across whole months
        (at(2025, 12, 3, 6), None),
    ]
    for limits, label in product(ranges, [None, "Coast", "Coast/Ferry"]):
        for name, field in (("published", "published_at"), ("updated", "updated")):
            address, rows = narrowed(plain, label, [(name, field, limits)])
            expected = rows.count()
            cache.clear()
            counted.clear()
            with monkeypatch.context() as patch:
                patch.setattr(type(Post.objects.all()), "count", recording)
                assert total(client, address) == expected
            # The post of each bound's day, at most: never a month's.
            assert counted and max(counted) <= 1, (name, limits, label, counted)


def test_bounds_of_both_times_give_the_count_of_their_posts(client, frozen_now):
    """
    published- and updated- bounds together: the posts published in range
    (kept months), less those whose feed time is outside the other range;
    the same totals as a plain count, whatever the two ranges' order, on the
    whole feed, a label's and two labels' together, through edits.
    """
    posts = []
    for year, month in [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]:
        for day in (1, 15, 28):
            # Some written days after their time, some edited a month later.
            frozen_now.move_to(at(year, month, day) + timedelta(days=day % 4))
            posts.append(
                make_post(
                    title="Post %d" % day,
                    published_at=at(year, month, day),
                    labels=[["Coast"], ["Ferry"], ["Coast", "Ferry"]][len(posts) % 3],
                )
            )
            if day == 15:
                frozen_now.shift(timedelta(days=35))
                posts[-1].title += " (edited)"
                posts[-1].save()
    frozen_now.move_to(FROZEN_NOW)
    make_scheduled(delay=timedelta(days=2), title="Soon", labels=["Coast"])
    ranges = [
        (at(2025, 12, 10), at(2026, 2, 20)),
        (at(2025, 11, 20), None),
        (None, at(2026, 1, 15, 12)),
        (at(2026, 1, 2), at(2026, 1, 20)),
        (at(2026, 2, 1, 0), None),
    ]

    def check():
        plain = Post.objects.published().annotate(
            updated=Greatest("updated_at", "published_at")
        )
        for published, updated, label in product(
            ranges, ranges, [None, "Coast", "Coast/Ferry"]
        ):
            address, rows = narrowed(
                plain,
                label,
                [
                    ("published", "published_at", published),
                    ("updated", "updated", updated),
                ],
            )
            assert total(client, address) == rows.count(), (published, updated, label)

    check()
    posts[3].title = "Edited in March"  # its feed time moves to now
    posts[3].save()
    posts[8].status = Status.DRAFT
    posts[8].save()
    check()
    frozen_now.shift(timedelta(days=3))  # "Soon" goes live
    check()
