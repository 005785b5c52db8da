"""Signed, expiring preview links for drafts and scheduled posts."""

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client, override_settings
from django.utils import timezone

from articles import roles
from articles.models import PreviewLink
from articles.preview import SALT, make_preview_token, preview_url
from tests.articles.newsroom_admin import change_url, make_person
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


# Stored links: listed on the post with their expiry, revoked by editors.


def test_each_link_is_stored_with_its_expiry(frozen_now):
    post = make_draft()
    preview_url(post)
    [link] = PreviewLink.objects.filter(post=post)
    assert link.expires_at == timezone.now() + timedelta(days=3)
    assert link.revoked_at is None


def test_the_form_lists_links_with_their_expiry(client, frozen_now):
    editor = make_person(roles.EDITORS, first_name="Asha", last_name="Menon")
    client.force_login(editor)
    post = make_draft()
    page = client.get(change_url(post)).content.decode()
    assert "No preview link yet." in page
    response = client.post("/admin/articles/post/%d/preview-links/new/" % post.pk)
    assert response.status_code == 302
    assert response["Location"] == change_url(post) + "#preview-links"
    frozen_now.shift(timedelta(hours=1))
    client.post("/admin/articles/post/%d/preview-links/new/" % post.pk)
    page = client.get(change_url(post)).content.decode()
    assert page.count('class="preview-link"') == 3  # two listed, the newest on top
    assert "expires 8 Mar 2026, 12:00 IST" in page
    assert "expires 8 Mar 2026, 13:00 IST" in page
    assert "made by Asha Menon" in page
    assert page.count(">Revoke</button>") == 2


def test_an_editor_revokes_a_link(client, frozen_now):
    client.force_login(make_person(roles.EDITORS))
    post = make_draft()
    url = preview_url(post)
    link = PreviewLink.objects.get(post=post)
    revoke = "/admin/articles/post/%d/preview-links/%d/revoke/" % (post.pk, link.pk)
    assert client.get(revoke).status_code == 405
    response = client.post(revoke)
    assert response["Location"] == change_url(post) + "#preview-links"
    refused = client.get(url)
    assert refused.status_code == 404
    assert "This preview link has expired" in refused.content.decode()
    assert refused["X-Robots-Tag"] == "noindex, nofollow"
    assert "No preview link yet." in client.get(change_url(post)).content.decode()
    # Another post's link id under this post's address: 404.
    other = make_draft()
    preview_url(other)
    other_link = PreviewLink.objects.get(post=other)
    wrong = "/admin/articles/post/%d/preview-links/%d/revoke/" % (
        post.pk,
        other_link.pk,
    )
    assert client.post(wrong).status_code == 404


def test_writers_make_links_for_their_drafts_but_do_not_revoke(client, frozen_now):
    writer = make_person(roles.WRITERS)
    client.force_login(writer)
    post = make_draft(author=writer)
    client.post("/admin/articles/post/%d/preview-links/new/" % post.pk)
    link = PreviewLink.objects.get(post=post)
    page = client.get(change_url(post)).content.decode()
    assert 'class="preview-link"' in page
    assert ">Revoke</button>" not in page
    revoke = "/admin/articles/post/%d/preview-links/%d/revoke/" % (post.pk, link.pk)
    assert client.post(revoke).status_code == 403
    link.refresh_from_db()
    assert link.revoked_at is None


def test_link_views_need_csrf(frozen_now):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_person(roles.EDITORS))
    post = make_draft()
    assert (
        strict.post("/admin/articles/post/%d/preview-links/new/" % post.pk).status_code
        == 403
    )
    assert not PreviewLink.objects.exists()


def test_a_link_past_its_stored_expiry_is_refused(client, frozen_now):
    post = make_draft()
    url = preview_url(post)
    PreviewLink.objects.filter(post=post).update(
        expires_at=PreviewLink.objects.get(post=post).created_at + timedelta(hours=1)
    )
    frozen_now.shift(timedelta(hours=2))
    assert client.get(url).status_code == 404


def test_old_unstored_tokens_are_refused(client, frozen_now):
    post = make_draft()
    old = signing.dumps({"post": post.pk}, salt=SALT, compress=True)
    assert client.get("/preview/%s" % old).status_code == 404
    unknown = signing.dumps({"post": post.pk, "link": "nope"}, salt=SALT)
    assert client.get("/preview/%s" % unknown).status_code == 404
