"""A new editor writes, schedules and previews a post; it goes live by itself."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Post, Status
from tests.articles.newsroom_admin import make_person
from tests.browser.desk import log_in
from tests.browser.pickers import choose_and_close
from tests.factories import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUTOSAVE_KEYS = (
    "Object.keys(localStorage).filter(k => k.startsWith('newsroom-autosave:'))"
)


def choose_block(page, name):
    page.locator(".prose-menubar__selected").click()
    page.locator(".prose-menubar__option", has_text=name).click()


def test_editor_writes_schedules_previews_and_post_goes_live(
    live_server, page, browser
):
    make_person("Editors", username="editor", first_name="Asha", last_name="Menon")
    make_person("Writers", username="writer", first_name="Kavya", last_name="Raman")
    base = live_server.url

    # Upload a photo to the image library.
    log_in(page, base, "editor")
    page.goto(base + "/admin/articles/image/add/")
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "harbour.jpg",
                "mimeType": "image/jpeg",
                "buffer": jpeg_bytes((1200, 800)),
            }
        ]
    )
    page.get_by_label("Alt text").fill("Boats in the harbour at dawn")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    # Write the post: a heading, a paragraph, the photo and a code box.
    page.goto(base + "/admin/articles/post/add/")
    page.get_by_label("Title:").fill("Harbour reopens after storm")
    body = page.locator(".prose-editor [contenteditable=true]")
    body.click()
    choose_block(page, "Heading 2")
    page.keyboard.type("What happened")
    page.keyboard.press("Enter")
    page.keyboard.type("Boats went out again at dawn.")
    page.keyboard.press("Enter")
    choose_block(page, "Code block")
    page.keyboard.type("tide_height = 3.2")
    for _ in range(3):  # three Enters leave a code box
        page.keyboard.press("Enter")
    page.locator(".prose-menubar__button[title=figure]").click()
    dialog = page.locator("dialog.prose-editor-dialog")
    with page.expect_popup() as picker_info:
        dialog.get_by_role("button", name="Browse...").click()
    picker = picker_info.value
    # The picker's script listens from DOMContentLoaded: a click before it
    # runs would be lost, as it would for a very quick person.
    picker.wait_for_load_state("load")
    choose_and_close(
        picker, picker.get_by_role("button", name=re.compile("Boats in the harbour"))
    )
    expect(dialog.get_by_label("Image URL")).to_have_value(
        re.compile(r"^/img/[^/]+/s1600/harbour\.jpg$")
    )
    expect(dialog.get_by_label("Alternative Text")).to_have_value(
        "Boats in the harbour at dawn"
    )
    dialog.get_by_role("button", name="Insert").click()
    expect(body.locator("figure img")).to_be_visible()

    # Schedule it ten minutes ahead.
    go_live = timezone.localtime() + timedelta(minutes=10)
    page.locator("summary", has_text="Schedule…").click()
    page.get_by_label(re.compile("^Go live at")).fill(
        go_live.strftime("%Y-%m-%dT%H:%M")
    )
    page.locator("input[name=_schedule]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Scheduled for")

    post = Post.objects.get(title="Harbour reopens after storm")
    assert post.is_scheduled() is True
    assert "<h2>What happened</h2>" in post.body
    assert "<pre><code>tide_height = 3.2</code></pre>" in post.body
    assert re.search(
        r'<figure class="figure"><img src="/img/[^"]+/s1600/harbour\.jpg" '
        r'alt="Boats in the harbour at dawn"',
        post.body,
    )
    page.goto(base + "/admin/articles/post/")
    row = page.locator("#result_list tr", has_text="Harbour reopens after storm")
    expect(row).to_contain_text("Scheduled")

    page.goto(base + "/admin/articles/post/%d/change/" % post.pk)
    page.get_by_role("button", name="New preview link").click()
    preview_href = page.locator("a.preview-link").first.get_attribute("href")

    # The preview link works in a private window, without logging in.
    private = browser.new_context()
    reader = private.new_page()
    reader.goto(base + preview_href)
    expect(
        reader.get_by_role("heading", name="Harbour reopens after storm")
    ).to_be_visible()
    expect(reader.get_by_role("heading", name="What happened")).to_be_visible()
    expect(reader.locator(".post-body pre code")).to_have_text("tide_height = 3.2")
    expect(
        reader.locator(".post-body img[alt='Boats in the harbour at dawn']")
    ).to_be_visible()
    expect(reader.locator("meta[name=robots]")).to_have_attribute(
        "content", "noindex, nofollow"
    )
    assert reader.goto(base + post.permalink).status == 404

    # The writer cannot publish it.
    writer_context = browser.new_context()
    writer = writer_context.new_page()
    log_in(writer, base, "writer")
    writer.goto(base + "/admin/articles/post/%d/change/" % post.pk)
    expect(writer.locator("input[name=_publish_now]")).to_have_count(0)
    expect(writer.locator("input[name=_save]")).to_have_count(0)
    writer.goto(base + "/admin/articles/post/add/")
    expect(writer.locator("select[name=status]")).to_have_count(0)
    expect(writer.locator("input[name=_submit_review]")).to_have_count(1)
    expect(writer.locator("input[name=_publish_now]")).to_have_count(0)

    # Ten minutes later it is live by itself.
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=True):
        response = reader.goto(base + post.permalink)
        assert response.status == 200
        expect(
            reader.get_by_role("heading", name="Harbour reopens after storm")
        ).to_be_visible()
    post.refresh_from_db()
    assert post.status == Status.PUBLISHED
    private.close()
    writer_context.close()


def test_unsaved_typing_survives_a_closed_tab_and_is_cleared_after_saving(
    live_server, page
):
    make_person("Editors", username="editor")
    base = live_server.url
    log_in(page, base, "editor")
    page.goto(base + "/admin/articles/post/add/")
    page.get_by_label("Title:").fill("Half-written story")
    body = page.locator(".prose-editor [contenteditable=true]")
    body.click()
    page.keyboard.type("Two paragraphs of careful work.")
    for _ in range(50):  # the script keeps a copy a moment after typing stops
        if page.evaluate(AUTOSAVE_KEYS):
            break
        page.wait_for_timeout(100)
    assert len(page.evaluate(AUTOSAVE_KEYS)) == 1

    # The tab is closed; the editor comes back to the form later.
    page.goto(base + "/admin/")
    page.goto(base + "/admin/articles/post/add/")
    expect(page.get_by_label("Title:")).to_have_value("")
    note = page.locator(".autosave-note")
    expect(note).to_contain_text("This browser kept unsaved changes")
    note.get_by_role("button", name="Restore it").click()
    expect(page.get_by_label("Title:")).to_have_value("Half-written story")
    expect(body).to_contain_text("Two paragraphs of careful work.")

    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    post = Post.objects.get(title="Half-written story")
    assert post.body == "<p>Two paragraphs of careful work.</p>"
    assert page.evaluate(AUTOSAVE_KEYS) == []
    page.goto(base + "/admin/articles/post/add/")
    expect(page.locator(".autosave-note")).to_be_hidden()
