"""One reader of Newsroom's settings (newsroom/conf.py)."""

import pytest
from django.core import checks

from newsroom.conf import check_settings, comments_setting, newsroom_setting


def test_a_partial_override_keeps_every_other_default(settings):
    settings.NEWSROOM = {"PAGE_SIZE": 7}
    settings.COMMENTS = {"RATE_LIMIT": 2}
    assert newsroom_setting("PAGE_SIZE") == 7
    assert newsroom_setting("FEED_SIZE") == 25
    assert newsroom_setting("MAX_RESULTS") == 150
    assert comments_setting("RATE_LIMIT") == 2
    assert comments_setting("RATE_WINDOW") == 600


@pytest.mark.django_db
def test_pages_and_feeds_work_with_a_partial_newsroom_setting(settings, client):
    """A deployer who sets one key got a KeyError at request time before."""
    from tests.factories import make_post

    settings.NEWSROOM = {"PAGE_CACHE": False, "PAGE_SIZE": 2}
    for _ in range(3):
        make_post()
    assert client.get("/").status_code == 200
    listing = client.get("/search")
    assert listing.status_code == 200
    assert listing.content.count(b'<article class="card') == 2  # PAGE_SIZE read
    feed = client.get("/feeds/posts/default?alt=json")
    assert feed.status_code == 200
    assert len(feed.json()["feed"]["entry"]) == 3  # FEED_SIZE's default, 25
    assert client.get("/feeds/posts/default").status_code == 200


def test_unknown_keys_are_a_warning_naming_them(settings):
    settings.NEWSROOM = {"PAGE_SIZE": 10, "PAGE_SIZ": 10}
    settings.COMMENTS = {"RATE_LIMT": 1}
    warnings = check_settings()
    assert [(w.id, w.msg) for w in warnings] == [
        (
            "newsroom.W001",
            "NEWSROOM['PAGE_SIZ'] is not a Newsroom setting and is ignored.",
        ),
        (
            "newsroom.W002",
            "COMMENTS['RATE_LIMT'] is not a Newsroom setting and is ignored.",
        ),
    ]
    assert all(isinstance(w, checks.Warning) for w in warnings)
    # And through Django's own check run.
    ids = [message.id for message in checks.run_checks()]
    assert "newsroom.W001" in ids


def test_the_shipped_settings_are_all_known():
    assert check_settings() == []


def test_reading_an_unlisted_key_is_a_programming_error():
    with pytest.raises(KeyError, match="PAGE_SIZ"):
        newsroom_setting("PAGE_SIZ")
