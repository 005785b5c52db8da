"""
An editor reads a post's history, compares versions, is stopped before a
restore that would take the live story down, restores the text keeping it
live, and marks a change as a correction that readers then see. The desk's
history pages pass axe; screenshots at desktop and phone width.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Post, Status
from tests.articles.newsroom_admin import make_person
from tests.browser.desk import log_in, save_revision
from tests.browser.test_accessibility import AXE, serious_violations
from tests.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-history"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The admin's CSP (rightly) refuses the injected axe script.
    return {**browser_context_args, "bypass_csp": True, "viewport": DESKTOP}


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / ("%s.png" % name)), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / ("%s-phone.png" % name)), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= PHONE["width"], "%s is %d px wide on a phone" % (name, width)


def check_axe(page):
    if AXE.exists():
        assert serious_violations(page) == []


@pytest.fixture
def story(live_server):
    editor = make_person(
        "Editors", username="editor", first_name="Asha", last_name="Menon"
    )
    now = timezone.now()
    post = make_draft(
        title="Flood waters rise across the valley",
        body="<p>The river rose by two metres overnight, officials said.</p>"
        "<p>Roads into the valley are shut.</p><p>Schools stay closed.</p>"
        "<p>The weather office expects more rain on Friday.</p>",
        labels=["Local", "Weather"],
    )
    save_revision(post, editor, now - timedelta(hours=3))
    save_revision(
        post,
        editor,
        now - timedelta(hours=2),
        status=Status.PUBLISHED,
        published_at=now - timedelta(hours=2),
    )
    save_revision(
        post,
        editor,
        now - timedelta(hours=1),
        labels=["Local", "Rain"],
        excerpt="Roads shut as the river rises.",
        body=post.body.replace("two metres", "three metres").replace(
            "Schools stay closed.", "Schools reopen on Monday."
        ),
    )
    return live_server.url, post


def test_editor_compares_restores_safely_and_marks_a_correction(page, story):
    base, post = story
    log_in(page, base, "editor")
    history = base + "/admin/articles/post/%d/history/" % post.pk

    page.goto(history)
    newest = page.locator("#change-history tbody tr").first
    expect(newest).to_contain_text("Body edited (+4 −3 words)")
    expect(page.locator("#change-history tbody tr").nth(1)).to_contain_text(
        "Status: Draft → Published"
    )
    expect(page.locator("#change-history")).to_contain_text("Asha Menon")
    check_axe(page)
    shoot(page, "history")

    # Compare the live edit with the version before it: words, not HTML.
    newest.get_by_role("link", name="Compare with previous").click()
    body = page.locator(".diff-field", has=page.get_by_role("heading", name="Body"))
    expect(body.locator("del").first).to_have_text("two")
    expect(body.locator("ins").first).to_have_text("three")
    expect(page.locator(".history-diff")).not_to_contain_text("<p>")
    expect(page.locator("ol.breadcrumbs")).to_contain_text("History")
    check_axe(page)
    shoot(page, "compare")

    # Restore the first (draft) version: refused until confirmed...
    page.goto(history)
    page.locator("#change-history tbody tr").last.get_by_role(
        "link", name="Restore…"
    ).click()
    expect(page.locator("#content-main")).to_contain_text(post.title)
    page.get_by_label("Also restore its publication state (Draft)").check()
    page.get_by_role("button", name="Restore this version").click()
    expect(page.locator(".restore-warning")).to_contain_text("Tick the confirmation")
    assert Post.objects.get(pk=post.pk).is_published()
    check_axe(page)
    shoot(page, "restore-refused")

    # ...and restoring the text alone keeps the story live.
    page.get_by_label("Also restore its publication state (Draft)").uncheck()
    page.get_by_role("button", name="Restore this version").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Live since")
    restored = Post.objects.get(pk=post.pk)
    assert restored.is_published() and "two metres" in restored.body

    # Mark the live edit (now the second row) as a correction.
    page.goto(history)
    page.locator("#change-history tbody tr").nth(1).get_by_role(
        "link", name="Mark as correction"
    ).click()
    page.get_by_label("Note for readers").fill(
        "An earlier version said the river rose by two metres."
    )
    check_axe(page)
    shoot(page, "correction-form")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Readers now see")

    # A reader sees it under the post.
    page.context.clear_cookies()
    page.goto(base + restored.get_absolute_url())
    corrections = page.locator(".post-corrections")
    expect(corrections).to_contain_text("Updated")
    expect(corrections).to_contain_text("river rose by two metres")
    check_axe(page)
    shoot(page, "corrected-post")


def test_publishing_from_the_form_is_summarised_as_a_status_change(page, live_server):
    """The finding: the editor's own form, saved with only the state changed."""
    make_person("Editors", username="editor", first_name="Asha", last_name="Menon")
    post = make_draft(
        title="Harbour reopens",
        body='<h2>What changed</h2><p>Boats are <a href="https://example.com/">back</a>'
        " &amp; <strong>busy</strong>.</p><ul><li>Ferries</li><li>Fishing</li></ul>"
        "<blockquote><p>Good news.</p></blockquote>",
        labels=["Local", "Harbour"],
    )
    base = live_server.url
    log_in(page, base, "editor")
    page.goto(base + "/admin/articles/post/%d/change/" % post.pk)
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.goto(base + "/admin/articles/post/%d/change/" % post.pk)
    page.locator("input[name=_publish_now]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.goto(base + "/admin/articles/post/%d/history/" % post.pk)
    newest = page.locator("#change-history tbody tr").first
    expect(newest).to_contain_text("Status: Draft → Published")
    expect(newest).not_to_contain_text("Body")
    expect(newest).not_to_contain_text("Labels")
    # What Django's "Recent actions" and the log say is true too.
    entry = LogEntry.objects.filter(object_id=str(post.pk)).order_by("-pk")[0]
    assert entry.get_change_message() == "Changed Status, Published at and Slug."
