"""A new reader and a new moderator walk the comment path in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import make_comment, make_moderator, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-good-test-password"


def write_comment(page, name, text):
    form = page.locator("#comment-form")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Comment").fill(text)
    # A person takes a moment; the form refuses instant posts.
    page.wait_for_timeout(1200)
    form.get_by_role("button", name="Publish").click()


def test_reader_comments_and_moderator_approves_and_deletes(
    live_server, page, browser, settings
):
    settings.COMMENTS = {"MIN_FILL_SECONDS": 1}
    post = make_post(title="Harbour reopens after storm", labels=["TOP STORY"])
    make_comment(post, name="Meera", text="Glad the boats are back.")
    moderator = make_moderator(username="mod", password=PASSWORD)
    post_url = live_server.url + post.get_absolute_url()

    # A reader posts a comment, then a reply; both show to them as pending.
    page.goto(post_url)
    comments = page.locator("#comments")
    expect(comments.get_by_role("heading", name="1 Comment")).to_be_visible()
    # The page holds no form token: the form fetches its own, with the CSRF
    # token, when the reader starts writing.
    token = page.locator("#comment-form input[name=token]")
    expect(token).to_have_value("")
    with page.expect_response(lambda answer: "/csrf-token?for=post-" in answer.url):
        page.locator("#comment-form").get_by_label("Name", exact=True).focus()
    expect(token).not_to_have_value("")
    write_comment(page, "Asha", "My own comment on the harbour.")
    own = comments.locator("article.comment", has_text="My own comment")
    expect(own).to_contain_text("Your comment is awaiting moderation.")

    comments.get_by_role("link", name="Reply to Meera").click()
    thread = comments.locator("li.comment-thread", has_text="Glad the boats")
    expect(thread.locator("#comment-form")).to_be_visible()
    expect(page.locator(".comment-form-title")).to_have_text("Reply to Meera")
    write_comment(page, "Asha", "A reply to Meera.")
    reply = thread.locator("article.comment", has_text="A reply to Meera.")
    expect(reply).to_contain_text("Your comment is awaiting moderation.")
    expect(
        comments.locator("article.comment", has_text="My own comment")
    ).to_be_visible()
    expect(comments.get_by_role("heading", name="1 Comment")).to_be_visible()

    # The moderator approves the reply in the admin queue...
    context = browser.new_context()
    admin = context.new_page()
    admin.goto(live_server.url + "/admin/")
    admin.get_by_label("Username").fill(moderator.username)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    queue = admin.locator("#comment-queue")
    expect(queue.get_by_role("row", name="Pending")).to_contain_text("2")
    queue.get_by_role("link", name="Pending").click()
    row = admin.locator("#result_list tr", has_text="A reply to Meera.")
    row.locator("input.action-select").check()
    admin.locator("select[name=action]").select_option("approve")
    admin.locator("button[name=index]").click()
    expect(admin.locator(".messagelist")).to_contain_text("Approved 1.")

    # ...and deletes the other comment from the public page, after confirming.
    admin.goto(post_url)
    mod_comments = admin.locator("#comments")
    expect(mod_comments.get_by_role("heading", name="2 Comments")).to_be_visible()
    held = mod_comments.locator("article.comment", has_text="My own comment")
    held.get_by_role("link", name="Delete").click()
    expect(admin.get_by_role("heading", name="Delete this comment?")).to_be_visible()
    admin.get_by_role("button", name="Delete").click()
    expect(admin).to_have_url(re.compile(re.escape(post.get_absolute_url())))
    expect(
        mod_comments.locator("article.comment", has_text="My own comment")
    ).to_have_count(0)
    context.close()

    # The reader sees the approved reply, not the deleted comment; counts agree.
    page.reload()
    expect(comments.get_by_role("heading", name="2 Comments")).to_be_visible()
    expect(
        comments.locator("article.comment", has_text="My own comment")
    ).to_have_count(0)
    expect(reply).not_to_contain_text("awaiting moderation")
    page.goto(live_server.url + "/")
    card = page.locator("article.card", has_text="Harbour reopens after storm").first
    expect(card.get_by_role("link", name="2 Comments")).to_be_visible()
    statuses = sorted(Comment.objects.values_list("status", flat=True))
    assert statuses == ["approved", "approved", "removed"]
