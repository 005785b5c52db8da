"""
Related stories from a bounded candidate set (articles/related.py), and the
newer/older links, on data where the bound matters.
"""

from datetime import timedelta

import pytest

from articles import related
from articles.models import Post
from articles.related import neighbours, rank_all, rank_candidates
from articles.selectors import related_posts
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_post

pytestmark = pytest.mark.django_db


def hours_ago(hours):
    return FROZEN_NOW - timedelta(hours=hours)


def titles(posts):
    return [post.title for post in posts]


def bulk_posts(count, label_names, start_hours, title="Filler %d"):
    """`count` live posts carrying `label_names`, one an hour older each."""
    posts = [
        make_post(
            title=title % index,
            labels=label_names,
            published_at=hours_ago(start_hours + index),
        )
        for index in range(count)
    ]
    return posts


@pytest.fixture
def small_bound(monkeypatch):
    """Six candidates per label (the list's length), so a few dozen posts show what a million would."""
    monkeypatch.setattr(related, "CANDIDATES_PER_LABEL", 6)


def test_bounded_ranking_equals_the_full_one_when_labels_are_small(frozen_now):
    """With every label under the bound, nothing changes from scoring every post."""
    post = make_post(
        labels=["KERALA", "Movie", "TOP STORY"], published_at=hours_ago(50)
    )
    bulk_posts(5, ["TOP STORY"], 1)
    bulk_posts(3, ["KERALA", "TOP STORY"], 20)
    bulk_posts(4, ["Movie"], 10)
    bulk_posts(4, ["business"], 2)
    post = Post.objects.for_cards().get(pk=post.pk)
    full = list(rank_all(post)[:6])
    assert list(rank_candidates(post, limit=6)) == full
    assert titles(related_posts(post)) == titles(full)


def test_a_rare_label_is_searched_whole_past_the_bound(frozen_now, small_bound):
    """An old post in a small label still comes first, past many newer posts of a big one."""
    post = make_post(labels=["TOP STORY", "KERALA"], published_at=hours_ago(5))
    bulk_posts(10, ["TOP STORY"], 1, title="Top %d")
    make_post(title="Old Kerala", labels=["KERALA"], published_at=hours_ago(900))
    assert titles(related_posts(post))[:3] == ["Old Kerala", "Top 0", "Top 1"]


def test_within_one_big_label_the_newest_sharing_posts_come_first(
    frozen_now, small_bound
):
    """The bound keeps the design's answer: equal scores go newest first."""
    post = make_post(labels=["TOP STORY"], published_at=hours_ago(500))
    bulk_posts(12, ["TOP STORY"], 10, title="Top %d")
    bulk_posts(3, ["Movie"], 1, title="Movie %d")
    post = Post.objects.for_cards().get(pk=post.pk)
    expected = titles(rank_all(post)[:6])
    assert titles(related_posts(post)) == expected
    assert expected == ["Top %d" % index for index in range(6)]


def test_what_changes_for_a_post_whose_labels_are_all_big(frozen_now, small_bound):
    """
    The one documented difference: a post sharing two big labels but older
    than each one's newest candidates is not found; the newest posts sharing
    one of them take its place (docs/search.md, "Related stories").
    """
    post = make_post(
        labels=["TOP STORY", "AROUND THE GLOBE"], published_at=hours_ago(1)
    )
    bulk_posts(8, ["TOP STORY"], 2, title="Top %d")
    bulk_posts(8, ["AROUND THE GLOBE"], 2, title="Globe %d")
    make_post(title="Both, old", labels=["TOP STORY", "AROUND THE GLOBE"],
              published_at=hours_ago(300))  # fmt: skip
    post = Post.objects.for_cards().get(pk=post.pk)
    assert titles(rank_all(post)[:1]) == ["Both, old"]
    bounded = titles(related_posts(post))
    assert "Both, old" not in bounded
    assert len(bounded) == 6
    # A newer post sharing both labels is among the candidates, and leads.
    make_post(title="Both, new", labels=["TOP STORY", "AROUND THE GLOBE"],
              published_at=hours_ago(3))  # fmt: skip
    assert titles(related_posts(post))[0] == "Both, new"


def test_pins_exclusions_and_drafts_past_the_bound(frozen_now, small_bound):
    post = make_post(labels=["TOP STORY"], published_at=hours_ago(2))
    bulk_posts(8, ["TOP STORY"], 3, title="Top %d")
    old_pin = make_post(title="Old pin", labels=["Movie"], published_at=hours_ago(2000))
    excluded = Post.objects.get(title="Top 0")
    post.related_pinned.add(old_pin, make_draft(title="Draft pin"))
    post.related_excluded.add(excluded)
    assert titles(related_posts(post)) == [
        "Old pin", "Top 1", "Top 2", "Top 3", "Top 4", "Top 5",
    ]  # fmt: skip


def test_ranking_costs_one_query_at_two_sizes(frozen_now, django_assert_num_queries):
    post = make_post(labels=["TOP STORY", "KERALA", "Movie"], published_at=hours_ago(1))
    bulk_posts(6, ["TOP STORY"], 2)
    post = Post.objects.for_cards().get(pk=post.pk)
    with django_assert_num_queries(1):
        small = list(rank_candidates(post, limit=6))
    bulk_posts(40, ["TOP STORY", "KERALA"], 10)
    with django_assert_num_queries(1):
        large = list(rank_candidates(post, limit=6))
    assert len(small) == len(large) == 6


# Newer and older links.


def test_posts_at_the_same_moment_link_to_each_other_in_id_order(frozen_now):
    moment = hours_ago(5)
    before = make_post(title="Before", published_at=hours_ago(6))
    first, second, third = (
        make_post(title="Same %d" % index, published_at=moment) for index in range(3)
    )
    after = make_post(title="After", published_at=hours_ago(4))
    live = Post.objects.published()
    assert neighbours(first, live) == (second, before)
    assert neighbours(second, live) == (third, first)
    assert neighbours(third, live) == (after, second)
    assert neighbours(after, live) == (None, third)


def test_drafts_and_scheduled_posts_are_never_neighbours(frozen_now):
    older = make_post(title="Older", published_at=hours_ago(9))
    post = make_post(title="Middle", published_at=hours_ago(5))
    make_draft(title="Draft with a date", published_at=hours_ago(7))
    make_post(title="Soon", published_at=FROZEN_NOW + timedelta(hours=1))
    assert neighbours(post, Post.objects.published()) == (None, older)
    draft = make_draft(title="Undated")
    assert neighbours(draft, Post.objects.published()) == (None, None)
