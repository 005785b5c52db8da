"""An editor grants a reader membership; the reader then reads the premium part."""

import os
import tempfile
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts import membership
from accounts.roles import ensure_membership_managers
from tests.articles.newsroom_admin import PASSWORD, make_person
from tests.browser.desk import log_in
from tests.factories import make_post, make_user

ROOT = Path(__file__).resolve().parent.parent.parent
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(
    os.environ.get("NEWSROOM_SHOTS") or Path(tempfile.gettempdir()) / "shots-people"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The site's CSP (rightly) refuses the injected axe script.
    return {**browser_context_args, "bypass_csp": True}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / ("%s.png" % name)), full_page=True)


def serious_violations(page):
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        (violation["id"], [node["html"][:160] for node in violation["nodes"][:3]])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_an_editor_grants_a_reader_membership(live_server, page):
    ensure_membership_managers()
    make_person(
        "Editors",
        username="editor",
        first_name="Asha",
        last_name="Menon",
        email="asha@localglob.example",
    )
    reader = make_user(
        username="lakshmi",
        first_name="Lakshmi",
        last_name="Pillai",
        email="lakshmi@example.com",
        password=PASSWORD,
    )
    membership.request(reader)
    membership.request(make_user(username="arjun", first_name="Arjun", last_name="Das"))
    post = make_post(
        title="Inside the harbour deal",
        body="<p>The free part of the story.</p>",
        premium_body="<p>The reporters' full notes on the harbour deal.</p>",
    )
    base = live_server.url

    # The dashboard says who is waiting; the Members page lists them.
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, base, "editor")
    expect(page.locator("#user-tools strong")).to_have_text("Asha Menon")
    page.get_by_role("link", name="Asking to become members").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    row = rows.filter(has_text="Lakshmi Pillai")
    expect(row).to_contain_text("lakshmi@example.com")
    expect(row).to_contain_text("Requested")
    shot(page, "members-requested")
    assert serious_violations(page) == []

    # One click grants; the reader is told by e-mail.
    mail.outbox.clear()
    row.get_by_role("button", name="Grant membership to Lakshmi Pillai").click()
    expect(page.locator(".messagelist .success")).to_have_text(
        "Lakshmi Pillai is now a member."
    )
    # Back on the filtered list (requests only): Lakshmi has left it.
    expect(page.locator("#result_list")).not_to_contain_text("Lakshmi Pillai")
    page.get_by_role("link", name="Member", exact=True).click()
    row = page.locator("#result_list tbody tr").filter(has_text="Lakshmi Pillai")
    expect(row).to_contain_text("Member")
    expect(
        row.get_by_role("button", name="Revoke Lakshmi Pillai's membership")
    ).to_be_visible()
    shot(page, "members-granted")
    [told] = [
        message for message in mail.outbox if message.to == ["lakshmi@example.com"]
    ]
    assert told.subject == "You are now a member of Local Glob"

    # The membership's own page: who granted it, and when.
    row.get_by_role("link", name="Lakshmi Pillai").click()
    expect(page.locator(".field-granted_by_name")).to_contain_text("Asha Menon")
    expect(page.get_by_role("button", name="Revoke membership")).to_be_visible()
    shot(page, "membership-page")
    assert serious_violations(page) == []

    # The reader signs in and reads the members-only part.
    reader_page = page.context.browser.new_page()
    reader_page.goto(base + "/accounts/login/?next=" + post.get_absolute_url())
    reader_page.get_by_label("Username").fill("lakshmi")
    reader_page.get_by_label("Password").fill(PASSWORD)
    reader_page.get_by_role("button", name="Sign in").click()
    expect(reader_page.locator("body")).to_contain_text(
        "The reporters' full notes on the harbour deal."
    )
    reader_page.close()


def test_an_editor_makes_a_reader_a_member_who_did_not_ask(live_server, page):
    ensure_membership_managers()
    make_person("Editors", username="editor", first_name="Asha", last_name="Menon")
    make_user(
        username="meera",
        first_name="Meera",
        last_name="Iyer",
        email="meera@example.com",
    )
    base = live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, base, "editor")
    page.goto(base + "/admin/accounts/membership/")
    page.get_by_role("link", name="Make a reader a member").click()
    field = page.get_by_label("Username or e-mail address")
    field.fill("nobody@example.com")
    page.get_by_role("button", name="Grant membership").click()
    expect(page.locator(".errorlist")).to_contain_text(
        "No account has this username or e-mail address."
    )
    expect(field).to_have_value("nobody@example.com")
    shot(page, "members-grant-error")
    assert serious_violations(page) == []
    field.fill("meera@example.com")
    page.get_by_role("button", name="Grant membership").click()
    expect(page.locator(".messagelist .success")).to_have_text(
        "Meera Iyer is now a member."
    )

    # A superuser's user list tells readers and members apart.
    make_user(username="root", is_staff=True, is_superuser=True, password=PASSWORD)
    page.context.clear_cookies()
    log_in(page, base, "root")
    page.goto(base + "/admin/auth/user/")
    meera = page.locator("#result_list tbody tr").filter(has_text="meera")
    expect(meera.locator("td.field-member")).to_have_text("Member")
    editor = page.locator("#result_list tbody tr").filter(has_text="editor")
    expect(editor.locator("td.field-member")).to_have_text("—")
    shot(page, "users-member-column")
