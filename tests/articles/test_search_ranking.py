"""
The ranking rules of docs/search.md, held on SQLite and PostgreSQL alike
(the same tests run on both; `DATABASE_URL` picks the database).
"""

from datetime import timedelta

import pytest
from django.db import connection

from articles import search
from articles.models import Post
from articles.search import ranked_page
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def minutes_ago(minutes):
    return FROZEN_NOW - timedelta(minutes=minutes)


def ranked_titles(query, count=20):
    rows = ranked_page(query, Post.objects.published(), 0, count)
    names = dict(Post.objects.values_list("pk", "title"))
    return [names[pk] for pk, _moment, _snippet in rows]


def test_a_title_match_outranks_newer_body_matches(frozen_now):
    make_post(
        title="Storm closes the harbour",
        body="<p>Boats stayed in.</p>",
        published_at=minutes_ago(500),
    )
    for minutes in (5, 10):
        make_post(
            title="Market day %d" % minutes,
            body="<p>The harbour was mentioned once.</p>",
            published_at=minutes_ago(minutes),
        )
    assert ranked_titles("harbour") == [
        "Storm closes the harbour",
        "Market day 5",
        "Market day 10",
    ]


def test_equal_matches_go_newest_first_then_by_id(frozen_now):
    same = minutes_ago(30)
    first = make_post(title="Ferry one", body="<p>x</p>", published_at=same)
    second = make_post(title="Ferry two", body="<p>x</p>", published_at=same)
    make_post(title="Ferry new", body="<p>x</p>", published_at=minutes_ago(1))
    make_post(title="Ferry old", body="<p>x</p>", published_at=minutes_ago(90))
    assert second.pk > first.pk
    assert ranked_titles("ferry") == [
        "Ferry new",
        "Ferry two",
        "Ferry one",
        "Ferry old",
    ]


def test_only_live_posts_matching_every_word(frozen_now):
    make_post(title="Bridge and tunnel", published_at=minutes_ago(9))
    make_post(title="Bridge only", published_at=minutes_ago(8))
    make_draft(title="Bridge tunnel draft")
    make_scheduled(title="Bridge tunnel soon")
    assert ranked_titles("bridge tunnel") == ["Bridge and tunnel"]


def test_a_common_word_ranks_its_newest_matches_on_postgresql(frozen_now, monkeypatch):
    """
    PostgreSQL ranks the SEARCH_CANDIDATES newest matches; SQLite ranks them
    all. Either way the page holds only matches, best first among those ranked.
    """
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    make_post(title="Police chief retires", published_at=minutes_ago(900))
    for minutes in (1, 2, 3, 4):
        make_post(
            title="Roads %d" % minutes,
            body="<p>Police closed the road.</p>",
            published_at=minutes_ago(minutes),
        )
    found = ranked_titles("police")
    if connection.vendor == "postgresql":
        assert found == ["Roads 1", "Roads 2", "Roads 3"]
    else:
        assert found == [
            "Police chief retires",
            "Roads 1",
            "Roads 2",
            "Roads 3",
            "Roads 4",
        ]


def test_a_changed_publication_time_moves_the_post_among_candidates(
    frozen_now, monkeypatch
):
    """The index keeps each post's time, so a rescheduled post is found by its new one."""
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    old = make_post(title="Lighthouse reopens", published_at=minutes_ago(900))
    for minutes in (1, 2):
        make_post(title="Lighthouse %d" % minutes, published_at=minutes_ago(minutes))
    old.published_at = minutes_ago(0)
    old.save()
    assert ranked_titles("lighthouse")[0] == "Lighthouse reopens"


def test_ranked_page_costs_the_same_queries_at_two_sizes(
    frozen_now, django_assert_num_queries
):
    """
    The ranking costs its queries (SQLite: ranks, admitted posts, snippets;
    PostgreSQL: one) plus the next scheduled times (a post's, a page's), the
    same at both sizes; asked again, it is kept and costs none.
    """
    ranking = 3 if connection.vendor == "sqlite" else 1
    for minutes in range(3):
        make_post(title="Tram %d" % minutes, published_at=minutes_ago(minutes))
    with django_assert_num_queries(ranking + 2):
        small = ranked_page("tram", Post.objects.published(), 0, 2)
    with django_assert_num_queries(0):
        assert ranked_page("tram", Post.objects.published(), 0, 2) == small
    for minutes in range(3, 40):
        make_post(title="Tram %d" % minutes, published_at=minutes_ago(minutes))
    with django_assert_num_queries(ranking + 2):
        large = ranked_page("tram", Post.objects.published(), 0, 2)
    with django_assert_num_queries(0):
        assert ranked_page("tram", Post.objects.published(), 0, 2) == large
    assert len(small) == len(large) == 2


def test_bulk_loaded_posts_are_indexed_with_their_time(frozen_now, monkeypatch):
    """copy_new_rows(): the bulk path's index rows rank like saved ones."""
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    make_post(title="Glacier melts", published_at=minutes_ago(5))
    posts = [
        Post(
            title="Glacier %d" % minutes,
            body="<p>x</p>",
            summary="x",
            status="published",
            published_at=minutes_ago(minutes),
        )
        for minutes in (1, 900)
    ]
    posts = Post.objects.bulk_create(posts)
    search.copy_new_rows(posts)
    found = ranked_titles("glacier")
    if connection.vendor == "postgresql":
        assert found == ["Glacier 1", "Glacier melts"]
    else:
        assert sorted(found) == ["Glacier 1", "Glacier 900", "Glacier melts"]
