"""
A moderator clears a queue with the per-row buttons, in place; without
JavaScript the same buttons work as small forms. The desk's pages pass axe.
"""

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from comments.models import Comment, ModerationEvent, Report
from tests.articles.newsroom_admin import make_person
from tests.browser.desk import log_in
from tests.browser.test_accessibility import AXE, serious_violations
from tests.factories import make_comment, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Status = Comment.Status
SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", tempfile.gettempdir())) / "shots-mod"
QUEUE = "/admin/comments/comment/"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The admin's CSP (rightly) refuses the injected axe script.
    return {
        **browser_context_args,
        "bypass_csp": True,
        "viewport": {"width": 1400, "height": 1000},
    }


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / ("%s.png" % name)), full_page=True)


def row(page, comment):
    return page.locator("tr", has=page.locator("#queue-c%d" % comment.pk))


@pytest.fixture
def queue(live_server):
    make_person(
        "Moderators", username="moderator", first_name="Ravi", last_name="Kumar"
    )
    post = make_post(title="Harbour reopens after storm")
    thread = make_comment(post, name="Priya", text="Good to see the boats back.")
    comments = {
        "reply": make_comment(
            post,
            parent=thread,
            status=Status.PENDING,
            name="Sara",
            email="sara@example.com",
            ip_address="203.0.113.5",
            text="My cousin works there. Fingers crossed!",
        ),
        "advert": make_comment(
            post,
            status=Status.PENDING,
            name="Cheap flights 4U",
            ip_address="2001:db8:1:2::7",
            text="Best prices!!! http://spam.example/deal",
        ),
        "rude": make_comment(post, name="Troll", text="You are all idiots."),
        "question": make_comment(
            post,
            status=Status.PENDING,
            name="Karthik",
            text="Will the ferry to the island run again too?",
        ),
    }
    Report.objects.create(
        comment=comments["rude"], reason="abuse", reporter="addr:1", note="Insults"
    )
    return live_server.url, post, comments


def test_moderator_clears_the_queue_in_place(page, queue):
    base, post, comments = queue
    log_in(page, base, "moderator")
    page.goto(base + QUEUE)
    # The reported comment is first, with its report; the reply quotes Priya.
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("You are all idiots.")
    expect(first).to_contain_text("1 report: Abusive or hateful (1)")
    expect(row(page, comments["reply"])).to_contain_text(
        "In reply to Priya: Good to see the boats back."
    )
    shoot(page, "queue-before")
    if AXE.exists():
        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, indent=2)

    # The page is never reloaded: a marker set now survives every click.
    page.evaluate("window.stillHere = true")
    row(page, comments["rude"]).get_by_role(
        "button", name=re.compile("^Delete")
    ).click()
    expect(page.locator("#moderation-status")).to_have_text(
        "Deleted the comment by Troll."
    )
    expect(row(page, comments["rude"]).locator(".queue-status")).to_have_text("Removed")
    row(page, comments["reply"]).get_by_role(
        "button", name=re.compile("^Approve")
    ).click()
    expect(row(page, comments["reply"]).locator(".queue-status")).to_have_text(
        "Approved"
    )
    row(page, comments["advert"]).get_by_role(
        "button", name=re.compile("^Spam")
    ).click()
    expect(row(page, comments["advert"]).locator(".queue-status")).to_have_text("Spam")
    # The row now offers what applies to its new state.
    expect(
        row(page, comments["advert"]).get_by_role(
            "button", name=re.compile("^Not spam")
        )
    ).to_be_visible()
    row(page, comments["question"]).get_by_role(
        "button", name=re.compile("^Approve")
    ).click()
    expect(row(page, comments["question"]).locator(".queue-status")).to_have_text(
        "Approved"
    )
    expect(page.locator("#moderation-status")).to_have_text(
        "Approved the comment by Karthik."
    )
    assert page.evaluate("window.stillHere") is True
    shoot(page, "queue-after")

    statuses = dict(Comment.objects.values_list("name", "status"))
    assert statuses == {
        "Priya": Status.APPROVED,
        "Sara": Status.APPROVED,
        "Cheap flights 4U": Status.SPAM,
        "Troll": Status.REMOVED,
        "Karthik": Status.APPROVED,
    }
    assert ModerationEvent.objects.count() == 4
    assert not Report.objects.filter(resolved_at__isnull=True).exists()

    # Nothing is left waiting.
    page.goto(base + QUEUE + "?status__exact=pending")
    expect(page.locator("#result_list")).to_have_count(0)
    expect(page.locator("#changelist")).to_contain_text("0 comments")

    # The readers see the approved ones, not the removed or the spam.
    page.goto(base + post.get_absolute_url())
    comments_section = page.locator("#comments")
    expect(comments_section).to_contain_text("Will the ferry to the island run again")
    expect(comments_section).not_to_contain_text("You are all idiots.")
    expect(comments_section).not_to_contain_text("Best prices")
    # A moderator's own view of the page: Spam beside Delete.
    expect(
        comments_section.get_by_role("button", name=re.compile("^Spam")).first
    ).to_be_visible()
    shoot(page, "public-page-moderator")


def test_block_from_the_queue(page, queue):
    base, _post, comments = queue
    log_in(page, base, "moderator")
    page.goto(base + QUEUE)
    row(page, comments["advert"]).get_by_role("link", name=re.compile("^Block")).click()
    expect(page.locator("h1")).to_have_text("Block the author of a comment")
    expect(page.get_by_label(re.compile("^Address: 2001:db8:1:2::/64"))).to_be_checked()
    shoot(page, "block-page")
    if AXE.exists():
        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, indent=2)
    page.get_by_label("Reason (for the other moderators)").fill("Adverts")
    page.get_by_role("button", name="Block").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Blocked Cheap flights 4U by address."
    )
    expect(row(page, comments["advert"])).to_contain_text("Blocked by address")
    expect(row(page, comments["advert"]).locator(".queue-status")).to_have_text("Spam")
    # Listed under Blocked commenters, where it can be lifted.
    page.goto(base + "/admin/comments/block/")
    expect(page.locator("#result_list")).to_contain_text("Address: 2001:db8:1:2::/64")
    expect(page.locator("#result_list")).to_contain_text("Adverts")
    shoot(page, "blocks-list")
    # A reported comment's own page lists its reports.
    page.goto(base + "/admin/comments/comment/%d/change/" % comments["rude"].pk)
    expect(page.locator("#content-main")).to_contain_text("Abusive or hateful")
    shoot(page, "comment-detail")


def test_without_javascript_the_buttons_are_small_forms(browser, queue, live_server):
    base, _post, comments = queue
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base, "moderator")
    page.goto(base + QUEUE + "?status__exact=pending")
    row(page, comments["question"]).get_by_role(
        "button", name=re.compile("^Approve")
    ).click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Approved the comment by Karthik."
    )
    # Back at the same list position: the pending filter is still on.
    assert "status__exact=pending" in page.url
    assert page.url.endswith("#queue-c%d" % comments["question"].pk)
    expect(page.locator("#queue-c%d" % comments["question"].pk)).to_have_count(0)
    comments["question"].refresh_from_db()
    assert comments["question"].status == Status.APPROVED
    context.close()


def test_settings_pages(page, live_server):
    make_person("Moderators", username="moderator")
    make_person("Editors", username="editor")
    base = live_server.url
    log_in(page, base, "moderator")
    page.goto(base + "/admin/")
    page.get_by_role("link", name="Comment settings").first.click()
    expect(page.locator("h1")).to_have_text("Comment settings")
    expect(page.locator("input[name=_addanother]")).to_have_count(0)
    expect(page.locator("input[name=_continue]")).to_have_count(0)
    shoot(page, "comment-settings")
    if AXE.exists():
        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, indent=2)
    page.get_by_label("Comment moderation").select_option("never")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("Comment settings saved.")
    expect(page.locator("h1")).to_have_text("Comment settings")

    page.context.clear_cookies()
    log_in(page, base, "editor")
    page.goto(base + "/admin/")
    page.get_by_role("link", name="Site settings").first.click()
    expect(page.locator("h1")).to_have_text("Site settings")
    expect(page.locator("input[name=_addanother]")).to_have_count(0)
    shoot(page, "site-settings")


def test_reader_reports_a_comment(page, queue):
    base, post, comments = queue
    page.goto(base + post.get_absolute_url())
    shoot(page, "public-page-reader")
    page.locator("#c%d" % comments["rude"].pk).get_by_role(
        "link", name=re.compile("^Report")
    ).click()
    expect(page.locator("h1")).to_have_text("Report a comment")
    if AXE.exists():
        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, indent=2)
    page.get_by_label("Off-topic").check()
    page.get_by_label("Anything to add (optional)").fill("Not about the harbour")
    shoot(page, "report-page")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("status")).to_have_text(
        "Thank you. The moderators will look at this comment."
    )
    report = Report.objects.get(reason="off-topic")
    assert (report.comment_id, report.note) == (
        comments["rude"].pk,
        "Not about the harbour",
    )
