import io

import pytest
from django.db import transaction

from articles.demo import LABEL_COUNTS, LIVE_POSTS, SEED_PERMALINK, load_demo
from articles.models import Post, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole 10,000-post demo, loaded once for this module."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        assert load_demo(out) is True
        yield out.getvalue()
        # Roll the whole demo back so other modules start from an empty database.
        transaction.set_rollback(True)


def test_label_widget_shows_the_seeds_twelve_counts(demo, client):
    html = client.get("/").content.decode()
    for name, count in LABEL_COUNTS.items():
        assert (
            '<span class="label-name">%s</span> <span class="label-count">%d</span>'
            % (name, count)
        ) in html
    assert Post.objects.published().count() == LIVE_POSTS


def test_drafts_and_scheduled_posts_exist_but_do_not_count(demo):
    assert Post.objects.filter(status__in=[Status.DRAFT, Status.PENDING]).exists()
    assert Post.objects.scheduled().exists()


def test_seed_post_answers_with_title_subheadings_and_labels(demo, client):
    response = client.get(SEED_PERMALINK)
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "<title>Local Glob: Russian, US diplomats discuss steps in Istanbul to fund "
        "their embassies</title>"
    ) in html
    for heading in [
        "Funding, property, air travel",
        "Substantive dialogue",
        "Prior to consultations",
    ]:
        assert "<h2>%s</h2>" % heading in html
    assert ">TOP STORY</a>" in html
    assert ">AROUND THE GLOBE</a>" in html


def test_demo_accounts_passwords_are_printed_once(demo):
    assert "editor" in demo and "password:" in demo
    again = io.StringIO()
    assert load_demo(again) is False
    assert "password" not in again.getvalue()


def test_newest_demo_post_is_premium_and_shows_its_box(demo, client):
    newest = Post.objects.published().newest_first().first()
    assert newest.premium_body
    html = client.get(newest.get_absolute_url()).content.decode()
    assert "THIS CONTENT IS PREMIUM" in html
    assert "For members: the full briefing" not in html


def test_search_finds_the_seed_post_for_istanbul_embassies(demo, client):
    """The demo's bulk load is indexed: search finds the seed's article first."""
    response = client.get("/search?q=Istanbul embassies")
    assert response.status_code == 200
    assert response.context["posts"][0].get_absolute_url() == SEED_PERMALINK
    assert "<mark>" in response.content.decode()
