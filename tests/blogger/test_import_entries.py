"""Odd entries: each one is skipped with a reason or refused with one line."""

import pytest
from django.core.management import CommandError

from articles.models import Post
from comments.models import Comment

from .conftest import CLASSIC, run_import

HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'
      xmlns:blogger='http://schemas.google.com/blogger/2018'>
<id>tag:blogger.com,1999:blog-5.archive</id><title type='text'>Small</title>
"""
KIND = "http://schemas.google.com/blogger/2008/kind#"


def entry(kind, number, extra="", published="2025-01-01T10:00:00.000Z"):
    return (
        "<entry><id>tag:blogger.com,1999:blog-5.post-%s</id>"
        "<published>%s</published>"
        "<category scheme='http://schemas.google.com/g/2005#kind' term='%s%s'/>"
        "<title type='text'>Entry %s</title><content type='html'>Text %s</content>"
        "%s</entry>\n" % (number, published, KIND, kind, number, number, extra)
    )


def export(tmp_path, *entries):
    path = tmp_path / "small.xml"
    path.write_text(HEAD + "".join(entries) + "</feed>\n", encoding="utf-8")
    return path


def test_a_comment_on_a_page_is_kept_one_on_a_missing_post_is_skipped(
    db, frozen_now, tmp_path
):
    path = export(
        tmp_path,
        entry(
            "page",
            1,
            "<link rel='alternate' href='https://x.blogspot.com/p/one.html'/>",
        ),
        entry(
            "comment", 2, "<thr:in-reply-to ref='tag:blogger.com,1999:blog-5.post-1'/>"
        ),
        entry(
            "comment", 3, "<thr:in-reply-to ref='tag:blogger.com,1999:blog-5.post-99'/>"
        ),
    )
    out, _err = run_import(path)
    assert "not kept" not in out
    assert "post-3: its post or page 99 is not in the file" in out
    [kept] = Comment.objects.all()
    assert (kept.blogger_id, kept.page.slug, kept.post) == ("2", "one", None)


def test_a_too_long_label_is_refused_naming_the_entry(db, frozen_now, tmp_path):
    label = "x" * 101
    path = export(
        tmp_path,
        entry(
            "post",
            1,
            "<category scheme='http://www.blogger.com/atom/ns#' term='%s'/>"
            "<link rel='alternate' href='https://x.blogspot.com/2025/01/one.html'/>"
            % label,
        ),
    )
    with pytest.raises(
        CommandError, match=r"entry tag:.*post-1: label 'x+…' is longer"
    ):
        run_import(path)
    assert not Post.objects.exists()


def test_a_post_address_that_is_not_bloggers_is_refused(db, frozen_now, tmp_path):
    path = export(
        tmp_path,
        entry(
            "post", 1, "<link rel='alternate' href='https://x.blogspot.com/about/one'/>"
        ),
    )
    with pytest.raises(
        CommandError, match="post-1: address /about/one is not a Blogger post address"
    ):
        run_import(path)


def test_a_date_without_offset_is_refused(db, frozen_now, tmp_path):
    path = export(tmp_path, entry("post", 1, published="2025-01-01T10:00:00"))
    with pytest.raises(
        CommandError, match="post-1: published time .* has no UTC offset"
    ):
        run_import(path)


def test_an_unknown_takeout_status_is_refused(db, frozen_now, tmp_path):
    path = export(
        tmp_path,
        "<entry><id>tag:blogger.com,1999:blog-5.post-7</id><blogger:type>POST</blogger:type>"
        "<blogger:status>ARCHIVED</blogger:status><title>T</title></entry>",
    )
    with pytest.raises(CommandError, match="post-7: unknown status 'ARCHIVED'"):
        run_import(path)


def test_a_malformed_author_map_is_refused(db, frozen_now, tmp_path):
    author_map = tmp_path / "authors.csv"
    author_map.write_text("Asha Menon,asha,extra\n")
    with pytest.raises(CommandError, match="author map line 1: expected two columns"):
        run_import(CLASSIC, "--author-map", author_map)
    assert not Post.objects.exists()


def test_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="is not a file"):
        run_import("/nonexistent/export.xml")


def untitled(number, body, address=""):
    link = "<link rel='alternate' href='https://x.blogspot.com%s'/>" % address
    return (
        "<entry><id>tag:blogger.com,1999:blog-5.post-%s</id>"
        "<published>2024-04-02T08:15:00.000-07:00</published>"
        "<category scheme='http://schemas.google.com/g/2005#kind' term='%spost'/>"
        "<title type='text'></title><content type='html'>%s</content>%s</entry>\n"
        % (number, KIND, body, link if address else "")
    )


def test_untitled_posts_are_titled_with_the_start_of_their_text(
    db, frozen_now, tmp_path, client
):
    # Blogger allows a post without a title (its address then comes from the
    # text); here a title is required and is what the post's cards link from.
    path = export(
        tmp_path,
        untitled(
            1,
            "&lt;p&gt;Tide tables for the &lt;b&gt;harbour&lt;/b&gt; are out "
            "today, with the spring schedule for every pier.&lt;/p&gt;",
            "/2024/04/tide-tables-for-harbour-are.html",
        ),
        untitled(
            2,
            "&lt;img src='https://x.example/s320/pier.jpg'/&gt;",
            "/2024/04/pier.html",
        ),
        untitled(3, ""),
    )
    out, _err = run_import(path)
    first = Post.objects.get(blogger_id="1")
    assert first.title == "Tide tables for the harbour are out today, with..."
    assert first.permalink == "/2024/04/tide-tables-for-harbour-are.html"
    assert Post.objects.get(blogger_id="2").title == "pier"
    assert Post.objects.get(blogger_id="3").title == "Untitled"
    for post in Post.objects.all():
        post.full_clean()
    assert "3 posts and pages had no title on Blogger" in out
    home = client.get("/").content.decode()
    assert '<a href="%s">Tide tables for the harbour' % first.permalink in home
    again, _err = run_import(path)
    assert any(
        line.split() == ["posts", "3", "0", "0", "3"] for line in again.splitlines()
    )
    # Nothing was titled this time: the summary does not say so again.
    assert "no title on Blogger" not in again
