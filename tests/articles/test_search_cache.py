"""
A ranked search is kept (search.kept()): asked again it costs no query, and
every change that can alter it ends it, so it always equals a fresh ranking.
"""

from datetime import timedelta

import pytest
from django.db import connection

from articles import search
from articles.models import Label, Post, Status
from articles.search import parse_query, ranked_page
from tests.factories import make_draft, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def fresh(text, base=None):
    """The ranking computed now, without the cache."""
    base = Post.objects.published() if base is None else base
    return search._ranked_page(parse_query(text), base, 0, 50)


def kept_page(text, base=None):
    base = Post.objects.published() if base is None else base
    return ranked_page(text, base, 0, 50)


def titles(rows):
    found = dict(
        Post.objects.filter(pk__in=[row[0] for row in rows]).values_list("pk", "title")
    )
    return [found[row[0]] for row in rows]


def assert_kept(text, django_assert_num_queries, base=None):
    """The kept ranking is asked again for nothing and equals a fresh one."""
    kept_page(text, base)
    with django_assert_num_queries(0):
        rows = kept_page(text, base)
    assert rows == fresh(text, base)
    return rows


def test_asked_again_the_ranking_costs_no_query(frozen_now, django_assert_num_queries):
    make_post(title="Ferry strike", published_at=frozen_now_minus(1))
    rows = assert_kept("ferry", django_assert_num_queries)
    assert titles(rows) == ["Ferry strike"]
    # Another page window, or another query, is its own entry.
    assert ranked_page("ferry", Post.objects.published(), 1, 5) == []


def test_a_new_live_post_or_an_unpublished_one_ends_it(
    frozen_now, django_assert_num_queries
):
    first = make_post(title="Ferry strike", published_at=frozen_now_minus(5))
    assert_kept("ferry", django_assert_num_queries)
    make_post(title="Ferry strike ends", published_at=frozen_now_minus(1))
    rows = assert_kept("ferry", django_assert_num_queries)
    assert sorted(titles(rows)) == ["Ferry strike", "Ferry strike ends"]
    first.status = Status.DRAFT
    first.save()
    assert titles(assert_kept("ferry", django_assert_num_queries)) == [
        "Ferry strike ends"
    ]
    Post.objects.get(title="Ferry strike ends").delete()
    assert assert_kept("ferry", django_assert_num_queries) == []


def test_a_text_edit_in_place_ends_it_and_other_edits_keep_it(
    frozen_now, django_assert_num_queries
):
    post = make_post(title="Harbour news", published_at=frozen_now_minus(3))
    make_post(title="Ferry strike", published_at=frozen_now_minus(2))
    assert titles(assert_kept("ferry", django_assert_num_queries)) == ["Ferry strike"]
    post.title = "Harbour ferry news"
    post.save()
    rows = assert_kept("ferry", django_assert_num_queries)
    assert sorted(titles(rows)) == ["Ferry strike", "Harbour ferry news"]
    post.body = "<p>Nothing about boats.</p>"
    post.title = "Harbour news"
    post.save()
    assert titles(assert_kept("ferry", django_assert_num_queries)) == ["Ferry strike"]
    # An edit search does not read leaves the kept ranking as it was.
    post.comments_open = not post.comments_open
    post.save()
    with django_assert_num_queries(0):
        kept_page("ferry")


def test_relabelling_and_renaming_a_label_end_it(frozen_now, django_assert_num_queries):
    post = make_post(title="Ferry strike", labels=["Coast"])
    other = make_post(title="Ferry timetable")
    query = 'ferry label:"Coast"'
    assert titles(assert_kept(query, django_assert_num_queries)) == ["Ferry strike"]
    other.set_labels(["Coast"])
    rows = assert_kept(query, django_assert_num_queries)
    assert sorted(titles(rows)) == ["Ferry strike", "Ferry timetable"]
    post.set_labels([])
    assert titles(assert_kept(query, django_assert_num_queries)) == ["Ferry timetable"]
    # A label's name is searched text: "shore" finds its posts once renamed.
    assert assert_kept("shore", django_assert_num_queries) == []
    label = Label.objects.get(name="Coast")
    label.name = "Shore"
    label.save()
    assert titles(assert_kept("shore", django_assert_num_queries)) == [
        "Ferry timetable"
    ]
    assert assert_kept(query, django_assert_num_queries) == []


def test_a_scheduled_post_going_live_ends_it(frozen_now, django_assert_num_queries):
    make_post(title="Ferry strike", published_at=frozen_now_minus(10))
    make_scheduled(delay=timedelta(minutes=30), title="Ferry strike ends")
    assert titles(assert_kept("ferry", django_assert_num_queries)) == ["Ferry strike"]
    # Time passing alone reads the same live posts: still kept.
    frozen_now.shift(timedelta(minutes=10))
    with django_assert_num_queries(0):
        kept_page("ferry")
    frozen_now.shift(timedelta(minutes=20, seconds=1))
    rows = assert_kept("ferry", django_assert_num_queries)
    assert sorted(titles(rows)) == ["Ferry strike", "Ferry strike ends"]


def test_a_drafts_text_edit_ends_it(frozen_now, monkeypatch, django_assert_num_queries):
    """On PostgreSQL an undated draft takes one of the newest candidates' places."""
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    make_post(title="Ferry one", published_at=frozen_now_minus(2))
    make_post(title="Ferry two", published_at=frozen_now_minus(1))
    draft = make_draft(title="Untitled")
    assert len(assert_kept("ferry", django_assert_num_queries)) == 2
    draft.title = "Ferry draft"
    draft.save()
    rows = assert_kept("ferry", django_assert_num_queries)
    assert len(rows) == (1 if connection.vendor == "postgresql" else 2)


def test_each_base_is_its_own_entry(frozen_now, django_assert_num_queries):
    make_post(title="Ferry old", published_at=frozen_now_minus(60))
    make_post(title="Ferry new", published_at=frozen_now_minus(1))
    everything = assert_kept("ferry", django_assert_num_queries)
    older = Post.objects.published(before=frozen_now_minus(30))
    assert titles(assert_kept("ferry", django_assert_num_queries, older)) == [
        "Ferry old"
    ]
    assert len(everything) == 2


def frozen_now_minus(minutes):
    from django.utils import timezone

    return timezone.now() - timedelta(minutes=minutes)
