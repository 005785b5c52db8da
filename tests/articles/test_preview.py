"""Signed, expiring preview links for drafts and scheduled posts."""

from datetime import timedelta

import pytest
from django.test import override_settings

from articles.preview import make_preview_token, preview_url
from tests.factories import make_draft, make_scheduled

pytestmark = pytest.mark.django_db


def test_valid_link_shows_the_draft_without_login(client, frozen_now):
    post = make_draft(title="Budget leak", body="<h2>Numbers</h2><p>Secret plan.</p>")
    response = client.get(preview_url(post))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Budget leak" in page
    assert "<h2>Numbers</h2>" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_scheduled_post_preview_says_when_it_goes_live(client, frozen_now):
    post = make_scheduled(delay=timedelta(minutes=10), title="Coming soon")
    page = client.get(preview_url(post)).content.decode()
    assert "Coming soon" in page
    assert "scheduled to go live" in page


def test_preview_is_never_cached(client, frozen_now):
    post = make_draft(title="First title")
    url = preview_url(post)
    response = client.get(url)
    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "must-revalidate", "private"):
        assert directive in cache_control
    post.title = "Second title"
    post.save()
    assert "Second title" in client.get(url).content.decode()


def test_expired_link_is_404(client, frozen_now):
    post = make_draft()
    url = preview_url(post)
    frozen_now.shift(timedelta(days=3, seconds=1))
    assert client.get(url).status_code == 404


@override_settings(NEWSROOM={"PREVIEW_MAX_AGE": timedelta(hours=1)})
def test_link_lifetime_is_a_setting(client, frozen_now):
    post = make_draft()
    url = preview_url(post)
    frozen_now.shift(timedelta(minutes=59))
    assert client.get(url).status_code == 200
    frozen_now.shift(timedelta(minutes=2))
    assert client.get(url).status_code == 404


def test_tampered_link_is_404(client, frozen_now):
    post = make_draft()
    other = make_draft(title="Other draft")
    token = make_preview_token(post)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get("/preview/%s" % forged).status_code == 404
    # A valid token's payload cannot be swapped for another post's id.
    payload, rest = token.split(":", 1)
    other_payload = make_preview_token(other).split(":", 1)[0]
    assert client.get("/preview/%s:%s" % (other_payload, rest)).status_code == 404
    assert client.get("/preview/garbage").status_code == 404


def test_deleted_post_link_is_404(client):
    post = make_draft()
    url = preview_url(post)
    post.delete()
    assert client.get(url).status_code == 404


def test_admin_shows_the_preview_link_for_drafts(admin_client):
    post = make_draft()
    preview_url(post)
    page = admin_client.get("/admin/articles/post/%d/change/" % post.pk)
    assert 'class="preview-link" href="/preview/' in page.content.decode()
