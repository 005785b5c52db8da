"""
Share to unlock and Become a member in a real Chromium, on a phone (390×844)
and a desktop (1366×900): a share press reveals the premium part at once and
on later visits, from the one cached page; the members-only box leads to
Become a member; without JavaScript the share form still unlocks.
"""

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.accounts.premium_helpers import FREE_TEXT, PREMIUM_HTML, SECRET
from tests.articles.newsroom_admin import PASSWORD
from tests.factories import make_post, make_user

SHOTS = Path(
    os.environ.get("NEWSROOM_SHOTS") or Path(tempfile.gettempdir()) / "shots-r4"
)
VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}
NETWORKS = re.compile(r"^https://(wa\.me|www\.facebook\.com|twitter\.com)/")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request, page):
    width, height = VIEWPORTS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param


@pytest.fixture
def page_cache_on(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}


@pytest.fixture
def networks(context):
    """The share networks answer from here: the test never leaves the machine."""
    opened = []

    def answer(route):
        opened.append(route.request.url)
        route.fulfill(
            status=200, content_type="text/html", body="<title>Shared</title>"
        )

    context.route(NETWORKS, answer)
    return opened


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / ("%s.png" % name)), full_page=True)


def share_post(**overrides):
    overrides.setdefault("title", "Budget talks in Kochi")
    overrides.setdefault("body", "<p>%s</p>" % FREE_TEXT)
    return make_post(
        premium_body=PREMIUM_HTML, premium_mode="share", labels=["KERALA"], **overrides
    )


def test_a_share_press_reveals_the_part_at_once_and_on_later_visits(
    live_server, page, viewport, page_cache_on, networks
):
    post = share_post()
    other = share_post(title="Another premium story")
    url = live_server.url + post.get_absolute_url()
    page.goto(url)
    first = page.goto(url)
    box = page.locator(".premium-box")
    expect(box).to_contain_text("THIS CONTENT IS PREMIUM")
    expect(box).to_contain_text("Please share to unlock")
    assert SECRET not in page.content()
    for name in ["WhatsApp", "Facebook", "X (Twitter)", "E-mail", "Copy link"]:
        button = box.get_by_role("button", name=name, exact=True)
        expect(button).to_be_visible()
        height = button.bounding_box()["height"]
        assert height >= 44, (name, height)
    shot(page, "%s-share-box" % viewport)
    # The page every anonymous reader shares (kept, or drawn to be kept).
    assert first.headers.get("x-page-cache") in ("miss", "hit")

    with page.context.expect_page() as popup:
        box.get_by_role("button", name="WhatsApp").click()
    shared = popup.value
    shared.wait_for_load_state()
    assert shared.url.startswith("https://wa.me/?text=Budget+talks+in+Kochi+http")
    shared.close()
    part = page.locator(".post-premium")
    expect(part).to_contain_text(SECRET)
    expect(page.locator(".premium-unlocked")).to_have_text(
        "Thank you for sharing: the premium part is unlocked."
    )
    expect(page.locator(".premium-box")).to_have_count(0)
    expect(part).to_be_focused()
    part.scroll_into_view_if_needed()
    shot(page, "%s-unlocked" % viewport)

    # A later visit: the same cached page, and the part arrives by itself.
    later = page.goto(url)
    assert later.headers.get("x-page-cache") == "hit"
    expect(page.locator(".post-premium")).to_contain_text(SECRET)
    html = page.context.request.get(url).text()
    assert SECRET not in html
    # The grant is for that post only.
    page.goto(live_server.url + other.get_absolute_url())
    expect(page.locator(".premium-box")).to_contain_text("Please share to unlock")
    page.wait_for_load_state("networkidle")
    assert SECRET not in page.content()
    # The grant cookie is kept for the premium addresses only.
    [cookie] = [c for c in page.context.cookies() if c["name"] == "premium_grants"]
    assert cookie["path"] == "/premium/"
    assert cookie["httpOnly"]


def test_a_share_refused_by_the_csrf_check_is_sent_once_more(
    live_server, page, networks
):
    """If the CSRF cookie changed under the script, it fetches a token and sends again."""
    sent = []

    def first_refused(route):
        sent.append(route.request.method)
        if len(sent) == 1:
            route.fulfill(status=403, content_type="text/html", body="<h1>Refused</h1>")
        else:
            route.continue_()

    page.route(re.compile(r"/premium/\d+/shared$"), first_refused)
    post = share_post()
    page.goto(live_server.url + post.get_absolute_url())
    with page.context.expect_page():
        page.locator(".premium-box").get_by_role("button", name="X (Twitter)").click()
    expect(page.locator(".post-premium")).to_contain_text(SECRET)
    assert sent == ["POST", "POST"]


def test_copy_link_copies_the_address_and_unlocks(live_server, page, context, viewport):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    post = share_post()
    url = live_server.url + post.get_absolute_url()
    page.goto(url)
    page.locator(".premium-box").get_by_role("button", name="Copy link").click()
    expect(page.locator(".premium-unlocked")).to_have_text(
        "Link copied: the premium part is unlocked."
    )
    expect(page.locator(".post-premium")).to_contain_text(SECRET)
    assert page.evaluate("navigator.clipboard.readText()") == url


def test_the_members_only_box_leads_to_become_a_member(live_server, page, viewport):
    make_user(username="lakshmi", email="lakshmi@example.com", password=PASSWORD)
    post = make_post(
        title="Inside the harbour deal",
        body="<p>%s</p>" % FREE_TEXT,
        premium_body=PREMIUM_HTML,
        labels=["KERALA"],
    )
    page.goto(live_server.url + post.get_absolute_url())
    box = page.locator(".premium-box")
    expect(box).to_contain_text("For members only")
    expect(box.get_by_role("button")).to_have_count(0)  # no share-to-unlock here
    shot(page, "%s-members-only-box" % viewport)
    box.get_by_role("link", name="Become a member").click()
    expect(page).to_have_url(
        re.compile(r"/accounts/login/\?next=/accounts/membership/$")
    )
    page.get_by_label("Username").fill("lakshmi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/accounts/membership/")
    expect(page.locator(".membership-status")).to_have_text("You are not a member yet.")
    shot(page, "%s-become-a-member" % viewport)
    page.get_by_role("button", name="Ask to become a member").click()
    expect(page.locator(".membership-status")).to_contain_text(
        "Your request is waiting for an editor."
    )
    shot(page, "%s-membership-requested" % viewport)


def test_a_member_reads_the_part_from_the_endpoint(live_server, page, viewport):
    from django.contrib.auth.models import Group

    member = make_user(username="meera", password=PASSWORD)
    member.groups.add(Group.objects.get_or_create(name="Members")[0])
    post = make_post(
        title="Inside the harbour deal",
        body="<p>%s</p>" % FREE_TEXT,
        premium_body=PREMIUM_HTML,
    )
    url = live_server.url + post.get_absolute_url()
    page.goto(live_server.url + "/accounts/login/?next=" + post.get_absolute_url())
    page.get_by_label("Username").fill("meera")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url)
    expect(page.locator(".post-premium")).to_contain_text(SECRET)
    expect(page.locator(".premium-box")).to_have_count(0)
    assert SECRET not in page.context.request.get(url).text()
    shot(page, "%s-member-reads" % viewport)


def test_without_javascript_a_share_still_unlocks(live_server, browser, viewport):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": height}
    )
    page = context.new_page()
    post = share_post()
    url = live_server.url + post.get_absolute_url()
    page.goto(url)
    box = page.locator(".premium-box")
    box.get_by_role("button", name="Facebook").click()
    # The cached page's form has no CSRF token: one confirmation.
    expect(page.locator("h1")).to_have_text("Please confirm")
    expect(page.locator("body")).to_contain_text(
        "Sharing this post to unlock its premium part"
    )
    shot(page, "%s-nojs-confirm" % viewport)
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/premium/%d/\?via=facebook$" % post.pk))
    expect(page.locator(".post-premium")).to_contain_text(SECRET)
    share_link = page.get_by_role("link", name="Share on Facebook")
    assert share_link.get_attribute("href").startswith(
        "https://www.facebook.com/sharer/sharer.php?u=http"
    )
    shot(page, "%s-nojs-unlocked" % viewport)
    # Back on the post: "Read the premium part" opens it again.
    page.get_by_role("link", name="Back to the post").click()
    expect(page).to_have_url(url)
    assert SECRET not in page.content()
    page.locator(".premium-box").get_by_role(
        "link", name="Read the premium part"
    ).click()
    expect(page.locator(".post-premium")).to_contain_text(SECRET)
    context.close()


def test_premium_posts_carry_a_badge_on_cards(live_server, page, viewport):
    for number in range(3):
        make_post(title="Free story %d" % number, labels=["KERALA"])
    share_post(title="A premium story")
    page.goto(live_server.url + "/search/label/KERALA")
    card = page.locator("article.card", has_text="A premium story")
    badge = card.locator(".premium-badge")
    expect(badge).to_have_text("Premium")
    expect(badge).to_be_visible()
    meta = card.locator(".meta")
    box = meta.bounding_box()
    line = badge.bounding_box()
    assert (
        line["y"] >= box["y"]
        and line["y"] + line["height"] <= box["y"] + box["height"] + 1
    )
    expect(
        page.locator("article.card", has_text="Free story 0").locator(".premium-badge")
    ).to_have_count(0)
    shot(page, "%s-badge" % viewport)


AXE = (
    Path(__file__).resolve().parent.parent.parent
    / ".venv/axe/node_modules/axe-core/axe.min.js"
)


def serious_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        (violation["id"], [node["html"][:160] for node in violation["nodes"][:3]])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed")
def test_axe_finds_nothing_serious_on_the_premium_pages(live_server, browser, viewport):
    from django.contrib.auth.models import Group

    width, height = VIEWPORTS[viewport]
    # The site's CSP (rightly) refuses the injected axe script.
    context = browser.new_context(
        bypass_csp=True, viewport={"width": width, "height": height}
    )
    context.route(NETWORKS, lambda route: route.fulfill(status=200, body="shared"))
    page = context.new_page()
    post = share_post()
    members_only = make_post(title="For members", premium_body=PREMIUM_HTML)
    make_user(username="lakshmi", password=PASSWORD).groups.add(
        Group.objects.get_or_create(name="Writers")[0]
    )
    base = live_server.url
    checked = {}
    page.goto(base + post.get_absolute_url())
    checked["share box"] = serious_violations(page)
    page.goto(base + members_only.get_absolute_url())
    checked["members-only box"] = serious_violations(page)
    page.goto(base + "/premium/%d/" % post.pk)
    checked["refused premium page"] = serious_violations(page)
    page.goto(base + post.get_absolute_url())
    with context.expect_page():
        page.locator(".premium-box").get_by_role("button", name="Facebook").click()
    expect(page.locator(".post-premium")).to_contain_text(SECRET)
    checked["unlocked"] = serious_violations(page)
    page.goto(base + "/premium/%d/?via=copy" % post.pk)
    checked["premium page"] = serious_violations(page)
    page.goto(base + "/accounts/login/?next=/accounts/membership/")
    page.get_by_label("Username").fill("lakshmi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Become a member")
    checked["become a member"] = serious_violations(page)
    context.close()
    assert checked == {name: [] for name in checked}
