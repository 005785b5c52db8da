"""A writer writes a post with a drag-and-drop upload and submits it for review."""

import base64
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles.models import Image, Post, Status
from articles.text import word_count
from tests.articles.newsroom_admin import make_person
from tests.browser.desk import log_in
from tests.browser.pickers import choose_and_close
from tests.factories import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots of the form and the chooser, to look at.
SHOTS = Path(tempfile.gettempdir()) / "shots-writing"

# A synthetic drop, as a file dragged from the desktop: a DataTransfer holding
# a real JPEG, dropped in the middle of the editor.
DROP = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
  const target = document.querySelector(".prose-editor .ProseMirror");
  const box = target.getBoundingClientRect();
  const spot = { clientX: box.left + 20, clientY: box.bottom - 10 };
  const options = { dataTransfer: transfer, bubbles: true, cancelable: true, ...spot };
  target.dispatchEvent(new DragEvent("dragenter", options));
  target.dispatchEvent(new DragEvent("dragover", options));
  return target.dispatchEvent(new DragEvent("drop", options));
}"""


def shot(page, name, **options):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), **options)


def test_writer_drops_an_image_sees_counts_and_previews_and_submits(live_server, page):
    make_person("Writers", username="writer", first_name="Kavya", last_name="Raman")
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, "writer")
    page.goto(base + "/admin/articles/post/add/")

    title = page.get_by_label("Title:")
    title.fill("Harbour reopens after the storm")
    # Full width: the title spans the form, not a 270 px box.
    form_width = page.locator("#content-main form").bounding_box()["width"]
    assert title.bounding_box()["width"] > form_width * 0.8

    body = page.locator(".prose-editor [contenteditable=true]")
    # The editable area is named by its label, for screen readers.
    expect(page.get_by_role("textbox", name="Body", exact=True)).to_be_visible()
    body.click()
    page.keyboard.type("Boats went out again at dawn on Monday.")
    count = page.locator(".writing-count")
    expect(count).to_have_text("8 words · 1 min read")
    expect(page.locator("[data-autosave-state]")).to_have_text(
        re.compile(r"^Saved on this device \d{1,2}:\d{2}")
    )

    # Drop a photo on the editor: the alt text is asked for first.
    assert (
        page.evaluate(
            DROP, [base64.b64encode(jpeg_bytes((2400, 1600))).decode(), "harbour.jpg"]
        )
        is False
    )
    dialog = page.locator("dialog.writing-upload-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".writing-upload-preview")).to_be_visible()
    shot(page, "upload-dialog.png")
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(dialog.get_by_role("alert")).to_contain_text("alt text")
    assert Image.objects.count() == 0
    dialog.get_by_label("Alt text (required)").fill("Boats in the harbour at dawn")
    dialog.get_by_label("Caption (optional)").fill("The harbour on Monday")
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(dialog).to_have_count(0)
    figure = body.locator("figure")
    expect(figure.locator("img")).to_have_attribute(
        "src", re.compile(r"^/img/[^/]+/s1600/harbour\.jpg$")
    )
    expect(figure.locator("img")).to_have_attribute(
        "alt", "Boats in the harbour at dawn"
    )
    expect(figure.locator("figcaption")).to_have_text("The harbour on Monday")
    image = Image.objects.get()
    assert image.uploaded_by.username == "writer"
    expect(count).to_have_text("12 words · 1 min read")

    # The search and social preview follows the form.
    preview = page.locator("#writing-preview")
    expect(preview.locator("[data-preview=search-title]")).to_have_text(
        "Local Glob: Harbour reopens after the storm"
    )
    expect(preview.locator("[data-preview=search-url]")).to_contain_text(
        "harbour-reopens-after-storm.html"
    )
    expect(preview.locator("[data-preview=search-description]")).to_have_text(
        "Boats went out again at dawn on Monday. The harbour on Monday"
    )
    page.locator("#id_seo_description").fill("Fishing resumes after a week.")
    expect(preview.locator("[data-preview=social-description]")).to_have_text(
        "Fishing resumes after a week."
    )
    expect(preview.locator(".preview-warnings")).to_contain_text("No featured image")

    # The featured image comes from the same chooser, which can upload too.
    with page.expect_popup() as chooser_info:
        page.get_by_role("button", name="Upload or choose…").click()
    chooser = chooser_info.value
    chooser.wait_for_load_state("load")
    chooser.set_viewport_size({"width": 900, "height": 700})
    shot(chooser, "chooser.png")
    choose_and_close(
        chooser,
        chooser.get_by_role("button", name=re.compile("Boats in the harbour")),
    )
    expect(page.locator("#id_featured_image")).to_have_value(str(image.pk))
    social_image = preview.locator("[data-preview=social-image]")
    expect(social_image).to_have_attribute(
        "src", re.compile(r"/img/%s/s1600/harbour\.jpg$" % image.key)
    )
    expect(preview.locator(".preview-warnings")).to_be_hidden()

    # The counts follow the rules of articles/text.py and Post.reading_minutes.
    for html in (
        "<p>One&nbsp;two</p><p>three</p>",
        "<h2>Head</h2><ul><li>a</li><li>b</li></ul>x<br>y",
        "<p>" + "word " * 500 + "</p>",
    ):
        words = page.evaluate("(h) => window.NewsroomWriting.wordCount(h)", html)
        assert words == word_count(html), html
    assert page.evaluate("() => window.NewsroomWriting.readingMinutes(500, 200)") == 2
    assert page.evaluate("() => window.NewsroomWriting.readingMinutes(700, 200)") == 4

    shot(page, "post-form-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    shot(page, "post-form-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Submit for review").first.click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    post = Post.objects.get(title="Harbour reopens after the storm")
    assert post.status == Status.PENDING
    assert post.featured_image == image
    assert re.search(
        r'<figure class="figure"><img src="/img/%s/s1600/harbour\.jpg" '
        r'alt="Boats in the harbour at dawn"' % image.key,
        post.body,
    )
    assert re.search(r"<figcaption[^>]*>The harbour on Monday</figcaption>", post.body)


PASTE = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
  const target = document.querySelector(".prose-editor .ProseMirror");
  const event = new ClipboardEvent("paste", {
    clipboardData: transfer, bubbles: true, cancelable: true,
  });
  return target.dispatchEvent(event);
}"""


def test_paste_the_button_a_refused_file_the_chooser_and_a_full_storage(
    live_server, page
):
    make_person("Writers", username="writer")
    base = live_server.url
    log_in(page, base, "writer")
    page.goto(base + "/admin/articles/post/add/")
    body = page.locator(".prose-editor [contenteditable=true]")
    body.click()
    page.keyboard.type("Before the photos.")
    dialog = page.locator("dialog.writing-upload-dialog")

    # Paste a picture: the same one-step dialog.
    photo = base64.b64encode(jpeg_bytes((900, 600))).decode()
    assert page.evaluate(PASTE, [photo, "pasted.jpg"]) is False
    dialog.get_by_label("Alt text (required)").fill("A pasted photo")
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(body.locator("figure img[alt='A pasted photo']")).to_have_count(1)

    # The toolbar button; the server refuses what is not a picture, naming
    # the field, and nothing is inserted.
    page.locator(".prose-menubar .writing-upload-button").click()
    page.locator(".writing-file").set_input_files(
        files=[
            {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture"}
        ]
    )
    dialog.get_by_label("Alt text (required)").fill("Notes")
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        "File: This file is not a picture this site can read."
    )
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(body.locator("figure img")).to_have_count(1)
    assert Image.objects.count() == 1

    # The featured image's chooser uploads too, and hands the image back.
    with page.expect_popup() as chooser_info:
        page.get_by_role("button", name="Upload or choose…").click()
    chooser = chooser_info.value
    chooser.wait_for_load_state("load")
    chooser.locator("#picker-file").set_input_files(
        files=[
            {
                "name": "lead.jpg",
                "mimeType": "image/jpeg",
                "buffer": jpeg_bytes((1600, 900)),
            }
        ]
    )
    chooser.get_by_label("Alt text (required)").fill("The lead photo")
    with chooser.expect_event("close"):
        chooser.get_by_role("button", name="Upload and use").click()
    lead = Image.objects.get(alt_text="The lead photo")
    expect(page.locator("#id_featured_image")).to_have_value(str(lead.pk))
    expect(
        page.locator("#writing-preview [data-preview=social-image]")
    ).to_have_attribute("src", re.compile(r"/img/%s/s1600/lead\.jpg$" % lead.key))

    # A full storage is said, not hidden.
    page.evaluate(
        """() => {
          Storage.prototype.setItem = () => {
            throw new DOMException("full", "QuotaExceededError");
          };
        }"""
    )
    body.click()
    page.keyboard.type(" More.")
    expect(page.locator("[data-autosave-state]")).to_have_text(
        "Not saved: storage full"
    )


def test_a_restored_draft_updates_the_count_and_the_preview(live_server, page):
    make_person("Writers", username="writer")
    base = live_server.url
    log_in(page, base, "writer")
    page.goto(base + "/admin/articles/post/add/")
    page.get_by_label("Title:").fill("Kept in this browser")
    page.locator(".prose-editor [contenteditable=true]").click()
    page.keyboard.type("Three words here and two more.")
    state = page.locator("[data-autosave-state]")
    expect(state).to_have_text(re.compile("^Saved on this device"))

    page.goto(base + "/admin/articles/post/add/")
    expect(page.locator(".writing-count")).to_have_text("0 words · 1 min read")
    page.locator(".autosave-note").get_by_role("button", name="Restore it").click()
    expect(page.locator(".writing-count")).to_have_text("6 words · 1 min read")
    expect(page.locator("#writing-preview [data-preview=search-title]")).to_have_text(
        "Local Glob: Kept in this browser"
    )
