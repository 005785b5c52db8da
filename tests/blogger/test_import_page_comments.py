"""Comments on static pages come across with their threads and states, idempotently."""

import re

import pytest

from articles.models import Page, Post
from comments.models import Comment

from .conftest import DATA, run_import

FILES = {
    "classic": DATA / "page-comments" / "classic.xml",
    "takeout": DATA / "page-comments" / "feed.atom",
}
Status = Comment.Status


def row(out, *label):
    """The summary table's numbers for a row (in file, created, updated, unchanged)."""
    for line in out.splitlines():
        words = line.split()
        if words[: len(label)] == list(label):
            return [int(number) for number in words[len(label) :]]
    return None


@pytest.fixture(params=sorted(FILES))
def imported(request, db, frozen_now):
    path = FILES[request.param]
    out, _err = run_import(path)
    return path, out


def test_page_comments_keep_their_threads_and_states(imported):
    _path, out = imported
    page = Page.objects.get(slug="contact-us")
    assert page.comments_open  # it had comments on Blogger: still open
    comments = {c.text: c for c in page.comments.all()}
    assert len(comments) == 4
    question = comments["Which e-mail address reaches the desk?"]
    answer = comments["The desk@ address, Meera."]
    removed = next(c for c in comments.values() if c.status == Status.REMOVED)
    buying = comments["Nobody here is buying, thanks."]
    assert (question.parent, answer.parent, buying.parent) == (None, question, removed)
    assert removed.parent is None
    assert all(c.post is None for c in comments.values())
    assert Post.objects.get().comments.count() == 1
    assert "not kept" not in out
    assert row(out, "comments") == [5, 5, 0, 0]
    assert row(out, "on", "pages") == [4, 4, 0, 0]
    assert row(out, "skipped") == [0]


def test_a_second_run_changes_nothing(imported):
    path, _out = imported
    before = list(Comment.objects.values_list("pk", "page", "post", "parent", "status"))
    out, _err = run_import(path)
    assert row(out, "comments") == [5, 0, 0, 5]
    assert row(out, "on", "pages") == [4, 0, 0, 4]
    after = list(Comment.objects.values_list("pk", "page", "post", "parent", "status"))
    assert after == before


def test_the_page_shows_its_threads_at_its_old_address(imported, client):
    response = client.get("/p/contact-us.html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 Comments" in html
    assert "Which e-mail address reaches the desk?" in html
    assert "The desk@ address, Meera." in html
    assert "This comment has been removed" in html
    assert "Cheap watches" not in html and "blog administrator" not in html
    assert "Nobody here is buying, thanks." in html
    question = Comment.objects.get(text__startswith="Which e-mail")
    assert html.index('id="%s"' % question.anchor) < html.index("The desk@ address")


def test_old_show_comment_links_open_the_page_at_the_comment(imported, client):
    path, _out = imported
    question = Comment.objects.get(text__startswith="Which e-mail")
    link, _, anchor = question.blogger_url.partition("#")
    assert link == "/p/contact-us.html?showComment=1743485400000"
    response = client.get(link)
    assert response.status_code == 200
    assert 'id="%s"' % anchor in response.content.decode()
    if path.suffix == ".xml":
        # The export's own link, host dropped, names the same place.
        exported = re.search(
            r"href='https://pagetalk\.blogspot\.com(/p/contact-us\.html\?showComment=\d+)#(c\d+)'",
            path.read_text(),
        )
        assert exported.groups() == (link, anchor)
