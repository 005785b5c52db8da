"""
Id sequences (issue 20, "Bad input and faults"): a restore or an import leaves
PostgreSQL's sequences past the rows, and a key clash is never reported as a
slug clash. The PostgreSQL cases run in CI's PostgreSQL pass; SQLite numbers
past the largest id by itself, so it has no sequence to fall behind.
"""

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Post, Status
from newsroom.sequences import reset_sequences
from tests.blogger.conftest import run_import
from tests.blogger.test_import_entries import entry, export
from tests.factories import make_post

# Left out of a SQLite run (tests/conftest.py), run in the PostgreSQL pass.
on_postgresql = pytest.mark.postgresql


def post_inserts(queries):
    table = Post._meta.db_table
    return [q for q in queries if q["sql"].startswith('INSERT INTO "%s"' % table)]


def put_the_sequence_behind_the_rows():
    """What a bulk load with explicit ids or an old dump leaves: nextval() is taken."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "(SELECT MIN(id) FROM articles_post), false)",
            [Post._meta.db_table],
        )


@pytest.mark.django_db
def test_a_taken_id_is_a_key_clash_raised_at_once_not_a_slug_clash():
    existing = make_post(title="First")
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(IntegrityError) as raised, transaction.atomic():
            Post.objects.create(
                pk=existing.pk,
                title="Second",
                status=Status.PUBLISHED,
                published_at=timezone.now(),
            )
    assert "No free permalink" not in str(raised.value)
    # One attempt: the clash was not on the address, so no _1, _2, ... follow.
    assert len(post_inserts(queries.captured_queries)) == 1
    assert list(Post.objects.values_list("title", flat=True)) == ["First"]


@pytest.mark.django_db
def test_a_clash_on_the_address_still_takes_the_next_one():
    first = make_post(title="Same title")
    second = make_post(title="Same title", published_at=first.published_at)
    assert second.permalink == first.permalink.replace(".html", "_1.html")


@on_postgresql
@pytest.mark.django_db
def test_a_sequence_behind_the_rows_is_reported_as_a_key_clash_and_reset_mends_it():
    make_post(title="One")
    make_post(title="Two")
    put_the_sequence_behind_the_rows()
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        make_post(title="Three")
    message = str(raised.value)
    assert "No free permalink" not in message
    assert "articles_post_pkey" in message
    reset_sequences()
    assert make_post(title="Three").permalink.endswith("/three.html")


@on_postgresql
@pytest.mark.django_db
def test_an_import_leaves_the_sequences_past_the_rows(frozen_now, tmp_path):
    make_post(title="Before the import")
    make_post(title="Also before")
    put_the_sequence_behind_the_rows()
    run_import(export(tmp_path, entry("post", 101), entry("post", 102)))
    post = make_post(title="Written after the import")
    assert Post.objects.filter(pk=post.pk, title="Written after the import").exists()
    assert Post.objects.count() == 5


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_restore_leaves_the_sequences_past_the_rows(tmp_path):
    make_post(title="One")
    make_post(title="Two")
    # The dump keeps the sequence where it stood: behind the rows.
    put_the_sequence_behind_the_rows()
    path = tmp_path / "site.tar"
    call_command("backup", str(path), stdout=io.StringIO())
    call_command("restore", str(path), yes=True, stdout=io.StringIO())
    post = make_post(title="Written after the restore")
    assert sorted(Post.objects.values_list("title", flat=True)) == [
        "One",
        "Two",
        "Written after the restore",
    ]
    assert post.pk > max(Post.objects.exclude(pk=post.pk).values_list("pk", flat=True))
