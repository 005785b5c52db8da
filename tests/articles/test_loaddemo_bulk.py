"""
The bulk path's search rows (issue 20, a million posts): search.BulkIndexer
writes each batch's rows while the next batch is made, in the load's own
transaction. What a reader finds must be what it was before, and a load
that fails must leave nothing.
"""

import io
import weakref
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError

from articles import demo, publishing, search
from articles.models import Image, Label, LabeledPost, Post, Status
from articles.search import PostSearchDocument, search_posts
from tests.conftest import FROZEN_NOW

pytestmark = pytest.mark.django_db


def saved_batches(count, batch_size=100):
    """`count` new live posts saved by the bulk path, batch by batch."""
    posts = (
        Post(
            title="Ferry %d" % number,
            body="<p>The ferry number %d sails at dawn.</p>" % number,
            status=Status.PUBLISHED,
            published_at=FROZEN_NOW - timedelta(minutes=number + 1),
        )
        for number in range(count)
    )
    return publishing.create_batches(posts, batch_size=batch_size)


@pytest.mark.postgresql
def test_bulk_indexer_rows_are_there_for_the_next_query(frozen_now, monkeypatch):
    """Each batch's rows are readable by the connection's next query, and found."""
    monkeypatch.setattr(publishing, "COPY_FROM", 50)
    seen = []
    with transaction.atomic(), search.BulkIndexer() as index:
        for batch in saved_batches(250):
            index.add(batch)
            ids = [post.pk for post in batch]
            seen.append(PostSearchDocument.objects.filter(post_id__in=ids).count())
    assert seen == [100, 100, 50]
    found = search_posts("ferry dawn")
    assert found.count() == 250
    assert set(found.values_list("title", flat=True)) == {
        "Ferry %d" % number for number in range(250)
    }


@pytest.mark.postgresql
def test_bulk_indexer_replaces_a_row_left_under_a_reused_number(frozen_now):
    post = Post(title="Glacier", body="<p>Ice.</p>", status=Status.PUBLISHED)
    post.published_at = FROZEN_NOW - timedelta(hours=1)
    post.save()
    PostSearchDocument.objects.filter(post_id=post.pk).update(title="Stale")
    with search.BulkIndexer() as index:
        index.add([post])
    assert list(
        PostSearchDocument.objects.filter(post_id=post.pk).values_list(
            "title", flat=True
        )
    ) == ["Glacier"]


@pytest.mark.postgresql
def test_bulk_indexer_raises_a_row_that_fails(frozen_now):
    """A failed index statement is raised (by the next query), never lost."""
    post = Post(title="Twice", body="<p>Same row twice.</p>", status=Status.DRAFT)
    post.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        with search.BulkIndexer() as index:
            index.add([post, post])  # two rows for one post: the key refuses
            Post.objects.count()
    # The connection is usable again once the transaction is undone.
    assert Post.objects.filter(pk=post.pk).exists()


def test_a_load_that_fails_midway_leaves_nothing(monkeypatch):
    """
    A load that fails while a batch's index rows are still being written
    (the second batch is being made) leaves no post, label or search row.
    """
    monkeypatch.setattr(demo, "BATCH_SIZE", 100)
    monkeypatch.setattr(publishing, "COPY_FROM", 50)
    picks = demo._label_picks

    def failing_picks(*args, **kwargs):
        for number, picked in enumerate(picks(*args, **kwargs)):
            if number == 150:
                raise RuntimeError("the generator broke")
            yield picked

    monkeypatch.setattr(demo, "_label_picks", failing_picks)
    # The error is kept (as a caller holding it would): the connection must
    # be back to plain queries by the time the load has failed, not later.
    with pytest.raises(RuntimeError) as failure:
        call_command("loaddemo", posts=300, stdout=io.StringIO())
    assert not Post.objects.exists()
    assert not LabeledPost.objects.exists()
    assert not Image.objects.exists()
    if search._has_index(connection):
        assert not PostSearchDocument.objects.exists()
    # And a second try loads the demo whole.
    monkeypatch.setattr(demo, "_label_picks", picks)
    call_command("loaddemo", posts=300, stdout=io.StringIO())
    assert "generator broke" in str(failure.value)
    assert Post.objects.published().count() == 300
    assert PostSearchDocument.objects.count() == Post.objects.count()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_bulk_indexer_runs_only_inside_a_transaction():
    """Its temporary table ends with the transaction: outside one it refuses."""
    with pytest.raises(TransactionManagementError), search.BulkIndexer():
        pass


def planned_by_index(queryset):
    plan = queryset.explain()
    return "Index" in plan and "Seq Scan" not in plan, plan[:300]


@pytest.mark.postgresql
def test_a_bulk_load_keeps_the_planner_statistics_of_its_own_rows(
    frozen_now, monkeypatch
):
    """
    Mid-load, before any commit, a look-up of a batch's Blogger ids and of
    its posts' label rows (what the import and the kept counts ask after
    each batch) is planned by the index, not as a scan of the whole table:
    the tables are analysed again as the load's own rows double them.
    """
    monkeypatch.setattr(publishing, "STATISTICS_FROM", 500)
    monkeypatch.setattr(publishing, "COPY_FROM", 50)
    # A new process, and statistics of the tables as they are before the
    # load (not whatever earlier tests left in them).
    monkeypatch.setattr(publishing, "_inserted", weakref.WeakKeyDictionary())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_post, articles_labeledpost")
    posts = (
        Post(
            title="Ferry %d" % number,
            body="<p>The ferry sails at dawn.</p>",
            status=Status.PUBLISHED,
            published_at=FROZEN_NOW - timedelta(minutes=number + 1),
            blogger_id="9%018d" % number,
        )
        for number in range(4000)
    )
    labels = [Label.objects.create(name=name) for name in ("Coast", "Ferry")]
    with transaction.atomic():
        for batch in publishing.create_batches(posts, batch_size=500):
            publishing.insert_rows(
                LabeledPost,
                [
                    LabeledPost(content_object_id=post.pk, tag=label, position=n)
                    for post in batch
                    for n, label in enumerate(labels)
                ],
            )
        # A few of the last batch's: 1% of the table.
        blogger_ids = [post.blogger_id for post in batch[:40]]
        post_ids = [post.pk for post in batch[:40]]

        by_blogger_id = planned_by_index(
            Post.objects.filter(blogger_id__in=blogger_ids).order_by().values("pk")
        )
        label_rows = planned_by_index(
            LabeledPost.objects.filter(content_object_id__in=post_ids).values_list(
                "pk", "tag_id", "content_object_id"
            )
        )
    assert by_blogger_id[0], by_blogger_id[1]
    assert label_rows[0], label_rows[1]
