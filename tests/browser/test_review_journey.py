"""
A writer submits a post; an editor sees it on the dashboard and asks for
changes; the writer reads the note and submits again; the editor schedules
it and it goes live at its time (the clock is moved, nobody sleeps).
"""

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Post, Status
from tests.articles.newsroom_admin import make_person
from tests.browser.test_editor_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-sched"


def shot(page, name, full_page=True):
    """A full page; or, for the post form, the screen as the editor sees it
    (the action bar stays at the bottom of the window)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full_page)


def serious_violations(page, parts=None):
    """
    axe-core's serious and critical findings on the page, or on its `parts`
    (selectors), none when axe is not installed.
    """
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (parts) => await axe.run("
        "parts ? {include: parts.map(part => [part])} : document,"
        " {resultTypes: ['violations']})",
        parts,
    )
    return [
        (violation["id"], [node["html"][:160] for node in violation["nodes"][:3]])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_submit_request_changes_resubmit_schedule_and_go_live(live_server, browser):
    make_person(
        "Editors",
        username="editor",
        first_name="Asha",
        last_name="Menon",
        email="asha@example.com",
    )
    make_person(
        "Writers",
        username="writer",
        first_name="Kavya",
        last_name="Raman",
        email="kavya@example.com",
    )
    base = live_server.url
    # The site's CSP (rightly) refuses the injected axe script.
    writer_context = browser.new_context(bypass_csp=True)
    editor_context = browser.new_context(bypass_csp=True)
    writer, editor = writer_context.new_page(), editor_context.new_page()
    for page in (writer, editor):
        page.set_viewport_size({"width": 1280, "height": 900})

    # The writer writes a post and submits it with a note.
    log_in(writer, base, "writer")
    writer.goto(base + "/admin/articles/post/add/")
    writer.get_by_label("Title:").fill("Harbour reopens after storm")
    writer.locator(".prose-editor [contenteditable=true]").click()
    writer.keyboard.type("Boats went out again at dawn.")
    writer.locator("summary", has_text="Add a note for the editors").click()
    writer.get_by_label("Note for the editors (optional)").fill("Photos to come.")
    writer.locator("input[name=_submit_review]").click()
    expect(writer.locator(".messagelist .success")).to_have_text(
        "Submitted for review — the editors have been told."
    )
    post = Post.objects.get(title="Harbour reopens after storm")
    assert post.status == Status.PENDING
    [told] = mail.outbox
    assert told.to == ["Asha Menon <asha@example.com>"]

    # The editor finds it on the dashboard and asks for changes.
    log_in(editor, base, "editor")
    editor.goto(base + "/admin/")
    waiting = editor.locator("#dashboard-pending")
    expect(waiting).to_contain_text("Waiting for review")
    expect(waiting.locator(".dashboard-count")).to_have_text("1")
    expect(waiting).to_contain_text("Kavya Raman, submitted")
    shot(editor, "dashboard.png")
    assert serious_violations(editor) == []
    waiting.get_by_role("link", name="Harbour reopens after storm").click()
    expect(editor.locator(".review-note")).to_contain_text("Photos to come.")
    editor.locator("summary", has_text="Request changes…").click()
    # One menu at a time; the script focuses its field.
    expect(editor.get_by_label("Note to the writer")).to_be_focused()
    editor.locator("summary", has_text="Schedule…").click()
    expect(editor.get_by_label("Note to the writer")).to_be_hidden()
    editor.keyboard.press("Escape")
    expect(editor.get_by_label(re.compile("^Go live at"))).to_be_hidden()
    editor.locator("summary", has_text="Request changes…").click()
    editor.get_by_label("Note to the writer").fill("Name the harbour master, please.")
    shot(editor, "form-request-changes.png", full_page=False)
    editor.get_by_role("button", name="Send back to the writer").click()
    expect(editor.locator(".messagelist .success")).to_have_text(
        "Changes requested — Kavya Raman has been told."
    )
    assert mail.outbox[-1].to == ["Kavya Raman <kavya@example.com>"]
    assert "Name the harbour master, please." in mail.outbox[-1].body

    # The writer reads the note on top of the post and submits again.
    writer.goto(base + "/admin/articles/post/%d/change/" % post.pk)
    note = writer.locator(".review-note")
    expect(note).to_contain_text("Asha Menon asked for changes")
    expect(note).to_contain_text("Name the harbour master, please.")
    shot(writer, "form-writer-note.png", full_page=False)
    writer.locator(".prose-editor [contenteditable=true]").click()
    writer.keyboard.press("End")
    writer.keyboard.type(" The harbour master, Ravi Nair, waved them off.")
    writer.locator("input[name=_submit_review]").click()
    expect(writer.locator(".messagelist .success")).to_contain_text(
        "Submitted for review"
    )
    expect(writer.locator(".review-changes_requested")).to_have_count(0)
    expect(writer.locator(".review-submitted")).to_contain_text("Kavya Raman submitted")

    # The editor schedules it ten minutes ahead.
    editor.goto(base + "/admin/articles/post/%d/change/" % post.pk)
    go_live = timezone.localtime() + timedelta(minutes=10)
    editor.locator("summary", has_text="Schedule…").click()
    picker = editor.get_by_label(re.compile("^Go live at"))
    # A time gone by is refused, with the typing kept.
    picker.fill((go_live - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    editor.locator("input[name=_schedule]").click()
    expect(editor.locator(".schedule-menu .errorlist")).to_contain_text(
        "choose a time in the future"
    )
    shot(editor, "form-schedule-error.png", full_page=False)
    picker = editor.get_by_label(re.compile("^Go live at"))
    picker.fill(go_live.strftime("%Y-%m-%dT%H:%M"))
    editor.locator("input[name=_schedule]").click()
    success = editor.locator(".messagelist .success")
    expect(success).to_have_text(
        re.compile(r"^Scheduled for \d+ \w+ \d{4}, \d\d:\d\d IST\.$")
    )
    expect(editor.locator(".field-state_summary .state-chip")).to_contain_text(
        "Scheduled for"
    )
    shot(editor, "form-action-bar.png", full_page=False)
    editor.set_viewport_size({"width": 390, "height": 844})
    shot(editor, "form-action-bar-390.png", full_page=False)
    editor.set_viewport_size({"width": 1280, "height": 900})
    # This task's parts of the form (the editor and selects are others').
    mine = ["#action-bar", "#preview-links", ".field-state_summary"]
    assert serious_violations(editor, mine) == []

    editor.goto(base + "/admin/articles/post/")
    row = editor.locator("#result_list tr", has_text="Harbour reopens after storm")
    expect(row.locator(".state-chip")).to_contain_text("Scheduled for")
    shot(editor, "post-list.png")
    assert serious_violations(editor) == []
    editor.get_by_role("link", name="Agenda").first.click()
    expect(editor.locator(".agenda-item", has_text="Harbour reopens")).to_be_visible()
    shot(editor, "agenda.png")
    assert serious_violations(editor) == []

    # A preview link for a colleague, then revoked.
    reader = browser.new_context().new_page()
    editor.goto(base + "/admin/articles/post/%d/change/" % post.pk)
    editor.get_by_role("button", name="New preview link").click()
    links = editor.locator("#preview-links")
    expect(links).to_contain_text("expires")
    preview_href = links.locator("a.preview-link").first.get_attribute("href")
    assert reader.goto(base + preview_href).status == 200
    expect(reader.locator(".preview-banner")).to_contain_text("scheduled to go live")
    links.get_by_role("button", name="Revoke").click()
    expect(editor.locator(".messagelist .success")).to_contain_text("revoked")
    assert reader.goto(base + preview_href).status == 404
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "This preview link has expired"
    )
    shot(reader, "preview-expired.png")

    # Not live yet; ten minutes later it is, by itself.
    post.refresh_from_db()
    assert reader.goto(base + post.permalink).status == 404
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=True):
        assert reader.goto(base + post.permalink).status == 200
        expect(
            reader.get_by_role("heading", name="Harbour reopens after storm")
        ).to_be_visible()
        editor.goto(base + "/admin/")
        expect(editor.locator("#dashboard-recent")).to_contain_text(
            "Harbour reopens after storm"
        )
    writer_context.close()
    editor_context.close()
