from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Post, Status
from articles.selectors import label_counts
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_page, make_post, make_scheduled

pytestmark = pytest.mark.django_db


def test_published_means_published_status_and_time_not_in_future(frozen_now):
    live = make_post()
    draft = make_draft()
    pending = make_draft(status=Status.PENDING)
    scheduled = make_scheduled(delay=timedelta(minutes=5))
    assert list(Post.objects.published()) == [live]
    assert live.is_published() is True
    assert draft.is_published() is False
    assert pending.is_published() is False
    assert scheduled.is_published() is False
    assert scheduled.is_scheduled() is True


def test_scheduled_post_goes_live_at_its_time_without_a_job(frozen_now, client):
    post = make_scheduled(delay=timedelta(minutes=10), labels=["TOP STORY"])
    assert client.get(post.get_absolute_url()).status_code == 404
    assert list(label_counts()) == []
    frozen_now.shift(timedelta(minutes=10))
    assert post.is_published() is True
    assert client.get(post.get_absolute_url()).status_code == 200
    assert [(label.name, label.count) for label in label_counts()] == [("TOP STORY", 1)]


def test_permalink_uses_publication_month_in_site_time_zone(frozen_now):
    # 2026-01-31 20:00 UTC is already February in India.
    moment = timezone.make_aware(timezone.datetime(2026, 1, 31, 20, 0), timezone.UTC)
    post = make_post(title="Late night budget vote", published_at=moment)
    assert post.permalink == "/2026/02/late-night-budget-vote.html"


def test_clash_in_same_month_gets_numbered_suffix(frozen_now):
    first = make_post(title="Flood warning issued")
    second = make_post(title="Flood warning issued")
    third = make_post(title="Flood warning issued")
    month = "/2026/03/"
    assert first.permalink == month + "flood-warning-issued.html"
    assert second.permalink == month + "flood-warning-issued_1.html"
    assert third.permalink == month + "flood-warning-issued_2.html"


def test_same_slug_in_another_month_has_no_suffix(frozen_now):
    make_post(title="Flood warning issued")
    later = make_post(
        title="Flood warning issued", published_at=FROZEN_NOW - timedelta(days=40)
    )
    assert later.permalink == "/2026/01/flood-warning-issued.html"


def test_title_edit_after_publishing_keeps_the_url(frozen_now):
    post = make_post(title="Original headline here")
    address = post.get_absolute_url()
    post.title = "A completely different headline"
    post.save()
    post.refresh_from_db()
    assert post.get_absolute_url() == address == "/2026/03/original-headline-here.html"


def test_draft_has_no_permalink_until_published(frozen_now):
    post = make_draft(title="Work in progress")
    assert post.permalink is None
    post.status = Status.PUBLISHED
    post.save()
    assert post.published_at == FROZEN_NOW
    assert post.permalink == "/2026/03/work-in-progress.html"


def test_body_is_sanitised_on_save(frozen_now):
    post = make_post(
        body='<p onclick="x()">Hi<script>alert(1)</script>'
        '<a href="javascript:alert(1)">link</a></p><h2>Sub</h2>'
    )
    assert "script" not in post.body
    assert "onclick" not in post.body
    assert "javascript:" not in post.body
    assert "<h2>Sub</h2>" in post.body


def test_summary_prefers_the_editors_excerpt(frozen_now):
    post = make_post(excerpt="Editor's own words.", body="<p>Body text.</p>")
    assert post.summary == "Editor's own words."
    post.excerpt = ""
    post.save()
    assert post.summary == "Body text."


def test_labels_keep_the_editors_order(frozen_now):
    post = make_post(labels=["TOP STORY", "AROUND THE GLOBE", "business"])
    assert [label.name for label in post.label_list] == [
        "TOP STORY",
        "AROUND THE GLOBE",
        "business",
    ]
    post.set_labels(["business", "TOP STORY"])
    fresh = Post.objects.for_cards().get(pk=post.pk)
    assert [label.name for label in fresh.label_list] == ["business", "TOP STORY"]


def test_pages_have_their_own_published_rule(frozen_now):
    page = make_page(title="About us")
    make_page(title="Hidden", status=Status.DRAFT)
    assert page.get_absolute_url() == "/p/about-us.html"
    assert [p.title for p in type(page).objects.published()] == ["About us"]
