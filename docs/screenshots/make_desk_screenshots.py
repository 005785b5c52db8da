"""
Screenshots of the editors' desk for docs/editors.md: docs/screenshots/desk-*.png.

    .venv/bin/python docs/screenshots/make_desk_screenshots.py [--workdir DIR]

Builds the demo site (`manage.py migrate` and `loaddemo`, 10,000 posts) in a
database and media folder of its own (a new temporary folder, or --workdir to
reuse one), gives the demo accounts a password, serves it with `runserver` on
a free local port, and walks through the desk in Chromium with Playwright as
the writer, the editor and the moderator would: a post written and
submitted, sent back, scheduled; a live story corrected; a comment queue
cleared. Each picture is the 1280×800 window; a PNG over 300 KB is reduced
to a 256-colour palette. Look at each picture after running it.
"""

import argparse
import base64
import io
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 800}
MAX_BYTES = 300 * 1024

PREPARE = """
from django.contrib.auth import get_user_model
for user in get_user_model().objects.filter(
    username__in=["editor", "writer", "moderator"]
):
    user.set_password({password!r})
    user.save()
"""

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

TITLE = "Harbour reopens after the storm"


def photo_bytes():
    """A 2400×1600 JPEG with a sky, a sea and a boat: something to upload."""
    from PIL import ImageDraw

    picture = Image.new("RGB", (2400, 1600), (126, 178, 214))
    draw = ImageDraw.Draw(picture)
    draw.rectangle([0, 900, 2400, 1600], fill=(38, 92, 128))
    draw.polygon(
        [(900, 1000), (1500, 1000), (1400, 1120), (1000, 1120)], fill=(140, 60, 40)
    )
    draw.polygon([(1180, 560), (1180, 990), (1450, 990)], fill=(245, 245, 235))
    draw.ellipse([1900, 150, 2150, 400], fill=(255, 214, 120))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def manage(env, *args, **kwargs):
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs
    )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url, server):
    for _ in range(120):
        if server.poll() is not None:
            sys.exit("runserver stopped (exit %s)" % server.returncode)
        try:
            urllib.request.urlopen(url + "/admin/login/", timeout=2)  # noqa: S310 - http://127.0.0.1
            return
        except OSError:
            time.sleep(0.5)
    sys.exit("runserver did not answer on %s" % url)


def shrink(path):
    """A PNG over MAX_BYTES becomes a 256-colour palette PNG."""
    if path.stat().st_size <= MAX_BYTES:
        return
    with Image.open(path) as picture:
        small = picture.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
    small.save(path, "PNG", optimize=True)


class Desk:
    def __init__(self, browser, base, password):
        self.browser = browser
        self.base = base
        self.password = password
        self.made = []

    def sign_in(self, username):
        context = self.browser.new_context(
            viewport=VIEWPORT, locale="en-GB", timezone_id="Asia/Kolkata"
        )
        page = context.new_page()
        page.goto(self.base + "/admin/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(self.password)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#user-tools")).to_contain_text("Log out")
        return page

    def shoot(self, page, name, *, at=None):
        """The window, scrolled so that `at` (a locator) is near its top."""
        if at is not None:
            at.scroll_into_view_if_needed()
            page.evaluate(
                "(y) => window.scrollTo(0, Math.max(0, window.scrollY + y - 90))",
                at.bounding_box()["y"],
            )
        else:
            page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(250)
        path = HERE / ("desk-%s.png" % name)
        page.screenshot(path=str(path), type="png")
        shrink(path)
        self.made.append(path)
        print("  %s (%d KB)" % (path.name, path.stat().st_size // 1024))


def writing(desk):
    page = desk.sign_in("writer")
    page.goto(desk.base + "/admin/articles/post/add/")
    page.get_by_label("Title:").fill(TITLE)
    body = page.locator(".prose-editor [contenteditable=true]")
    body.click()
    page.keyboard.type(
        "Fishing boats went out again at dawn on Monday, a week after the storm "
        "closed the harbour. The harbour master said the channel had been cleared "
        "overnight and the fish market would open at six."
    )
    labels = page.get_by_role("searchbox", name=re.compile("^Labels"))
    for name in ("KERALA", "TOP STORY"):
        labels.fill(name)
        page.locator(
            ".select2-results__option", has_text=re.compile("^%s$" % name)
        ).click()
    expect(page.locator("[data-autosave-state]")).to_contain_text(
        "Saved on this device"
    )
    desk.shoot(page, "writing")

    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.evaluate(DROP, [base64.b64encode(photo_bytes()).decode(), "harbour.jpg"])
    dialog = page.locator("dialog.writing-upload-dialog")
    expect(dialog.locator(".writing-upload-preview")).to_be_visible()
    dialog.get_by_label("Alt text (required)").fill(
        "Fishing boats leaving the harbour at dawn"
    )
    dialog.get_by_label("Caption (optional)").fill("The harbour on Monday morning")
    desk.shoot(page, "upload")
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(dialog).to_have_count(0)
    expect(body.locator("figure img")).to_be_visible()

    page.locator("#id_seo_description").fill(
        "Fishing boats are back at sea a week after the storm closed the harbour."
    )
    with page.expect_popup() as chooser_info:
        page.get_by_role("button", name="Upload or choose…").click()
    chooser = chooser_info.value
    chooser.wait_for_load_state("load")
    chooser.set_viewport_size(VIEWPORT)
    desk.shoot(chooser, "image-chooser")
    chooser.get_by_role("button", name=re.compile("Fishing boats leaving")).click()
    preview = page.locator("#writing-preview")
    expect(preview.locator(".preview-warnings")).to_be_hidden()
    social = preview.locator("[data-preview=social-image]")
    expect(social).to_be_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=social.element_handle()
    )
    desk.shoot(page, "previews", at=page.locator(".field-seo_description"))

    page.locator("summary", has_text="Add a note for the editors").click()
    page.get_by_label("Note for the editors (optional)").fill(
        "Photo is mine. Can it lead the home page this evening?"
    )
    desk.shoot(page, "submit")
    page.locator("input[name=_submit_review]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.context.close()


def review_and_schedule(desk):
    page = desk.sign_in("editor")
    page.goto(desk.base + "/admin/")
    expect(page.locator("#dashboard-pending")).to_be_visible()
    desk.shoot(page, "dashboard")

    page.goto(desk.base + "/admin/articles/post/?state=pending&q=Harbour+reopens")
    page.locator("#result_list a", has_text=TITLE).first.click()
    expect(page.locator(".review-note")).to_be_visible()
    page.locator("summary", has_text="Request changes…").click()
    page.get_by_label("Note to the writer").fill(
        "Please add a quote from the harbour master."
    )
    desk.shoot(page, "request-changes")
    page.get_by_role("button", name="Send back to the writer").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    post_url = page.url

    writer = desk.sign_in("writer")
    writer.goto(post_url)
    expect(writer.locator(".review-note")).to_contain_text("harbour master")
    desk.shoot(writer, "changes-requested")
    writer.locator(".prose-editor [contenteditable=true] p").first.click()
    writer.keyboard.press("End")
    writer.keyboard.type(' "We worked through the night," she said.')
    writer.locator("input[name=_submit_review]").click()
    expect(writer.locator(".messagelist .success")).to_be_visible()
    writer.context.close()

    page.goto(post_url)
    page.locator("summary", has_text="Schedule…").click()
    when = page.evaluate(
        """() => {
          const at = new Date(Date.now() + 26 * 3600 * 1000);
          at.setMinutes(0, 0, 0);
          at.setHours(18);
          const pad = (n) => String(n).padStart(2, "0");
          return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T18:00`;
        }"""
    )
    page.get_by_label(re.compile("^Go live at")).fill(when)
    desk.shoot(page, "schedule")
    page.locator("input[name=_schedule]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Scheduled for")
    desk.shoot(page, "scheduled")
    page.get_by_role("button", name="New preview link").click()
    expect(page.locator("#preview-links .preview-expiry").first).to_be_visible()
    desk.shoot(page, "preview-links", at=page.locator("#preview-links"))

    page.goto(desk.base + "/admin/articles/post/")
    expect(page.locator("#result_list .state-chip").first).to_be_visible()
    desk.shoot(page, "post-list")
    page.goto(desk.base + "/admin/articles/post/agenda/")
    expect(page.locator(".agenda-item", has_text=TITLE)).to_be_visible()
    desk.shoot(page, "agenda")
    page.context.close()


def history(desk):
    """Edits of the seed story, then its history, a compare, a restore."""
    page = desk.sign_in("editor")
    page.goto(desk.base + "/admin/articles/post/?q=Istanbul")
    page.locator("#result_list a", has_text="diplomats discuss steps").first.click()
    change_url = page.url.split("?")[0]
    # The demo's posts have no saved version yet: the first save is the base.
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.goto(change_url)
    page.locator(".prose-editor [contenteditable=true] p").first.click()
    page.keyboard.press("End")
    page.keyboard.type(" The talks lasted six hours.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.goto(change_url)
    page.locator("#id_excerpt").fill(
        "Diplomats agreed on funding for their missions and on more talks."
    )
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    history_url = re.sub(r"change/$", "history/", change_url)
    page.goto(history_url)
    rows = page.locator("#change-history tbody tr")
    expect(rows.first).to_be_visible()
    desk.shoot(page, "history")
    rows.nth(1).get_by_role("link", name="Compare with previous").click()
    expect(page.locator(".diff-field").first).to_be_visible()
    desk.shoot(page, "compare")
    page.goto(history_url)
    rows.last.get_by_role("link", name="Restore…").click()
    expect(page.locator("#content-main form")).to_be_visible()
    desk.shoot(page, "restore")
    page.goto(history_url)
    rows.nth(1).get_by_role("link", name="Mark as correction").click()
    page.get_by_label("Note for readers").fill(
        "An earlier version of this story did not say how long the talks lasted."
    )
    desk.shoot(page, "correction")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.context.close()


def people(desk):
    page = desk.sign_in("editor")
    page.goto(desk.base + "/admin/accounts/membership/")
    expect(page.locator("#result_list")).to_contain_text("Requested")
    desk.shoot(page, "members")
    for path in ("/2019/05/harbour-reopens.html", "/2025/03/russian-us-diplomats.html"):
        for _ in range(3):
            page.request.get(desk.base + path, fail_on_status_code=False)
    page.goto(desk.base + "/admin/blogger/missedaddress/")
    expect(page.locator("#result_list")).to_be_visible()
    desk.shoot(page, "404-log")
    page.context.close()


def moderation(desk):
    page = desk.sign_in("moderator")
    page.goto(desk.base + "/admin/")
    desk.shoot(page, "dashboard-moderator")
    page.goto(desk.base + "/admin/comments/comment/")
    expect(page.locator("#result_list")).to_be_visible()
    desk.shoot(page, "queue")
    page.goto(desk.base + "/admin/comments/commentsettings/")
    expect(page.locator("#content-main form")).to_be_visible()
    desk.shoot(page, "comment-settings")
    page.context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", help="reuse this folder's demo database")
    options = parser.parse_args()
    workdir = Path(options.workdir or tempfile.mkdtemp(prefix="newsroom-shots-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "sqlite:///%s" % (workdir / "db.sqlite3"),
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
    }
    print("Demo site in %s" % workdir)
    manage(env, "migrate", "--noinput", stdout=subprocess.DEVNULL)
    manage(env, "loaddemo", stdout=subprocess.DEVNULL)
    password = secrets.token_urlsafe(12)
    manage(env, "shell", "-c", PREPARE.format(password=password))

    port = free_port()
    base = "http://127.0.0.1:%d" % port
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [str(PYTHON), "manage.py", "runserver", "127.0.0.1:%d" % port, "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(base, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                ],
            )
            desk = Desk(browser, base, password)
            for scene in (writing, review_and_schedule, history, people, moderation):
                print(scene.__name__)
                scene(desk)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("%d screenshots in %s" % (len(desk.made), HERE))


if __name__ == "__main__":
    main()
