"""All or nothing: bad files change nothing; re-runs and dry runs are harmless."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import CommandError

from articles.models import Image, Label, LabeledPost, Page, Post, SiteSettings
from comments.models import Comment, CommentSettings
from tests.factories import make_post

from .conftest import CLASSIC, MEDIA, run_import

BOMB = """<?xml version="1.0"?>
<!DOCTYPE feed [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&secret;</title></feed>
"""
WRONG_ROOT = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Not Blogger</title></channel></rss>
"""


def snapshot():
    """Everything an import may write, in comparable form."""
    User = get_user_model()
    return {
        "posts": list(
            Post.objects.order_by("pk").values_list(
                "pk",
                "title",
                "permalink",
                "status",
                "published_at",
                "updated_at",
                "version",
            )
        ),
        "pages": list(Page.objects.order_by("pk").values_list("pk", "title", "slug")),
        "labels": list(Label.objects.order_by("pk").values_list("pk", "name")),
        "labeled": list(LabeledPost.objects.order_by("pk").values_list("pk", "tag_id")),
        "comments": list(
            Comment.objects.order_by("pk").values_list(
                "pk", "parent_id", "status", "text"
            )
        ),
        "users": list(User.objects.order_by("pk").values_list("pk", "username")),
        "site": list(SiteSettings.objects.values_list("name", "blog_id", "tagline")),
        "comment settings": list(
            CommentSettings.objects.values_list("moderation", "moderation_days")
        ),
        "images": list(Image.objects.values_list("key")),
    }


@pytest.fixture
def existing(db, frozen_now):
    make_post(title="Already here", labels=["business"])
    return snapshot()


def write(tmp_path, text, name="export.xml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_refused(path, *words):
    with pytest.raises(CommandError) as caught:
        run_import(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("nothing imported: ")
    for word in words:
        assert word in message
    return message


def test_an_entity_expansion_bomb_is_refused(existing, tmp_path):
    assert_refused(write(tmp_path, BOMB), "refused", "DTD")
    assert snapshot() == existing


def test_external_entities_are_refused(existing, tmp_path):
    assert_refused(write(tmp_path, EXTERNAL), "refused")
    assert snapshot() == existing


def test_a_truncated_file_changes_nothing_and_names_the_last_good_entry(
    existing, tmp_path
):
    text = CLASSIC.read_text(encoding="utf-8")
    cut = text[: text.index("<title type='text'>The Title Was Edited")]
    assert_refused(
        write(tmp_path, cut),
        "not well-formed XML",
        "after entry tag:blogger.com,1999:blog-8255692317570297677.post-2222222222222222222",
        "the file may be cut short",
    )
    assert snapshot() == existing


def test_a_prefix_without_its_namespace_is_not_called_a_cut_short_file(
    existing, tmp_path
):
    # Blogger's own prefixes are read without their declaration (see
    # test_import_tolerance.py); any other prefix without one is refused.
    text = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<feed xmlns='http://www.w3.org/2005/Atom'>\n"
        " <id>tag:blogger.com,1999:blog-77.archive</id>\n"
        " <entry>\n  <id>tag:blogger.com,1999:blog-77.post-1</id>\n"
        "  <pub:control>\n   <pub:draft>yes</pub:draft>\n  </pub:control>\n"
        " </entry>\n</feed>\n"
    )
    message = assert_refused(
        write(tmp_path, text), "not well-formed XML", "unbound prefix: line 6"
    )
    assert "cut short" not in message
    assert snapshot() == existing


def test_a_wrong_root_element_is_refused(existing, tmp_path):
    assert_refused(write(tmp_path, WRONG_ROOT), "root element is <rss>")
    assert snapshot() == existing


def test_a_bad_entry_is_named_and_nothing_is_saved(existing, tmp_path):
    text = CLASSIC.read_text(encoding="utf-8").replace(
        "<published>2023-06-30T22:30:00.000-04:00</published>",
        "<published>last tuesday</published>",
    )
    assert_refused(
        write(tmp_path, text),
        "entry tag:blogger.com,1999:blog-8255692317570297677.post-3333333333333333333",
        "'last tuesday' is not a date",
    )
    assert snapshot() == existing


def test_an_error_while_saving_rolls_back_the_whole_import(db, frozen_now):
    # A post already answers at an address the file needs: the posts saved
    # before that entry are rolled back too.
    make_post(title="Squatter").__class__.objects.update(
        permalink="/2024/12/ben-jerrys-q.html"
    )
    before = snapshot()
    files_before = stored_files(default_storage)
    with pytest.raises(CommandError) as caught:
        run_import(CLASSIC, "--media-dir", MEDIA)
    message = str(caught.value)
    assert "post-2222222222222222222" in message
    assert "/2024/12/ben-jerrys-q.html already belongs to post" in message
    assert "\n" not in message
    assert snapshot() == before
    assert not Post.objects.filter(blogger_id="1111111111111111111").exists()
    # The first post's image was stored before the failure; it is gone again.
    assert stored_files(default_storage) == files_before


def test_reimport_is_idempotent(db, frozen_now):
    run_import(CLASSIC, "--media-dir", MEDIA)
    first = snapshot()
    out, _err = run_import(CLASSIC, "--media-dir", MEDIA)
    assert snapshot() == first
    lines = out.splitlines()
    assert any(line.split() == ["posts", "5", "0", "0", "5"] for line in lines)
    assert any(line.split() == ["pages", "2", "0", "0", "2"] for line in lines)
    assert any(line.split() == ["comments", "5", "0", "0", "5"] for line in lines)


def test_a_second_import_adds_up_in_every_row(existing):
    # "business" was here before the first import; nothing is new the second time.
    first, _err = run_import(CLASSIC)
    assert any(
        line.split() == ["labels", "6", "5", "0", "1"] for line in first.splitlines()
    )
    out, _err = run_import(CLASSIC)
    lines = out.splitlines()
    for row in (
        ["posts", "5", "0", "0", "5"],
        ["drafts", "1", "0", "0", "1"],
        ["scheduled", "1", "0", "0", "1"],
        ["labels", "6", "0", "0", "6"],
        ["authors", "3", "0", "0", "3"],
    ):
        assert any(line.split() == row for line in lines), row


def test_reimport_of_an_edited_file_updates_in_place(db, frozen_now, tmp_path):
    run_import(CLASSIC)
    text = CLASSIC.read_text(encoding="utf-8")
    text = text.replace(
        "<title type='text'>New year plans</title>",
        "<title type='text'>New year plans, revised</title>",
    ).replace("Mint chip, always.", "Mint chip, mostly.")
    edited = write(tmp_path, text)
    before = snapshot()
    dry, _err = run_import(edited, "--dry-run")
    assert snapshot() == before
    assert "  updated posts /2030/01/new-year-plans.html" in dry
    assert (
        "  updated comments tag:blogger.com,1999:blog-8255692317570297677.post-9000000000000000005"
        in dry
    )
    assert "created" not in dry.split("Blogger classic export")[0]
    out, _err = run_import(edited)
    assert Post.objects.count() == 5 and Comment.objects.count() == 5
    assert Post.objects.get(blogger_id="5555555555555555555").title == (
        "New year plans, revised"
    )
    assert Comment.objects.get(blogger_id="9000000000000000005").text == (
        "Mint chip, mostly."
    )
    assert "updated posts /2030/01/new-year-plans.html" not in out  # not verbose
    assert any(
        line.split() == ["posts", "5", "0", "1", "4"] for line in out.splitlines()
    )


def test_dry_run_writes_nothing_and_says_what_would_change(existing):
    out, _err = run_import(CLASSIC, "--dry-run", "--media-dir", MEDIA)
    assert snapshot() == existing
    assert "Dry run: nothing was written." in out
    assert "created posts /2025/03/russian-us-diplomats-discuss-steps-in.html" in out
    assert "created pages /p/about-us.html" in out
    assert "updated settings comment moderation: older" in out


def stored_files(storage, folder="images"):
    if not storage.exists(folder):
        return set()
    folders, files = storage.listdir(folder)
    found = {"%s/%s" % (folder, name) for name in files}
    for name in folders:
        found |= stored_files(storage, "%s/%s" % (folder, name))
    return found


def test_dry_run_stores_no_media_file(db, frozen_now):
    before = stored_files(default_storage)
    run_import(CLASSIC, "--dry-run", "--media-dir", MEDIA)
    assert not Image.objects.exists()
    assert stored_files(default_storage) == before


def test_dry_run_after_an_import_reports_no_change(db, frozen_now):
    run_import(CLASSIC)
    before = snapshot()
    out, _err = run_import(CLASSIC, "--dry-run")
    assert snapshot() == before
    assert "created" not in out.split("Blogger classic export")[0]
