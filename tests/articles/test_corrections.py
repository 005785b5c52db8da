"""
Corrections: an editor marks a saved change to a live post as a correction
with a note; readers see "Updated <time> — note" under the post, and the
post's JSON-LD dateModified counts it.
"""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from articles import roles
from articles.models import Correction, SiteSettings, Status
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_post

pytestmark = pytest.mark.django_db

NOTE = "An earlier version gave the wrong river level."


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS, first_name="Asha", last_name="Menon")
    client.force_login(user)
    return user


def save_through_admin(client, post, **changes):
    post.refresh_from_db()
    response = client.post(change_url(post), post_form_data(post, **changes))
    assert response.status_code == 302, response.content[:800]
    post.refresh_from_db()
    return post


def versions_of(post):
    return list(Version.objects.get_for_object(post))


def correction_url(post, version):
    return "/admin/articles/post/%d/history/%d/correction/" % (post.pk, version.pk)


def live_story_with_a_fix(client, frozen_now):
    """Written as a draft, published at 12:00 IST, its river level fixed at 14:30 IST."""
    post = make_draft(
        title="Flood report",
        body="<p>The river rose by two metres.</p>",
        labels=["Local"],
    )
    save_through_admin(client, post)
    save_through_admin(client, post, status=Status.PUBLISHED)
    frozen_now.shift(timedelta(hours=2, minutes=30))
    save_through_admin(client, post, body="<p>The river rose by three metres.</p>")
    return post, versions_of(post)[0]


def reader_page(post):
    response = Client().get(post.get_absolute_url())
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def json_ld(html):
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html)
    return json.loads(found.group(1))


def test_editor_marks_a_correction_and_readers_see_it(client, editor, frozen_now):
    post, fix = live_story_with_a_fix(client, frozen_now)
    history = client.get("/admin/articles/post/%d/history/" % post.pk)
    assert correction_url(post, fix) in history.content.decode()
    form = client.get(correction_url(post, fix))
    assert form.status_code == 200
    assert "<del>two</del> <ins>three</ins>" in form.content.decode()
    response = client.post(correction_url(post, fix), {"note": NOTE})
    assert response.status_code == 302
    correction = Correction.objects.get(post=post)
    assert (correction.version, correction.created_by) == (fix, editor)
    assert correction.changed_at == fix.revision.date_created
    page = reader_page(post)
    assert (
        '<time datetime="2026-03-05T14:30:00+05:30" class="correction-time">'
        "Updated 5 Mar 2026, 14:30</time> — "
        '<span class="correction-note">%s</span>' % NOTE
    ) in page
    assert (
        "Correction:</strong> %s" % NOTE
        in client.get("/admin/articles/post/%d/history/" % post.pk).content.decode()
    )


def test_readers_see_the_time_in_the_sites_time_zone(client, editor, frozen_now):
    post, fix = live_story_with_a_fix(client, frozen_now)
    client.post(correction_url(post, fix), {"note": NOTE})
    site = SiteSettings.load()
    site.time_zone = "Europe/London"
    site.save()
    assert "Updated 5 Mar 2026, 09:00" in reader_page(post)


def test_corrections_are_listed_newest_first(client, editor, frozen_now):
    post, first_fix = live_story_with_a_fix(client, frozen_now)
    frozen_now.shift(timedelta(days=1))
    save_through_admin(client, post, title="Flood report: roads reopen")
    second_fix = versions_of(post)[0]
    client.post(correction_url(post, first_fix), {"note": "River level corrected."})
    client.post(correction_url(post, second_fix), {"note": "Headline corrected."})
    page = reader_page(post)
    assert page.index("Headline corrected.") < page.index("River level corrected.")
    assert "Updated 6 Mar 2026, 14:30" in page


def test_json_ld_date_modified_counts_the_latest_correction(frozen_now):
    post = make_post(published_at=FROZEN_NOW - timedelta(days=1))
    before = json_ld(reader_page(post))
    assert before["dateModified"] == "2026-03-05T12:00:00+05:30"
    Correction.objects.create(
        post=post, changed_at=FROZEN_NOW + timedelta(hours=3), note="Name spelt right."
    )
    Correction.objects.create(
        post=post, changed_at=FROZEN_NOW + timedelta(hours=1), note="Older fix."
    )
    page = reader_page(post)
    data = json_ld(page)
    assert data["dateModified"] == "2026-03-05T15:00:00+05:30"
    assert data["datePublished"] == before["datePublished"]
    assert 'content="2026-03-05T15:00:00+05:30"' in page  # article:modified_time


def test_editor_edits_and_removes_a_correction(client, editor, frozen_now):
    post, fix = live_story_with_a_fix(client, frozen_now)
    url = correction_url(post, fix)
    client.post(url, {"note": NOTE})
    assert NOTE in client.get(url).content.decode()  # the form keeps the note
    client.post(url, {"note": "River level: three metres, not two."})
    assert (
        Correction.objects.get(post=post).note == "River level: three metres, not two."
    )
    assert "three metres, not two" in reader_page(post)
    response = client.post(url, {"note": "", "_remove": "1"})
    assert response.status_code == 302
    assert not Correction.objects.filter(post=post).exists()
    assert "post-corrections" not in reader_page(post)


def test_a_correction_needs_a_note(client, editor, frozen_now):
    post, fix = live_story_with_a_fix(client, frozen_now)
    response = client.post(correction_url(post, fix), {"note": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Correction.objects.exists()


def test_only_a_change_to_a_live_post_is_a_correction(client, editor, frozen_now):
    post, _fix = live_story_with_a_fix(client, frozen_now)
    publishing, draft = versions_of(post)[1:]
    history = client.get("/admin/articles/post/%d/history/" % post.pk).content.decode()
    for version in (publishing, draft):
        assert correction_url(post, version) not in history
        response = client.post(correction_url(post, version), {"note": NOTE})
        assert response.status_code == 302
    assert not Correction.objects.exists()


def test_writers_cannot_mark_corrections(client, frozen_now):
    editor = make_person(roles.EDITORS)
    client.force_login(editor)
    post, fix = live_story_with_a_fix(client, frozen_now)
    writer = make_person(roles.WRITERS)
    client.force_login(writer)
    assert client.get(correction_url(post, fix)).status_code == 403
    assert client.post(correction_url(post, fix), {"note": NOTE}).status_code == 403
    assert not Correction.objects.exists()
    history = client.get("/admin/articles/post/%d/history/" % post.pk)
    assert "Mark as correction" not in history.content.decode()


def test_a_revision_of_another_post_is_not_found(client, editor, frozen_now):
    post, _fix = live_story_with_a_fix(client, frozen_now)
    other, other_fix = live_story_with_a_fix(client, frozen_now)
    assert client.get(correction_url(post, other_fix)).status_code == 404
    assert (
        client.get("/admin/articles/post/999999/history/1/correction/").status_code
        == 404
    )


def test_a_correction_purges_the_cached_post_page(client, editor, frozen_now, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    post, fix = live_story_with_a_fix(client, frozen_now)
    reader = Client()
    reader.get(post.get_absolute_url())
    assert reader.get(post.get_absolute_url()).headers["X-Page-Cache"] == "hit"
    client.post(correction_url(post, fix), {"note": NOTE})
    after = reader.get(post.get_absolute_url())
    assert after.headers["X-Page-Cache"] == "miss"
    assert NOTE in after.content.decode()
    client.post(correction_url(post, fix), {"_remove": "1"})
    assert NOTE not in reader.get(post.get_absolute_url()).content.decode()


def count_queries(url):
    from django.core.cache import cache

    cache.clear()
    SiteSettings.load()
    with CaptureQueriesContext(connection) as context:
        assert Client().get(url).status_code == 200
    return len(context.captured_queries)


def test_a_corrected_post_costs_one_query_more_and_others_none(frozen_now):
    """The newest correction's time comes with the post; the list only when there is one."""
    plain = make_post(title="Plain", labels=["Local"])
    corrected = make_post(title="Corrected", labels=["Local"])
    baseline = count_queries(plain.get_absolute_url())
    assert count_queries(corrected.get_absolute_url()) == baseline
    Correction.objects.create(post=corrected, changed_at=FROZEN_NOW, note="Fixed.")
    Correction.objects.create(post=corrected, changed_at=FROZEN_NOW, note="Again.")
    assert count_queries(corrected.get_absolute_url()) == baseline + 1
