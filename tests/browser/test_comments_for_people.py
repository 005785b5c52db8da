"""Issue 18, point 7 in Chromium, at 390x844 and 1366x900: the comment form
remembers a reader's name and e-mail in their browser only (filled in on a
shared cached page, forgotten on request), its buttons are 44 px touch
targets, and signing up from an article leads back to it with a display name."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from articles.models import SiteSettings
from comments.models import Comment
from tests.factories import make_comment, make_moderator, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-r5"
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1366, "height": 900},
}
STORE_KEY = "newsroom.commenter"
PASSWORD = "kerala-backwaters-2026"
TOUCH = 44


def shoot(page, name, full_page=False):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / ("%s.png" % name)), full_page=full_page)


def stored(page):
    return page.evaluate("key => window.localStorage.getItem(key)", STORE_KEY)


def assert_touch_target(locator, what):
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None, what
    assert box["width"] >= TOUCH and box["height"] >= TOUCH, (what, box)


@pytest.fixture
def comments_fast(settings):
    settings.COMMENTS = {"MIN_FILL_SECONDS": 1}


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_remember_me_fills_a_cached_page_and_forget_me_clears_it(
    live_server, browser, settings, comments_fast, screen
):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
    SiteSettings.load()
    first = make_post(title="Harbour reopens after storm")
    other = make_post(title="Ferry timetable changes")
    context = browser.new_context(viewport=VIEWPORTS[screen])
    page = context.new_page()
    # Someone else opened the other story first: it is in the shared cache.
    warm = browser.new_context()
    warm.new_page().goto(live_server.url + other.get_absolute_url())
    warm.close()

    page.goto(live_server.url + first.get_absolute_url())
    form = page.locator("#comment-form")
    remember = form.get_by_role("checkbox", name="Remember my name and e-mail")
    expect(remember).to_be_visible()
    expect(remember).not_to_be_checked()
    expect(form.get_by_role("button", name="Forget me")).to_be_hidden()
    form.get_by_label("Name", exact=True).fill("Asha Menon")
    form.get_by_role("textbox", name="E-mail").fill("asha@example.com")
    form.get_by_label("Comment").fill("Glad the boats are back.")
    remember.check()
    shoot(page, "remember-%s-ticked" % screen)
    page.wait_for_timeout(1200)  # a person takes a moment
    form.get_by_role("button", name="Publish").click()
    expect(
        page.locator("article.comment", has_text="Glad the boats are back.")
    ).to_contain_text("Your comment is awaiting moderation.")
    assert '"name":"Asha Menon"' in stored(page)

    # Later, on the other story, served from the shared cache: the page holds
    # nobody's name; the script fills it in from this browser.
    context.clear_cookies()  # the own-comments cookie would skip the cache
    response = page.goto(live_server.url + other.get_absolute_url())
    assert response.headers["x-page-cache"] == "hit"
    assert "Asha Menon" not in response.text()
    form = page.locator("#comment-form")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Asha Menon")
    expect(form.get_by_role("textbox", name="E-mail")).to_have_value("asha@example.com")
    expect(form.get_by_role("checkbox", name="Remember my name")).to_be_checked()
    forget = form.get_by_role("button", name="Forget me")
    expect(forget).to_be_visible()
    assert_touch_target(forget, "Forget me")
    form.scroll_into_view_if_needed()
    shoot(page, "remember-%s-filled-from-cache" % screen)

    forget.click()
    expect(form.get_by_label("Name", exact=True)).to_have_value("")
    expect(form.get_by_role("textbox", name="E-mail")).to_have_value("")
    expect(form.get_by_role("checkbox", name="Remember my name")).not_to_be_checked()
    expect(forget).to_be_hidden()
    expect(form.get_by_role("status")).to_have_text(
        "Your name and e-mail are no longer kept on this device."
    )
    assert stored(page) is None
    shoot(page, "remember-%s-forgotten" % screen)
    page.reload()
    expect(page.get_by_label("Name", exact=True)).to_have_value("")

    # Sent without ticking the box: nothing is kept.
    form = page.locator("#comment-form")
    form.get_by_label("Name", exact=True).fill("Ravi")
    form.get_by_label("Comment").fill("A ferry question.")
    page.wait_for_timeout(1200)
    form.get_by_role("button", name="Publish").click()
    expect(
        page.locator("article.comment", has_text="A ferry question.")
    ).to_be_visible()
    assert stored(page) is None
    assert Comment.objects.count() == 2
    context.close()


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_comment_buttons_are_touch_targets(live_server, browser, screen):
    post = make_post(title="Market prices rise")
    make_comment(post, name="Meera", text="Onions doubled this week.")
    make_comment(post, name="Joseph", text="Held for now.", status="pending")
    context = browser.new_context(viewport=VIEWPORTS[screen])
    page = context.new_page()
    page.goto(live_server.url + post.get_absolute_url())
    comments = page.locator("#comments")
    publish = comments.get_by_role("button", name="Publish")
    assert_touch_target(publish, "Publish")
    assert_touch_target(
        comments.locator(".comment-remember-label"), "Remember me (its label)"
    )
    # The site's colours: white on the accent red.
    colours = publish.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(179, 38, 30)"]
    assert_touch_target(comments.get_by_role("link", name="Report"), "Report")
    reply = comments.get_by_role("link", name="Reply to Meera")
    assert_touch_target(reply, "Reply")
    shoot(page, "buttons-%s" % screen)
    reply.click()
    cancel = comments.get_by_role("link", name="Cancel reply")
    expect(cancel).to_be_visible()
    assert_touch_target(cancel, "Cancel reply")
    comments.locator("#comment-form").scroll_into_view_if_needed()
    shoot(page, "buttons-%s-reply" % screen)
    cancel.click()
    expect(cancel).to_be_hidden()
    comments.get_by_role("link", name="Report").click()
    form = page.locator("form.comment-report-form")
    assert_touch_target(form.get_by_role("button", name="Send report"), "Send report")
    assert_touch_target(form.get_by_role("link", name="Cancel"), "Cancel")
    assert_touch_target(form.locator("label", has_text="Off-topic"), "a reason")
    shoot(page, "buttons-%s-report" % screen, full_page=True)

    # A moderator's buttons on the public page too.
    make_moderator(username="mod", password=PASSWORD)
    page.goto(live_server.url + "/accounts/login/?next=" + post.get_absolute_url())
    page.get_by_label("Username").fill("mod")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(post.get_absolute_url()) + "$"))
    held = page.locator("article.comment", has_text="Held for now.")
    for role, name in (("button", "Approve"), ("button", "Spam"), ("link", "Delete")):
        assert_touch_target(held.get_by_role(role, name=name), name)
    held.scroll_into_view_if_needed()
    shoot(page, "buttons-%s-moderator" % screen)
    context.close()


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_sign_up_from_an_article_comes_back_to_it_with_a_display_name(
    live_server, browser, comments_fast, screen
):
    post = make_post(title="Monsoon arrives early in Kerala")
    path = post.get_absolute_url()
    context = browser.new_context(viewport=VIEWPORTS[screen])
    page = context.new_page()
    page.goto(live_server.url + path)
    page.locator("#comment-form").get_by_role("link", name="create an account").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Username").fill("asha")
    page.get_by_label("Display name").fill("Asha Menon")
    page.get_by_label("E-mail").fill("asha@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    shoot(page, "signup-%s-form" % screen, full_page=True)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    back = page.get_by_role("link", name="Back to the page you were reading")
    expect(back).to_have_attribute("href", path + "#comment-form")
    shoot(page, "signup-%s-sent" % screen)

    [message] = mail.outbox
    link = re.search(r"http://\S+/accounts/signup/confirm/\S+", message.body)[0]
    page.goto(link.replace("http://testserver", live_server.url))
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "#comment-form$"))
    form = page.locator("#comment-form")
    expect(form).to_contain_text("Commenting as Asha Menon")
    expect(page.locator(".account-name")).to_have_text("Asha Menon")
    form.get_by_label("Comment").fill("Rain at last.")
    shoot(page, "signup-%s-back-on-article" % screen)
    page.wait_for_timeout(1200)
    form.get_by_role("button", name="Publish").click()
    mine = page.locator("article.comment", has_text="Rain at last.")
    expect(mine.locator(".comment-author")).to_have_text("Asha Menon")

    # Signed out, "Sign in" in the comment form leads back here as well.
    context.clear_cookies()  # signed out
    page.goto(live_server.url + path)
    page.locator("#comment-form").get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("asha")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "#comment-form$"))
    expect(page.locator("#comment-form")).to_contain_text("Commenting as Asha Menon")
    context.close()
