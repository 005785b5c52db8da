"""New posts of an import go in through the publishing service's bulk path."""

import pytest
from django.core.management import CommandError
from django.db import connection

from articles.models import LabeledPost, Post, Status
from articles.search import search_posts
from articles.selectors import label_counts
from pagecache import store

from .conftest import run_import

HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:app='http://purl.org/atom/app#'>
<id>tag:blogger.com,1999:blog-42.archive</id><title type='text'>Bulk Blog</title>
"""
KIND = "http://schemas.google.com/blogger/2008/kind#"
LABELS = ["TOP STORY", "Kerala News", "Movie"]


def post(n, path=None, title=None):
    """Post `n`: every tenth a draft without an address, the rest live."""
    draft = n % 10 == 0
    month = n % 12 + 1
    labels = [LABELS[n % 3]] + (["Backwaters"] if n % 5 == 0 else [])
    if path is None and not draft:
        path = "/2024/%02d/story-%d.html" % (month, n)
    return (
        "<entry><id>tag:blogger.com,1999:blog-42.post-%d</id>"
        "<published>2024-%02d-10T10:00:00.000+05:30</published>"
        "<updated>2024-%02d-11T10:00:00.000+05:30</updated>"
        "<category scheme='http://schemas.google.com/g/2005#kind' term='%spost'/>"
        "%s"
        "<title type='text'>%s</title>"
        "<content type='html'>&lt;p&gt;Report number %d from the desk.&lt;/p&gt;</content>"
        "%s%s<author><name>Desk</name></author></entry>\n"
        % (
            n,
            month,
            month,
            KIND,
            "".join(
                "<category scheme='http://www.blogger.com/atom/ns#' term='%s'/>" % name
                for name in labels
            ),
            title or "Story %d" % n,
            n,
            "<app:control><app:draft>yes</app:draft></app:control>" if draft else "",
            "<link rel='alternate' type='text/html' href='https://bulk.blogspot.com%s'/>"
            % path
            if path
            else "",
        )
    )


def export(tmp_path, name, entries):
    path = tmp_path / name
    path.write_text(HEAD + "".join(entries) + "</feed>\n", encoding="utf-8")
    return path


def row(out, name):
    for line in out.splitlines():
        words = line.split()
        if words and words[0] == name:
            return [int(number) for number in words[1:]]
    return None


def imported(path):
    """Import `path`; return its summary and the number of queries it made."""
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        out, _err = run_import(path)
    return out, len(queries)


def test_new_posts_are_inserted_in_bulk_not_one_by_one(db, frozen_now, tmp_path):
    purges = store.purge_counter()
    # A first import makes the author and the labels, so the two measured
    # ones differ only in their number of new posts.
    run_import(export(tmp_path, "first.xml", [post(n) for n in range(1, 6)]))
    small = export(tmp_path, "small.xml", [post(n) for n in range(101, 151)])
    large = export(tmp_path, "large.xml", [post(n) for n in range(1001, 1201)])

    small_out, small_queries = imported(small)
    large_out, large_queries = imported(large)

    assert row(small_out, "posts") == [50, 50, 0, 0]
    assert row(large_out, "posts") == [200, 200, 0, 0]
    assert row(large_out, "drafts") == [20, 20, 0, 0]
    # Saved one by one, each post cost about 19 queries (its address, insert,
    # labels, search row, update time): 150 more posts, some 2,800 more
    # queries. The bulk path costs a few queries per batch of 500: four
    # times the posts, the same queries.
    assert large_queries - small_queries <= 3, (small_queries, large_queries)

    assert Post.objects.count() == 255
    assert LabeledPost.objects.count() == 255 + 1 + 10 + 40
    story = Post.objects.get(blogger_id="1042")
    assert story.permalink == "/2024/11/story-1042.html"
    assert [label.name for label in story.label_list] == ["Kerala News"]
    assert story.summary == "Report number 1042 from the desk."
    assert story.updated_at.isoformat() == "2024-11-11T04:30:00+00:00"
    draft = Post.objects.get(blogger_id="1100")
    assert (draft.status, draft.permalink) == (Status.DRAFT, None)
    assert [label.name for label in draft.label_list] == ["Movie", "Backwaters"]
    # Every fifth post is labelled Backwaters, every tenth is a draft: 1, 5
    # and 20 of the three files' are live. The search index has the new
    # posts with their labels.
    counts = {label.name: label.count for label in label_counts()}
    assert counts["Backwaters"] == 26
    assert sum(counts.values()) == 230 + 26
    assert [found.pk for found in search_posts("1042")] == [story.pk]
    assert search_posts("backwaters").count() == 26
    # The inserts sent no signals: the import purged the cached pages itself.
    assert store.purge_counter() != purges


def test_a_second_run_updates_in_place_and_adds_the_new_ones(db, frozen_now, tmp_path):
    run_import(export(tmp_path, "first.xml", [post(n) for n in range(1, 31)]))
    entries = [post(n) for n in range(1, 41)]
    entries[6] = post(7, title="Story 7, revised")
    out, _err = run_import(export(tmp_path, "second.xml", entries))
    assert row(out, "posts") == [40, 10, 1, 29]
    assert Post.objects.count() == 40
    assert Post.objects.get(blogger_id="7").title == "Story 7, revised"
    assert Post.objects.get(blogger_id="7").version == 2
    assert [label.name for label in Post.objects.get(blogger_id="35").label_list] == [
        "Movie",
        "Backwaters",
    ]


def test_an_address_taken_in_the_same_batch_names_the_entry(db, frozen_now, tmp_path):
    entries = [post(n) for n in range(1, 21)]
    entries[14] = post(15, path="/2024/04/story-3.html")
    with pytest.raises(CommandError) as refused:
        run_import(export(tmp_path, "clash.xml", entries))
    message = str(refused.value)
    assert message.startswith(
        "nothing imported: entry tag:blogger.com,1999:blog-42.post-15:"
    )
    assert "/2024/04/story-3.html already belongs to post" in message
    assert "“Story 3”" in message
    assert not Post.objects.exists()


def test_a_made_address_steers_clear_of_a_waiting_post(db, frozen_now, tmp_path):
    # Post 3 has Blogger's address; post 15 has none, and its title makes the
    # same one in the same month: it takes the next, as when saved one by one.
    out, _err = run_import(
        export(tmp_path, "made.xml", [post(3), post(15, path="", title="Story 3")])
    )
    assert Post.objects.get(blogger_id="3").permalink == "/2024/04/story-3.html"
    assert Post.objects.get(blogger_id="15").permalink == "/2024/04/story-3_1.html"
    assert row(out, "posts") == [2, 2, 0, 0]


REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_story_7 BEFORE INSERT ON articles_post "
        "WHEN NEW.title = 'Story 7' BEGIN "
        "SELECT RAISE(ABORT, 'refused by the database'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_story_7() RETURNS trigger AS $$ BEGIN "
        "IF NEW.title = 'Story 7' THEN RAISE EXCEPTION 'refused by the database'; "
        "END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_story_7 BEFORE INSERT ON articles_post "
        "FOR EACH ROW EXECUTE FUNCTION refuse_story_7()",
    ],
}


def test_a_post_the_database_refuses_in_a_batch_is_named(db, frozen_now, tmp_path):
    if connection.vendor not in REFUSE:
        pytest.skip("no trigger for %s" % connection.vendor)
    with connection.cursor() as cursor:
        for statement in REFUSE[connection.vendor]:
            cursor.execute(statement)
    with pytest.raises(CommandError) as refused:
        run_import(export(tmp_path, "refused.xml", [post(n) for n in range(1, 21)]))
    message = str(refused.value)
    assert message.startswith(
        "nothing imported: entry tag:blogger.com,1999:blog-42.post-7: "
        "refused by the database"
    )
    assert "\n" not in message
    assert not Post.objects.exists()
