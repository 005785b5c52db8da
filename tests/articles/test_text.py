import pytest

from articles.demo import SEED_BODY, SEED_TITLE
from articles.text import blogger_slug, html_to_text, make_excerpt


def test_seed_title_gives_bloggers_slug():
    assert blogger_slug(SEED_TITLE) == "russian-us-diplomats-discuss-steps-in"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("The storm hits the coast", "the-storm-hits-coast"),
        ("A day at an old fort", "a-day-at-old-fort"),
        ("Rain and the", "rain-and-the"),
        ("Café crème in Zürich", "cafe-creme-in-zurich"),
        ("Ærø & Straße: 100% open!", "aero-strasse-100-open"),
        ("  --  ", "blog-post"),
        ("", "blog-post"),
        (
            "Supercalifragilisticexpialidocious" * 2,
            "supercalifragilisticexpialidocioussuperc",
        ),
        (
            "One two three four five six seven eight nine ten",
            "one-two-three-four-five-six-seven-eight",
        ),
    ],
)
def test_blogger_slug_rules(title, slug):
    """Lowercase ASCII, interior a/an/the dropped, cut on a word boundary at 40."""
    assert blogger_slug(title) == slug
    assert len(blogger_slug(title)) <= 40


def test_excerpt_matches_the_seed_snippet():
    """The home card snippet is the seed's: cut near 150 on a word boundary."""
    assert make_excerpt(html_to_text(SEED_BODY)) == (
        "MOSCOW: Russian and American diplomats have agreed on funding for their "
        "diplomatic missions and on continuing dialogue, as well as suggested..."
    )


def test_short_text_is_not_cut():
    assert make_excerpt("Short news.") == "Short news."


def test_html_to_text_unescapes_and_separates_blocks():
    assert html_to_text("<h2>One</h2><p>Two &amp; three</p>") == "One Two & three"
