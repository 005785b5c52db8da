"""
The home page's selection (issue 18, point 2): the lead story editors pin,
or the newest post of the featured label; no story twice across the lead,
Latest and the label blocks; blocks in full rows of three; the pin in the
admin purges the cached home page.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from articles import selectors
from articles.models import SiteSettings, Status
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_image, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def pin(post):
    site = SiteSettings.load()
    site.lead_post = post
    site.save()
    return SiteSettings.load()


def hours_ago(hours):
    return FROZEN_NOW - timedelta(hours=hours)


def test_without_a_pin_the_newest_featured_post_leads(frozen_now):
    make_post(title="Older top", labels=["TOP STORY"], published_at=hours_ago(5))
    newest = make_post(title="Top", labels=["TOP STORY"], published_at=hours_ago(2))
    make_post(title="Newer, other label", labels=["Movie"], published_at=hours_ago(1))
    make_scheduled(title="Tomorrow", labels=["TOP STORY"])
    assert selectors.lead_post_id(SiteSettings.load()) == newest.pk


def test_a_live_pinned_post_leads_whatever_its_label_or_age(frozen_now):
    make_post(labels=["TOP STORY"], published_at=hours_ago(1))
    pinned = make_post(labels=["Movie"], published_at=hours_ago(72))
    assert selectors.lead_post_id(pin(pinned)) == pinned.pk


@pytest.mark.parametrize("fate", ["draft", "scheduled", "deleted"])
def test_a_pinned_post_no_longer_live_falls_back_to_the_featured_label(
    frozen_now, fate
):
    top = make_post(labels=["TOP STORY"], published_at=hours_ago(3))
    pinned = make_post(labels=["Movie"], published_at=hours_ago(1))
    site = pin(pinned)
    if fate == "draft":
        pinned.status = Status.DRAFT
        pinned.save()
    elif fate == "scheduled":
        pinned.published_at = FROZEN_NOW + timedelta(days=1)
        pinned.save()
    else:
        pinned.delete()
        site = SiteSettings.objects.get()
        assert site.lead_post is None
    assert selectors.lead_post_id(site) == top.pk


def test_no_lead_when_nothing_is_featured(frozen_now):
    make_draft(labels=["TOP STORY"])
    assert selectors.lead_post_id(SiteSettings.load()) is None


def test_home_blocks_skip_shown_posts_and_earlier_blocks_in_full_rows(frozen_now):
    posts = [
        make_post(labels=["AROUND THE GLOBE", "Movie"], published_at=hours_ago(n))
        for n in range(1, 9)
    ]
    shown = {posts[0].pk, posts[1].pk}
    blocks = selectors.home_blocks(["AROUND THE GLOBE", "Movie", "KERALA"], shown)
    globe, movie = blocks  # KERALA has no post: no block
    assert [post.pk for post in globe["posts"]] == [p.pk for p in posts[2:5]]
    # Movie's newest are in the block above: it takes the next three.
    assert [post.pk for post in movie["posts"]] == [p.pk for p in posts[5:8]]


def test_a_block_with_fewer_posts_left_than_a_row_shows_what_it_has(frozen_now):
    posts = [make_post(labels=["Movie"], published_at=hours_ago(n)) for n in (1, 2)]
    (block,) = selectors.home_blocks(["Movie"], {posts[0].pk})
    assert [post.pk for post in block["posts"]] == [posts[1].pk]


@pytest.fixture
def newsroom(frozen_now):
    """Forty live posts under the home blocks' labels, every fourth a TOP STORY."""
    image = make_image()
    labels = ["AROUND THE GLOBE", "Movie", "SPECIAL STORY"]
    return [
        make_post(
            title="Story %02d" % number,
            labels=(["TOP STORY"] if number % 4 == 0 else []) + [labels[number % 3]],
            featured_image=image,
            published_at=hours_ago(number + 1),
        )
        for number in range(40)
    ]


def main_column(html):
    return html[html.index('id="main"') : html.index('class="sidebar"')]


def story_links(html):
    """The story links of the main column: each card's title link."""
    return re.findall(r'class="card-title"><a href="([^"]+)"', main_column(html))


def test_home_shows_no_story_twice(client, newsroom):
    html = client.get("/").content.decode()
    links = story_links(html)
    # The lead, ten in Latest, three blocks of three.
    assert len(links) == 1 + 10 + 9
    assert len(links) == len(set(links))
    assert links[0] == newsroom[0].get_absolute_url()  # Story 00, a TOP STORY
    blocks = re.findall(r'<section class="label-block".*?</section>', html, re.S)
    assert [block.count('class="card-title"') for block in blocks] == [3, 3, 3]
    # The News Feed would repeat Latest: the home sidebar leaves it out.
    assert 'id="news-feed-title"' not in html
    assert 'id="news-feed-title"' in client.get("/search").content.decode()


def test_a_pinned_lead_shows_once_and_leads(client, newsroom):
    pinned = newsroom[5]
    pin(pinned)
    html = client.get("/").content.decode()
    featured = re.search(r'<section class="featured".*?</section>', html, re.S)[0]
    assert pinned.title in featured
    links = story_links(html)
    assert links.count(pinned.get_absolute_url()) == 1
    assert len(links) == len(set(links))
    # Story 00, lead no more, is the first of Latest now.
    assert links[1] == newsroom[0].get_absolute_url()


@pytest.mark.parametrize(
    "query", ["?max-results=20", "?until=2026-03-04T14:30:00%2B05:30"]
)
def test_a_longer_latest_gets_blocks_without_its_own_stories(client, newsroom, query):
    """Load more's `until` (the address after Back) and `max-results` too."""
    default = story_links(client.get("/").content.decode())
    links = story_links(client.get("/" + query).content.decode())
    assert len(links) == 1 + 20 + 9
    assert len(links) == len(set(links))
    # The default page's shared blocks are not taken over, nor spoilt.
    assert story_links(client.get("/").content.decode()) == default


def test_a_pin_costs_no_more_queries_than_none(
    client, newsroom, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as unpinned:
        client.get("/")
    pin(newsroom[7])
    with django_assert_max_num_queries(len(unpinned.captured_queries)):
        client.get("/")


def test_pinning_in_the_admin_purges_the_cached_home_page(
    staff_client, newsroom, settings
):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    SiteSettings.load()  # the row is made on first reading, which purges
    reader = Client()
    reader.get("/")
    assert reader.get("/").headers["X-Page-Cache"] == "hit"
    url = reverse("admin:articles_sitesettings_change", args=[1])
    form = staff_client.get(url).context["adminform"].form
    assert "lead_post" in form.fields
    data = {
        name: "" if value is None else value
        for name, value in form.initial.items()
        if name in form.fields
    }
    data["lead_post"] = newsroom[9].pk
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert SiteSettings.load().lead_post_id == newsroom[9].pk
    after = reader.get("/")
    assert after.headers["X-Page-Cache"] == "miss"
    featured = re.search(r'<section class="featured".*?</section>', after.text, re.S)
    assert newsroom[9].title in featured[0]


def test_the_lead_story_field_finds_posts_by_title(staff_client, newsroom):
    make_post(title="Harbour reopens after the storm")
    url = reverse("admin:autocomplete")
    response = staff_client.get(
        url,
        {
            "term": "harbour",
            "app_label": "articles",
            "model_name": "sitesettings",
            "field_name": "lead_post",
        },
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == [
        "Harbour reopens after the storm"
    ]
