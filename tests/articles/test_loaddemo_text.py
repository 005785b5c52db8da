"""
The bulk path's body text made once per save (issue 20, a million posts):
the summary, the reading time and the search row read one plain text, and
give what each made from the body before.
"""

import pytest

from articles import search
from articles.models import Post, Status
from articles.text import html_to_text, make_excerpt, word_count

pytestmark = pytest.mark.django_db


WORDS = "lorem ipsum dolor sit amet, consectetur adipiscing elit " * 4


BODIES = [
    "",
    "<p>Short.</p>",
    # Around the excerpt's length: where a shortened text could change it.
    *("<p>%s</p>" % WORDS[:n] for n in range(140, 160)),
    "<p>%s</p>" % (" ".join(["word"] * 29) + " " + "x" * 10),
    "<p>%s&nbsp;%s</p>\n<h2>Sub</h2>\n<p>%s</p>" % ("a" * 140, "b" * 9, "c " * 300),
    "<p>  spaced \t\n out   text  </p>" * 12,
    "<p>Fish &amp; chips&hellip; “quoted” café</p>" * 9,
]


@pytest.mark.parametrize("body", BODIES)
def test_summary_and_reading_time_follow_the_text_rules(body):
    """One plain text for summary and word count gives what each made before."""
    post = Post(title="Rules", body=body, status=Status.DRAFT)
    post.set_derived_fields()
    assert post.summary == make_excerpt(html_to_text(post.body))
    assert post.reading_minutes == max(1, round(word_count(post.body) / 200))


def test_a_long_body_reads_in_minutes_and_keeps_an_excerpt():
    post = Post(title="Long", body="<p>%s</p>" % ("word " * 1000), status="draft")
    post.set_derived_fields()
    assert post.reading_minutes == 5
    assert post.summary == " ".join(["word"] * 30) + "..."
    post.excerpt = "  Editor's own words.  "
    post.set_derived_fields()
    assert post.summary == "Editor's own words."


def test_the_premium_part_is_still_cleaned_and_an_empty_one_stays_empty():
    post = Post(title="Premium", body="<p>Open.</p>", status=Status.DRAFT)
    post.premium_body = '<p onclick="x()">Members<script>bad()</script></p>'
    post.set_derived_fields()
    assert post.premium_body == "<p>Members</p>"
    for empty in ("", None):
        post.premium_body = empty
        post.set_derived_fields()
        assert post.premium_body == ""


def test_the_search_row_reads_the_body_as_it_is_now():
    """The kept plain text is used only while it is still the post's body's."""
    post = Post(title="Tram", body="<p>Old words here.</p>", status=Status.DRAFT)
    post.save()
    assert search._rows([post])[0][4] == "Old words here."
    post.body = "<p>Brand new <b>words</b>.</p>"
    assert search._rows([post])[0][4] == "Brand new words."
