"""
Kept counts of labels together (articles/counts.py, LabelPairCount and
LabelTripleCount): the total of `/feeds/posts/default/-/A/B` (Blogger's A
AND B) and of `/-/A/B/C` is the kept pair or triple count less its posts
still to come, never a count of the posts. Each test changes the site one
way and checks every pair and triple against the posts.
"""

import io
import json
from datetime import timedelta
from itertools import combinations
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import counts, publishing
from articles.labels import label_merge, label_rename
from articles.models import (
    Label,
    LabeledPost,
    LabelPairCount,
    LabelTripleCount,
    Post,
    Status,
)
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def posts_with(labels):
    posts = Post.objects.all()
    for label in labels:
        posts = posts.filter(labeled_items__tag=label)
    return posts


def groups():
    """Every pair and every triple of labels, smaller ids first."""
    labels = sorted(Label.objects.all(), key=lambda label: label.pk)
    return [*combinations(labels, 2), *combinations(labels, 3)]


def kept():
    """{names: (kept published, live read)} of every pair and triple of labels."""
    rows = {
        (row.first_id, row.second_id): row.published
        for row in LabelPairCount.objects.all()
    }
    rows.update(
        ((row.first_id, row.second_id, row.third_id), row.published)
        for row in LabelTripleCount.objects.all()
    )
    return {
        tuple(label.name for label in group): (
            rows.get(tuple(label.pk for label in group), 0),
            counts.live_count_together(group),
        )
        for group in groups()
    }


def scanned():
    """The same, counted from the posts themselves."""
    return {
        tuple(label.name for label in group): (
            posts_with(group)
            .filter(status=Status.PUBLISHED, published_at__isnull=False)
            .count(),
            posts_with(group).published().count(),
        )
        for group in groups()
    }


def assert_exact():
    shown = kept()
    assert shown == scanned()
    # No row of a group that has no label left.
    assert LabelPairCount.objects.count() + LabelTripleCount.objects.count() <= len(
        shown
    )
    return {group: live for group, (_published, live) in shown.items() if live}


def total(client, *names):
    address = "/feeds/posts/default/-/%s?alt=json&max-results=1" % "/".join(
        quote(name) for name in names
    )
    response = client.get(address)
    assert response.status_code == 200
    return int(json.loads(response.content)["feed"]["openSearch$totalResults"]["$t"])


@pytest.fixture
def site(frozen_now):
    return {
        "both": make_post(labels=["TOP STORY", "AROUND THE GLOBE", "KERALA"]),
        "two": make_post(labels=["TOP STORY", "AROUND THE GLOBE"]),
        "one": make_post(labels=["TOP STORY", "KERALA"]),
        "draft": make_draft(labels=["TOP STORY", "AROUND THE GLOBE"]),
        "later": make_scheduled(
            delay=timedelta(days=1), labels=["TOP STORY", "AROUND THE GLOBE"]
        ),
    }


def test_publishing_unpublishing_and_deleting_move_the_pairs(site, client):
    assert total(client, "TOP STORY", "AROUND THE GLOBE") == 2
    assert assert_exact() == {
        ("TOP STORY", "AROUND THE GLOBE"): 2,
        ("TOP STORY", "KERALA"): 2,
        ("AROUND THE GLOBE", "KERALA"): 1,
        ("TOP STORY", "AROUND THE GLOBE", "KERALA"): 1,
    }
    assert total(client, "KERALA", "TOP STORY", "AROUND THE GLOBE") == 1
    publishing.publish_now(post=site["draft"], user=None)
    assert total(client, "TOP STORY", "AROUND THE GLOBE") == 3
    publishing.unpublish(post=site["both"], user=None)
    assert total(client, "AROUND THE GLOBE", "TOP STORY") == 2  # either order
    assert assert_exact()[("TOP STORY", "KERALA")] == 1
    assert total(client, "KERALA", "TOP STORY", "AROUND THE GLOBE") == 0
    publishing.reschedule(
        post=site["later"], user=None, at=FROZEN_NOW + timedelta(days=3)
    )
    site["two"].delete()
    assert total(client, "TOP STORY", "AROUND THE GLOBE") == 1
    Post.objects.filter(pk__in=[site["draft"].pk, site["one"].pk]).delete()
    assert assert_exact() == {}
    assert total(client, "TOP STORY", "AROUND THE GLOBE") == 0


def test_labels_added_removed_cleared_and_moved(site, client):
    post = site["two"]
    post.set_labels(["KERALA", "TOP STORY", "business"])
    assert assert_exact()[("TOP STORY", "KERALA")] == 3
    post.labels.add("SPORTS")
    post.labels.remove("KERALA")
    assert total(client, "SPORTS", "business") == 1
    assert assert_exact()[("TOP STORY", "KERALA")] == 2
    # A row moved to another label, then to another post.
    row = LabeledPost.objects.get(content_object=post, tag__name="SPORTS")
    row.tag = Label.objects.get(name="AROUND THE GLOBE")
    row.save()
    assert total(client, "AROUND THE GLOBE", "business") == 1
    row.content_object = site["one"]
    row.save()
    assert assert_exact()[("TOP STORY", "AROUND THE GLOBE")] == 2
    assert total(client, "KERALA", "AROUND THE GLOBE") == 2
    assert total(client, "TOP STORY", "KERALA", "AROUND THE GLOBE") == 2
    site["both"].labels.clear()
    post.labels.clear()
    assert assert_exact() == {
        ("TOP STORY", "AROUND THE GLOBE"): 1,
        ("TOP STORY", "KERALA"): 1,
        ("AROUND THE GLOBE", "KERALA"): 1,
        ("TOP STORY", "AROUND THE GLOBE", "KERALA"): 1,
    }


def test_label_merge_rename_and_delete(site, client):
    kerala = Label.objects.get(name="KERALA")
    globe = Label.objects.get(name="AROUND THE GLOBE")
    label_merge(sources=[kerala], target=globe)
    # "one" gains the pair; "both" keeps one row of the merged label.
    assert assert_exact() == {("TOP STORY", "AROUND THE GLOBE"): 3}
    label_rename(label=globe, new_name="World")
    assert total(client, "TOP STORY", "World") == 3
    assert total(client, "TOP STORY", "AROUND THE GLOBE") == 0  # no such label
    make_post(labels=["Movie", "World"])
    Label.objects.get(name="TOP STORY").delete()
    assert assert_exact() == {("World", "Movie"): 1}
    assert LabelPairCount.objects.count() == 1


def test_the_bulk_path_with_labels_new_and_old(frozen_now, client):
    now = timezone.now()
    old = make_post(labels=["A"])
    posts = publishing.create_many(
        [
            Post(title="Live %d" % n, status=Status.PUBLISHED, published_at=now)
            for n in range(4)
        ]
        + [
            Post(title="Draft", status=Status.DRAFT),
            Post(
                title="Later",
                status=Status.PUBLISHED,
                published_at=now + timedelta(days=2),
            ),
        ]
    )
    labels = {name: Label.objects.get_or_create(name=name)[0] for name in "ABC"}
    LabeledPost.objects.bulk_create(
        [
            LabeledPost(content_object=post, tag=labels[name], position=0)
            for post in posts
            for name in "ABC"
        ]
        # New labels on a post that had one: pairs with the old one too.
        + [
            LabeledPost(content_object=old, tag=labels[name], position=1)
            for name in "BC"
        ]
    )
    assert assert_exact() == {
        ("A", "B"): 5,
        ("A", "C"): 5,
        ("B", "C"): 5,
        ("A", "B", "C"): 5,
    }
    # What a COPY insert calls after its rows are in.
    extra = [LabeledPost(content_object=posts[0], tag=Label.objects.create(name="D"))]
    LabeledPost.objects.bulk_create(extra)
    assert total(client, "A", "D") == 1
    assert total(client, "C", "A", "D") == 1
    frozen_now.shift(timedelta(days=2))
    assert assert_exact()[("B", "C")] == 6
    assert total(client, "A", "B", "C") == 6


def test_a_scheduled_post_counts_at_its_time_with_no_write(site, frozen_now, client):
    make_scheduled(
        delay=timedelta(hours=20), labels=["KERALA", "TOP STORY", "AROUND THE GLOBE"]
    )
    assert total(client, "TOP STORY", "AROUND THE GLOBE") == 2
    assert total(client, "TOP STORY", "AROUND THE GLOBE", "KERALA") == 1
    frozen_now.shift(timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        assert total(client, "TOP STORY", "AROUND THE GLOBE") == 4
        assert total(client, "TOP STORY", "AROUND THE GLOBE", "KERALA") == 2
    assert not [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert_exact()


def test_recount_repairs_a_corrupted_pair(site, client):
    top, globe = (
        Label.objects.get(name=name) for name in ("TOP STORY", "AROUND THE GLOBE")
    )
    first, second = sorted((top.pk, globe.pk))
    LabelPairCount.objects.filter(first_id=first, second_id=second).update(published=40)
    LabelPairCount.objects.exclude(first_id=first, second_id=second).delete()
    assert total(client, "TOP STORY", "AROUND THE GLOBE") == 39
    assert kept() != scanned()
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "3 label pair counts were wrong and are now right." in out.getvalue()
    assert total(client, "TOP STORY", "AROUND THE GLOBE") == 2
    assert_exact()
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "pair" not in out.getvalue()
    # The migration's fill: every pair from the rows, into an empty table.
    LabelPairCount.objects.all().delete()
    LabelTripleCount.objects.update(published=7)
    assert counts.recount_together() == {"pairs": 3, "triples": 1}
    assert_exact()


def build(size, start=0):
    for index in range(start, start + size):
        make_post(
            labels=["TOP STORY", "AROUND THE GLOBE", "L%d" % (index % 5)][
                : 1 + index % 3
            ],
            published_at=FROZEN_NOW - timedelta(days=index + 1),
        )
    make_scheduled(labels=["TOP STORY", "AROUND THE GLOBE", "L2"])


def live_with(names):
    return posts_with(Label.objects.filter(name__in=names)).published().count()


@pytest.mark.parametrize(
    ("names", "model"),
    [
        (("TOP STORY", "AROUND THE GLOBE"), "labelpaircount"),
        (("L2", "TOP STORY", "AROUND THE GLOBE"), "labeltriplecount"),
    ],
)
def test_the_feed_total_of_labels_together_costs_the_same_queries_at_two_sizes(
    client, frozen_now, django_assert_num_queries, names, model
):
    build(12)
    total(client, *names)  # the site's first render
    expected = live_with(names)
    with CaptureQueriesContext(connection) as small:
        assert total(client, *names) == expected > 0
    small = len(small)  # now: the query log is a bounded deque
    build(60, start=12)
    before = live_with(names)
    with django_assert_num_queries(small):
        assert total(client, *names) == before > expected
    frozen_now.shift(timedelta(hours=2))  # both scheduled ones went live
    # Exact at once; the feed's label list is made again at a go-live.
    assert total(client, *names) == live_with(names) == before + 2
    with django_assert_num_queries(small):
        assert total(client, *names) == before + 2
    assert small <= 6
    # Read from the kept count: no count of the posts.
    with CaptureQueriesContext(connection) as large:
        total(client, *names)
    sql = [query["sql"] for query in large.captured_queries]
    assert any('FROM "articles_%s"' % model in text for text in sql)
    assert not [text for text in sql if 'COUNT(*) AS "__count"' in text]
    assert_exact()
