"""Shared computers: unsaved admin drafts are per user and gone after signing out."""

import pytest
from playwright.sync_api import expect

from tests.articles.newsroom_admin import make_person
from tests.browser.test_editor_flow import AUTOSAVE_KEYS, log_in


def write_a_draft(page, base, text):
    response = page.goto(base + "/admin/articles/post/add/")
    # Say what came instead of the form, if it did not come.
    assert response.status == 200, (response.status, page.url)
    assert page.url.endswith("/admin/articles/post/add/"), page.url
    page.get_by_label("Title:").fill(text)
    page.locator(".prose-editor [contenteditable=true]").click()
    page.keyboard.type("Premium detail nobody else may read.")
    for _ in range(50):  # the script keeps a copy a moment after typing stops
        if page.evaluate(AUTOSAVE_KEYS):
            break
        page.wait_for_timeout(100)
    return page.evaluate(AUTOSAVE_KEYS)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/logout/", "/accounts/logout/"])
def test_signing_out_asks_the_browser_to_clear_site_storage(staff_client, path):
    assert "Clear-Site-Data" not in staff_client.get(path)
    response = staff_client.post(path)
    assert response.status_code in (200, 302)
    assert response["Clear-Site-Data"] == '"storage"'
    assert "_auth_user_id" not in staff_client.session


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_drafts_are_per_user_and_signing_out_clears_them(live_server, page):
    asha = make_person("Editors", username="asha")
    make_person("Editors", username="ben")
    base = live_server.url

    # The admin's "Log out".
    log_in(page, base, "asha")
    assert write_a_draft(page, base, "Asha's scoop") == [
        "newsroom-autosave:%d:/admin/articles/post/add/" % asha.pk
    ]
    page.locator("#logout-form button").click()
    expect(page.locator("#content")).to_contain_text("Log in again")
    assert page.evaluate(AUTOSAVE_KEYS) == []

    # The readers' "Sign out", on the site's pages.
    log_in(page, base, "asha")
    assert write_a_draft(page, base, "Asha's scoop")
    page.goto(base + "/")
    page.locator(".account-links").get_by_role("button", name="Sign out").click()
    expect(page.locator(".account-links")).to_contain_text("Sign in")
    assert page.evaluate(AUTOSAVE_KEYS) == []

    # Her session just ends (no sign-out); Ben signs in at the same browser.
    log_in(page, base, "asha")
    assert write_a_draft(page, base, "Asha's scoop")
    page.context.clear_cookies()
    log_in(page, base, "ben")
    page.goto(base + "/admin/articles/post/add/")
    expect(page.get_by_label("Title:")).to_have_value("")
    page.wait_for_timeout(300)
    expect(page.locator(".autosave-note")).to_be_hidden()
    assert page.evaluate(AUTOSAVE_KEYS) == []
