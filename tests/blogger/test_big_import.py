"""
A generated Blogger backup (bench/blogger_backup.py) imports whole, streams
(no more than a batch of records alive at once), comes back a no-op, and a
file refused halfway or a database refusal halfway leaves the site as it was.
"""

import gc
import re
import weakref
from datetime import datetime

import pytest
from django.core.management import CommandError
from django.db import connection
from django.db.models import F

from articles import counts as counts_module
from articles import publishing, search
from articles.models import ContentId, Label, LabeledPost, Page, Post, Status
from bench.blogger_backup import write_backup
from blogger import backup as backup_module
from blogger import importer
from blogger.backup import BackupFile
from comments.models import Comment

from .conftest import run_import
from .test_import_bulk import row

NOW = datetime.fromisoformat("2026-03-05T06:30:00+00:00")  # the frozen now


def generated(tmp_path, posts, name="big.xml", **options):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8") as out:
        counts = write_backup(out, posts, now=NOW, paragraphs=1, **options)
    return path, counts


def test_a_generated_backup_imports_every_post_comment_label_and_page(
    db, frozen_now, tmp_path
):
    path, counts = generated(tmp_path, 500)
    assert counts["comments"] > 500 and counts["replies"] > 100  # threads, really

    out, err = run_import(path)

    total = counts["posts"] + counts["drafts"]
    assert row(out, "posts") == [total, total, 0, 0]
    assert row(out, "drafts") == [counts["drafts"], counts["drafts"], 0, 0]
    assert row(out, "comments") == [counts["comments"], counts["comments"], 0, 0]
    assert row(out, "pages") == [counts["pages"], counts["pages"], 0, 0]
    assert row(out, "labels") == [counts["labels"], counts["labels"], 0, 0]
    assert Post.objects.count() == total
    assert Post.objects.drafts().count() == counts["drafts"]
    assert Post.objects.filter(status=Status.PUBLISHED).count() == counts["posts"]
    assert Post.objects.scheduled().count() == counts["scheduled"]
    assert Page.objects.count() == counts["pages"]
    assert Label.objects.count() == counts["labels"]
    assert LabeledPost.objects.count() >= total
    # Threads: every reply hangs under a first comment of the same post.
    assert Comment.objects.count() == counts["comments"]
    replies = Comment.objects.filter(parent__isnull=False)
    assert replies.count() == counts["replies"]
    assert not replies.filter(parent__parent__isnull=False).exists()
    assert not replies.exclude(post_id=F("parent__post_id")).exists()
    assert Comment.objects.filter(status="removed").exists()
    # Blogger's addresses and update times are kept.
    story = Post.objects.get(blogger_id="3000000000000000100")
    assert story.permalink.endswith("/story-100.html")
    assert story.updated_at != story.created_at
    assert "Saved 500 items..." in err


def test_a_second_import_of_the_same_file_changes_nothing(db, frozen_now, tmp_path):
    path, counts = generated(tmp_path, 120)
    run_import(path)
    versions = dict(Post.objects.values_list("pk", "version"))
    comments = list(Comment.objects.order_by("pk").values())

    out, _err = run_import(path)

    total = counts["posts"] + counts["drafts"]
    assert row(out, "posts") == [total, 0, 0, total]
    assert row(out, "comments") == [counts["comments"], 0, 0, counts["comments"]]
    assert dict(Post.objects.values_list("pk", "version")) == versions
    assert list(Comment.objects.order_by("pk").values()) == comments


def test_batches_written_by_copy_import_what_the_file_holds(
    db, frozen_now, tmp_path, monkeypatch
):
    """
    Small batches, each written by PostgreSQL's COPY (posts, their label
    rows, comments) with its search rows indexed while the next batch is
    read: every post is found by its own words with its labels, keeps
    Blogger's update time, every reply its thread, and the kept counts are
    exact. SQLite takes the same batches by INSERT.
    """
    monkeypatch.setattr(importer, "BATCH_SIZE", 60)
    monkeypatch.setattr(publishing, "COPY_FROM", 50)
    path, counts = generated(tmp_path, 300)

    out, _err = run_import(path)

    total = counts["posts"] + counts["drafts"]
    assert row(out, "posts") == [total, total, 0, 0]
    assert row(out, "comments") == [counts["comments"], counts["comments"], 0, 0]
    records = list(BackupFile(path).records(("post",)))
    posts = {
        post.blogger_id: post
        for post in Post.objects.prefetch_related("labeled_items__tag")
    }
    assert set(posts) == {record.blogger_id for record in records}
    assert ContentId.objects.filter(post_number__isnull=False).count() == total
    for record in records:
        post = posts[record.blogger_id]
        assert post.updated_at == record.updated, record.title
        assert [label.name for label in post.label_list] == list(
            dict.fromkeys(record.labels)
        )
        # The index row holds the title's words and the labels, drafts too.
        number = record.title.split(":")[0]
        words = '"%s" %s' % (number, " ".join(record.labels))
        assert list(
            Post.objects.filter(pk__in=search.matching_ids(words)).values_list(
                "blogger_id", flat=True
            )
        ) == [record.blogger_id], words
    assert Comment.objects.count() == counts["comments"]
    replies = Comment.objects.filter(parent__isnull=False)
    assert replies.count() == counts["replies"]
    assert not replies.exclude(post_id=F("parent__post_id")).exists()
    assert not replies.filter(parent__parent__isnull=False).exists()
    # Each comment keeps its author and Blogger's time.
    written = {
        comment.blogger_id: (comment.name, comment.created_at)
        for comment in Comment.objects.all()
    }
    assert written == {
        record.blogger_id: (record.author.name, record.published)
        for record in BackupFile(path).records(("comment",))
    }
    # The kept counts follow the rows: a recount finds nothing wrong.
    assert set(counts_module.recount().values()) == {0}


def test_no_more_than_a_batch_of_records_is_alive_at_once(
    db, frozen_now, tmp_path, monkeypatch
):
    """The records read for one batch are gone when the next is saved."""
    monkeypatch.setattr(importer, "BATCH_SIZE", 40)
    path, counts = generated(tmp_path, 400)
    seen = []
    alive_at_each_batch = []
    posts, comment_batch = importer._Saver.posts, importer._Saver.comment_batch

    def watch(save):
        def watched(self, batch, *args, **kwargs):
            gc.collect()
            alive_at_each_batch.append(sum(ref() is not None for ref in seen))
            for item in batch:  # a post record, or a comment's (number, record)
                seen.append(weakref.ref(item[1] if isinstance(item, tuple) else item))
            return save(self, batch, *args, **kwargs)

        return watched

    monkeypatch.setattr(importer._Saver, "posts", watch(posts))
    monkeypatch.setattr(importer._Saver, "comment_batch", watch(comment_batch))

    run_import(path)

    assert len(seen) == counts["posts"] + counts["drafts"] + counts["comments"]
    assert len(alive_at_each_batch) > 20
    # Only the batch being saved when the next arrives (the pages, a handful,
    # wait for the end of the posts).
    assert max(alive_at_each_batch) <= 40 + counts["pages"]
    assert Comment.objects.count() == counts["comments"]


def test_the_file_is_read_as_it_is_needed_not_whole(tmp_path, monkeypatch):
    path, _counts = generated(tmp_path, 300)
    opened = []

    def watched_open(*args, **kwargs):
        file = open(*args, **kwargs)
        opened.append(file)
        return file

    monkeypatch.setattr(backup_module, "open", watched_open, raising=False)
    records = BackupFile(path).records(("post",))
    first = next(records)

    assert first.title.startswith("Story 300:")
    # One post read: the parser has read a chunk or two, not the file.
    assert opened[0].tell() < path.stat().st_size / 4
    records.close()
    assert opened[0].closed


def cut_in_the_comments(path):
    """The file cut short in the middle of its comments, after every post."""
    text = path.read_text(encoding="utf-8")
    comments = text.index("kind#comment")
    cut = text.index("<entry>", comments + len(text[comments:]) // 2) + 20
    path.write_text(text[:cut], encoding="utf-8")


def test_a_file_broken_after_its_posts_writes_nothing(db, frozen_now, tmp_path):
    first, _counts = generated(tmp_path, 30, name="first.xml", seed=1)
    run_import(first)
    before = (Post.objects.count(), Comment.objects.count(), Label.objects.count())
    path, _counts = generated(tmp_path, 600, seed=2)
    cut_in_the_comments(path)

    with pytest.raises(CommandError) as refused:
        run_import(path)

    message = str(refused.value)
    assert message.startswith("nothing imported: not well-formed XML after entry ")
    assert "(the file may be cut short)" in message
    assert "\n" not in message
    assert (Post.objects.count(), Comment.objects.count(), Label.objects.count()) == (
        before
    )


REFUSE_COMMENT = {
    "sqlite": [
        "CREATE TRIGGER refuse_comment BEFORE INSERT ON comments_comment "
        "WHEN NEW.blogger_id = '8000000000000000500' BEGIN "
        "SELECT RAISE(ABORT, 'comment refused by the database'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_comment() RETURNS trigger AS $$ BEGIN "
        "IF NEW.blogger_id = '8000000000000000500' THEN "
        "RAISE EXCEPTION 'comment refused by the database'; "
        "END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_comment BEFORE INSERT ON comments_comment "
        "FOR EACH ROW EXECUTE FUNCTION refuse_comment()",
    ],
}


def test_a_refusal_after_thousands_of_writes_rolls_back_everything(
    db, frozen_now, tmp_path
):
    """
    The whole import is one transaction: batches written before the
    database refused a comment, posts among them, are undone with it.
    """
    if connection.vendor not in REFUSE_COMMENT:
        pytest.skip("no trigger for %s" % connection.vendor)
    path, counts = generated(tmp_path, 500)
    assert counts["comments"] > 500
    with connection.cursor() as cursor:
        for statement in REFUSE_COMMENT[connection.vendor]:
            cursor.execute(statement)

    with pytest.raises(CommandError) as refused:
        run_import(path)

    message = str(refused.value)
    assert message.startswith(
        "nothing imported: entry tag:blogger.com,1999:blog-7000000000000000001."
        "post-8000000000000000500: comment refused by the database"
    )
    assert not Post.objects.exists()
    assert not Comment.objects.exists()
    assert not Label.objects.exists()


FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'>
<id>tag:blogger.com,1999:blog-5.archive</id><title type='text'>Odd order</title>
%s</feed>
"""
KIND = "<category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#%s'/>"


def odd_post(n):
    return (
        "<entry><id>tag:blogger.com,1999:blog-5.post-%d</id>"
        "<published>2025-01-0%dT10:00:00.000+05:30</published>%s"
        "<title type='text'>Post %d</title><content type='html'>Text %d</content>"
        "<link rel='alternate' type='text/html' href='https://odd.blogspot.com/2025/01/post-%d.html'/>"
        "<author><name>Desk</name></author></entry>\n" % (n, n, KIND % "post", n, n, n)
    )


def odd_comment(n, on, parent=None):
    related = (
        "<link rel='related' href='https://www.blogger.com/feeds/5/%d/comments/default/%d'/>"
        % (on, parent)
        if parent
        else ""
    )
    return (
        "<entry><id>tag:blogger.com,1999:blog-5.post-%d</id>"
        "<published>2025-01-05T10:00:00.000+05:30</published>%s"
        "<content type='html'>Comment %d</content>%s<author><name>Reader</name></author>"
        "<thr:in-reply-to ref='tag:blogger.com,1999:blog-5.post-%d'/></entry>\n"
        % (n, KIND % "comment", n, related, on)
    )


def test_comments_before_their_posts_keep_their_threads(db, frozen_now, tmp_path):
    """A reply, then its thread's first comment, then the post they are on."""
    path = tmp_path / "odd.xml"
    entries = [
        odd_post(1),
        odd_comment(903, on=2, parent=902),
        odd_comment(902, on=2),
        odd_comment(901, on=1),
        odd_post(2),
        odd_comment(904, on=3),
    ]
    path.write_text(FEED % "".join(entries), encoding="utf-8")

    out, _err = run_import(path)

    assert row(out, "comments") == [4, 3, 0, 0]
    assert "skipped tag:blogger.com,1999:blog-5.post-904: its post or page 3" in out
    first = Comment.objects.get(blogger_id="902")
    reply = Comment.objects.get(blogger_id="903")
    assert (first.post.blogger_id, first.parent) == ("2", None)
    assert (reply.post_id, reply.parent_id) == (first.post_id, first.pk)
    assert Comment.objects.get(blogger_id="901").post.blogger_id == "1"


def test_a_big_import_purges_every_page_at_once_not_each_post(
    db, frozen_now, tmp_path, monkeypatch
):
    """Past PURGE_ALL_OVER changed items, one new generation, not a write per post."""
    from pagecache import store

    monkeypatch.setattr(importer, "PURGE_ALL_OVER", 50)
    path, counts = generated(tmp_path, 120)
    generation = store.generation()
    lists = store.versions(["lists"])["lists"]
    bumped = []
    bump = store._bump
    monkeypatch.setattr(store, "_bump", lambda key: bumped.append(key) or bump(key))

    run_import(path)

    assert store.generation() != generation
    assert store.versions(["lists"])["lists"] != lists  # related lists end too
    # No cache write for each new post (or each comment's post).
    assert counts["posts"] > 100
    assert not [key for key in bumped if re.match(r"pagecache:tag:post:\d", key)]
