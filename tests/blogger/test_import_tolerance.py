"""
What an import forgives, and what it still refuses: Blogger's well-known
prefixes used without their declaration, and comments whose parent is gone.
"""

import re

import pytest
from django.core.management import CommandError

from articles.models import Post
from comments.models import Comment

from .conftest import CLASSIC, run_import
from .test_import_safety import BOMB, EXTERNAL, snapshot, write

DECLARATION_RE = re.compile(r"\s+xmlns:(app|thr|gd|georss|openSearch)='[^']*'")


def undeclared_classic():
    """The classic backup with every declaration of its prefixes taken out."""
    text = DECLARATION_RE.sub("", CLASSIC.read_text(encoding="utf-8"))
    assert "xmlns:" not in text and "<app:draft>" in text and "<thr:total>" in text
    return text


def summary_rows(out):
    """{row: [in file, created, updated, unchanged]} of the summary table."""
    rows = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) >= 5 and all(word.isdigit() for word in words[-4:]):
            rows[" ".join(words[:-4])] = [int(word) for word in words[-4:]]
    return rows


@pytest.fixture
def existing(db, frozen_now):
    return snapshot()


def test_undeclared_well_known_prefixes_are_read_with_one_warning(
    db, frozen_now, tmp_path
):
    expected, _err = run_import(CLASSIC, "--dry-run")
    out, _err = run_import(write(tmp_path, undeclared_classic()))
    warnings = [line for line in out.splitlines() if line.startswith("Warning")]
    assert len(warnings) == 1
    for prefix in ("app", "thr", "gd"):
        assert prefix in warnings[0]
    assert "http://purl.org/atom/app#" in warnings[0]
    assert summary_rows(out) == summary_rows(expected)
    # The drafts' app:draft and the comment counts' thr:total were understood.
    assert Post.objects.filter(status="draft").count() == 1
    assert Comment.objects.count() == 5


def test_a_file_that_declares_its_prefixes_has_no_warning(db, frozen_now):
    out, _err = run_import(CLASSIC)
    assert "Warning" not in out


def test_undeclared_prefixes_on_a_takeout_file_with_the_prefix_on_an_attribute(
    db, frozen_now, tmp_path
):
    text = (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        "<feed xmlns='http://www.w3.org/2005/Atom' "
        "xmlns:blogger='http://schemas.google.com/blogger/2018' gd:etag='W/1'>\n"
        " <id>tag:blogger.com,1999:blog-77</id><title>Prefixes</title>\n"
        " <entry><id>tag:blogger.com,1999:blog-77.post-1</id>\n"
        "  <blogger:type>POST</blogger:type><blogger:status>LIVE</blogger:status>\n"
        "  <title>One</title><content type='html'>x</content>\n"
        "  <georss:point>9.9 76.2</georss:point>\n"
        "  <published>2025-06-02T09:30:00.000+05:30</published>\n"
        "  <blogger:filename>/2025/06/one.html</blogger:filename>\n"
        " </entry>\n</feed>\n"
    )
    out, _err = run_import(write(tmp_path, text, "feed.atom"))
    warning = [line for line in out.splitlines() if line.startswith("Warning")]
    assert len(warning) == 1 and "gd, georss" in warning[0]
    assert "app" not in warning[0].split("(")[0]
    assert Post.objects.get(blogger_id="1").permalink == "/2025/06/one.html"


def test_an_entity_bomb_without_prefix_declarations_is_still_refused(
    existing, tmp_path
):
    bomb = BOMB.replace("<title>&lol9;</title>", "<app:draft>&lol9;</app:draft>")
    for text in (
        bomb,
        EXTERNAL.replace("<title>", "<thr:total>").replace("</title>", "</thr:total>"),
    ):
        with pytest.raises(CommandError) as caught:
            run_import(write(tmp_path, text))
        assert "refused" in str(caught.value) and "DTD" in str(caught.value)
    assert snapshot() == existing


def test_a_truncated_file_without_prefix_declarations_is_still_refused(
    existing, tmp_path
):
    text = undeclared_classic()
    cut = text[: text.index("<title type='text'>The Title Was Edited")]
    with pytest.raises(CommandError) as caught:
        run_import(write(tmp_path, cut))
    assert "the file may be cut short" in str(caught.value)
    assert snapshot() == existing


def test_an_unknown_undeclared_prefix_beside_known_ones_is_refused(existing, tmp_path):
    text = undeclared_classic().replace("<thr:total>", "<foo:total>", 1)
    text = text.replace("</thr:total>", "</foo:total>", 1)
    with pytest.raises(CommandError) as caught:
        run_import(write(tmp_path, text))
    assert "unbound prefix" in str(caught.value)
    assert snapshot() == existing


ORPHANS = """<?xml version='1.0' encoding='utf-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:blogger='http://schemas.google.com/blogger/2018'>
  <id>tag:blogger.com,1999:blog-55</id>
  <title>Orphans</title>
  <entry>
    <id>tag:blogger.com,1999:blog-55.post-1</id>
    <blogger:type>POST</blogger:type><blogger:status>LIVE</blogger:status>
    <author><name>Asha</name></author>
    <title>One</title><content type='html'>x</content>
    <published>2025-06-02T09:30:00.000+05:30</published>
    <blogger:filename>/2025/06/one.html</blogger:filename>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-55.post-9</id>
    <blogger:parent>tag:blogger.com,1999:blog-55.post-1</blogger:parent>
    <blogger:inReplyTo>tag:blogger.com,1999:blog-55.post-8</blogger:inReplyTo>
    <blogger:type>COMMENT</blogger:type><blogger:status>LIVE</blogger:status>
    <author><name>Meera</name></author>
    <content type='html'>Its parent was deleted.</content>
    <published>2025-06-02T10:00:00.000+05:30</published>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-55.post-10</id>
    <blogger:parent>tag:blogger.com,1999:blog-55.post-1</blogger:parent>
    <blogger:inReplyTo>tag:blogger.com,1999:blog-55.post-9</blogger:inReplyTo>
    <blogger:type>COMMENT</blogger:type><blogger:status>LIVE</blogger:status>
    <author><name>Arjun</name></author>
    <content type='html'>A reply to the orphan.</content>
    <published>2025-06-02T11:00:00.000+05:30</published>
  </entry>
</feed>
"""


def test_orphan_comments_are_top_level_and_counted(db, frozen_now, tmp_path):
    path = write(tmp_path, ORPHANS, "feed.atom")
    out, _err = run_import(path)
    orphan = Comment.objects.get(blogger_id="9")
    assert orphan.parent_id is None and orphan.status == "approved"
    assert Comment.objects.get(blogger_id="10").parent_id == orphan.pk
    rows = summary_rows(out)
    assert rows["comments"] == [2, 2, 0, 0]
    assert rows["orphans"] == [1, 1, 0, 0]
    again, _err = run_import(path)
    assert summary_rows(again)["orphans"] == [1, 0, 0, 1]
    assert Comment.objects.count() == 2
