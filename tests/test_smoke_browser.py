import pytest

from tests.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_renders_in_chromium(live_server, page):
    """The home page lists a live post in a real browser."""
    make_post(title="Harbour reopens after storm", labels=["TOP STORY"])
    page.goto(live_server.url + "/")
    assert page.title() == "Local Glob"
    assert page.get_by_role(
        "link", name="Harbour reopens after storm"
    ).first.is_visible()
