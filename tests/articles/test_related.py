from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.selectors import rank_related_posts, related_posts
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_image, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def hours_ago(hours):
    return FROZEN_NOW - timedelta(hours=hours)


def titles(posts):
    return [post.title for post in posts]


def test_a_rare_shared_label_outranks_a_common_one(frozen_now):
    """Sharing KERALA (few posts) says more than sharing TOP STORY (many)."""
    for hours in range(10, 20):
        make_post(labels=["TOP STORY"], published_at=hours_ago(hours))
    post = make_post(labels=["TOP STORY", "KERALA"], published_at=hours_ago(30))
    make_post(title="Common, newest", labels=["TOP STORY"], published_at=hours_ago(1))
    make_post(title="Rare, older", labels=["KERALA"], published_at=hours_ago(40))
    assert titles(related_posts(post))[:2] == ["Rare, older", "Common, newest"]


def test_more_shared_weight_ranks_first_then_the_newest(frozen_now):
    for hours in range(10, 14):
        make_post(labels=["TOP STORY"], published_at=hours_ago(hours))
    post = make_post(
        labels=["TOP STORY", "AROUND THE GLOBE"], published_at=hours_ago(30)
    )
    make_post(
        title="One label, new", labels=["AROUND THE GLOBE"], published_at=hours_ago(1)
    )
    make_post(
        title="Both, older",
        labels=["TOP STORY", "AROUND THE GLOBE"],
        published_at=hours_ago(50),
    )
    make_post(
        title="Both, newer",
        labels=["AROUND THE GLOBE", "TOP STORY"],
        published_at=hours_ago(45),
    )
    assert titles(related_posts(post))[:3] == [
        "Both, newer",
        "Both, older",
        "One label, new",
    ]


def test_equal_scores_are_ordered_newest_first(frozen_now):
    post = make_post(labels=["Movie"], published_at=hours_ago(30))
    for hours in (5, 2, 9):
        make_post(
            title="Movie %d" % hours, labels=["Movie"], published_at=hours_ago(hours)
        )
    assert titles(related_posts(post)) == ["Movie 2", "Movie 5", "Movie 9"]


def test_the_post_itself_drafts_and_scheduled_posts_are_left_out(frozen_now):
    post = make_post(title="Itself", labels=["KERALA"])
    make_draft(title="Draft", labels=["KERALA"])
    make_scheduled(title="Scheduled", labels=["KERALA"])
    make_post(title="Live", labels=["KERALA"], published_at=hours_ago(5))
    assert titles(related_posts(post)) == ["Live"]


def test_the_list_is_filled_with_the_newest_posts(frozen_now):
    post = make_post(labels=["KERALA"], published_at=hours_ago(100))
    make_post(title="Shares", labels=["KERALA"], published_at=hours_ago(90))
    for hours in range(1, 10):
        make_post(
            title="Other %d" % hours, labels=["Movie"], published_at=hours_ago(hours)
        )
    assert titles(related_posts(post)) == [
        "Shares", "Other 1", "Other 2", "Other 3", "Other 4", "Other 5",
    ]  # fmt: skip
    assert len(related_posts(post, limit=3)) == 3


def test_pinned_posts_lead_and_excluded_posts_never_appear(frozen_now):
    post = make_post(labels=["KERALA"], published_at=hours_ago(100))
    pinned = make_post(
        title="Pinned, unrelated", labels=["Movie"], published_at=hours_ago(300)
    )
    excluded = make_post(title="Excluded", labels=["KERALA"], published_at=hours_ago(1))
    make_post(title="Shares", labels=["KERALA"], published_at=hours_ago(2))
    hidden = make_draft(title="Pinned draft", labels=["KERALA"])
    post.related_pinned.add(pinned, hidden)
    post.related_excluded.add(excluded)
    assert titles(related_posts(post)) == ["Pinned, unrelated", "Shares"]


def test_the_cached_list_follows_every_change(frozen_now):
    post = make_post(labels=["KERALA"], published_at=hours_ago(100))
    first = make_post(title="First", labels=["KERALA"], published_at=hours_ago(50))
    assert titles(related_posts(post)) == ["First"]

    second = make_post(title="Second", labels=["Movie"], published_at=hours_ago(1))
    assert titles(related_posts(post)) == ["First", "Second"]

    second.set_labels(["KERALA"])
    assert titles(related_posts(post)) == ["Second", "First"]

    post.related_excluded.add(second)
    assert titles(related_posts(post)) == ["First"]

    first.delete()
    assert titles(related_posts(post)) == []


def test_a_scheduled_post_appears_the_moment_it_goes_live(frozen_now):
    post = make_post(labels=["KERALA"], published_at=hours_ago(100))
    make_scheduled(title="Soon", labels=["KERALA"], delay=timedelta(minutes=5))
    assert titles(related_posts(post)) == []
    frozen_now.shift(timedelta(minutes=6))
    assert titles(related_posts(post)) == ["Soon"]


def test_a_list_ranked_as_a_post_goes_live_is_not_kept_past_its_time(
    frozen_now, monkeypatch
):
    """Ranked just before the post's time, stored just after it (a slow
    query): the list ends at that time instead of living an hour."""
    from articles import selectors

    post = make_post(labels=["KERALA"], published_at=hours_ago(100))
    make_scheduled(title="Soon", labels=["KERALA"], delay=timedelta(seconds=30))
    ranked = selectors.rank_candidates

    def slow_rank(*args, **kwargs):
        found = list(ranked(*args, **kwargs).values_list("pk", flat=True))
        frozen_now.shift(timedelta(seconds=31))
        return type(post).objects.filter(pk__in=found)

    monkeypatch.setattr(selectors, "rank_candidates", slow_rank)
    assert titles(related_posts(post)) == []
    monkeypatch.setattr(selectors, "rank_candidates", ranked)
    assert titles(related_posts(post)) == ["Soon"]


def test_a_cached_list_costs_one_query(frozen_now, django_assert_num_queries):
    post = make_post(labels=["KERALA"])
    make_post(labels=["KERALA"], published_at=hours_ago(3))
    list(related_posts(post))
    with django_assert_num_queries(1):
        assert len(related_posts(post)) == 1


def test_ranking_is_one_query(frozen_now, django_assert_num_queries):
    post = make_post(labels=["KERALA", "Movie", "TOP STORY"])
    make_post(labels=["KERALA"], published_at=hours_ago(3))
    make_post(labels=["Movie"], published_at=hours_ago(4))
    post = type(post).objects.for_cards().get(pk=post.pk)
    with django_assert_num_queries(1):
        ranked = list(rank_related_posts(post)[:6])
    assert ranked[0].score > 0


def post_page_queries(client, post):
    with CaptureQueriesContext(connection) as context:
        response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def add_posts(count, image):
    for index in range(count):
        make_post(
            labels=[["TOP STORY", "AROUND THE GLOBE"], ["KERALA"], ["Movie"]][
                index % 3
            ],
            featured_image=image,
            published_at=hours_ago(index + 2),
        )


def test_post_page_query_count_is_the_same_for_10_and_200_posts(
    client, frozen_now, django_assert_num_queries
):
    """RECOMMENDED FOR YOU and the newer/older links cost no query per post."""
    image = make_image()
    post = make_post(
        title="Target", labels=["TOP STORY", "KERALA"], featured_image=image
    )
    post_page_queries(client, post)  # Site settings and sessions warm up.
    add_posts(10, image)
    small, html = post_page_queries(client, post)
    assert html.count('class="related-item"') == 6
    add_posts(190, image)
    large, html = post_page_queries(client, post)
    assert html.count('class="related-item"') == 6
    assert large == small
    # Served from the cache, the list costs its one query only.
    warm, _html = post_page_queries(client, post)
    assert warm == small - 2


def test_post_page_shows_recommended_posts_with_thumbnail_title_and_time(
    client, frozen_now
):
    image = make_image()
    post = make_post(labels=["KERALA"], published_at=hours_ago(30))
    make_post(
        title="Backwaters",
        labels=["KERALA"],
        featured_image=image,
        published_at=hours_ago(3),
    )
    html = client.get(post.get_absolute_url()).content.decode()
    related = html[html.index('class="related"') :]
    assert "RECOMMENDED FOR YOU" in related
    assert 'src="%s"' % image.url("s320") in related
    assert ">Backwaters</a>" in related
    assert 'title="Mar 05, 2026" data-reltime>3 hours ago</time>' in related


def test_post_page_links_the_newer_and_older_posts(client, frozen_now):
    older = make_post(title="Older one", published_at=hours_ago(10))
    post = make_post(title="Middle", published_at=hours_ago(5))
    newer = make_post(title="Newer one", published_at=hours_ago(1))
    make_draft(title="Draft between")
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'href="%s" rel="next"' % newer.get_absolute_url() in html
    assert 'href="%s" rel="prev"' % older.get_absolute_url() in html
    first = client.get(newer.get_absolute_url()).content.decode()
    assert 'rel="next"' not in first


def test_admin_shows_the_list_and_the_labels_that_matched(staff_client, frozen_now):
    post = make_post(labels=["TOP STORY", "KERALA"], published_at=hours_ago(30))
    make_post(
        title="Kerala story", labels=["KERALA", "Movie"], published_at=hours_ago(3)
    )
    pinned = make_post(
        title="Editor's pick", labels=["Movie"], published_at=hours_ago(90)
    )
    make_post(title="Unrelated", labels=["Movie"], published_at=hours_ago(2))
    post.related_pinned.add(pinned)
    response = staff_client.get("/admin/articles/post/%d/change/" % post.pk)
    assert response.status_code == 200
    html = response.content.decode()
    preview = html[html.index("Readers see now") :]
    assert (
        preview.index("Editor&#x27;s pick</a> (pinned)")
        < preview.index("Kerala story</a> (shares KERALA)")
        < preview.index("Unrelated</a> (newest post)")
    )
    assert 'name="related_pinned"' in html
    assert 'name="related_excluded"' in html


def test_admin_saves_pins_and_exclusions(staff_client, frozen_now):
    post = make_post(title="Target", labels=["KERALA"])
    other = make_post(title="Other", labels=["Movie"], published_at=hours_ago(3))
    shared = make_post(title="Shared", labels=["KERALA"], published_at=hours_ago(4))
    url = "/admin/articles/post/%d/change/" % post.pk
    form = staff_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        title="Target",
        status="published",
        published_at_0="2026-03-05",
        published_at_1="11:00:00",
        label_names="KERALA",
        related_pinned=[other.pk],
        related_excluded=[shared.pk],
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert titles(related_posts(post)) == ["Other"]
