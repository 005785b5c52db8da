from datetime import timedelta

import pytest

from articles.models import Status
from articles.selectors import archive_months, label_counts
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_page, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def counts():
    return [(label.name, label.count) for label in label_counts()]


def test_label_counts_exclude_drafts_scheduled_and_pending(frozen_now):
    make_post(labels=["TOP STORY", "KERALA"])
    make_post(labels=["TOP STORY"])
    make_draft(labels=["TOP STORY", "Movie"])
    make_draft(status=Status.PENDING, labels=["TOP STORY"])
    make_scheduled(labels=["TOP STORY", "TRAVEL"])
    make_page()
    assert counts() == [("KERALA", 1), ("TOP STORY", 2)]


def test_labels_sorted_case_insensitively_and_empty_ones_hidden(frozen_now):
    for name in ["business", "AROUND THE GLOBE", "Movie", "BY READERS", "s"]:
        make_post(labels=[name])
    make_draft(labels=["ZZZ only drafts"])
    assert [name for name, _count in counts()] == [
        "AROUND THE GLOBE",
        "business",
        "BY READERS",
        "Movie",
        "s",
    ]


def test_a_post_counts_once_under_each_of_its_labels(frozen_now):
    make_post(labels=["GLOBE", "FEATURE"])
    assert counts() == [("FEATURE", 1), ("GLOBE", 1)]


def test_label_counts_cost_one_query(frozen_now, django_assert_num_queries):
    for index in range(5):
        make_post(labels=["A%d" % index, "shared"])
    with django_assert_num_queries(1):
        assert len(counts()) == 6


def test_archive_months_count_live_posts_in_site_time_zone(frozen_now):
    make_post()
    make_post(published_at=FROZEN_NOW - timedelta(days=40))
    make_scheduled(delay=timedelta(days=1))
    rows = [(row["month"].strftime("%Y-%m"), row["count"]) for row in archive_months()]
    assert rows == [("2026-03", 1), ("2026-01", 1)]
