"""What the browser tests of the editors' desk share: signing in, and revisions."""

import reversion
from playwright.sync_api import expect

from tests.articles.newsroom_admin import PASSWORD


def log_in(page, base_url, username, password=PASSWORD):
    """Sign in to the admin as `username` through its own login form."""
    page.goto(base_url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("Log out")


def save_revision(post, user, when, labels=None, **changes):
    """Save `changes` to `post` as one revision by `user`, dated `when`."""
    for name, value in changes.items():
        setattr(post, name, value)
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_date_created(when)
        if labels is not None:
            post.set_labels(labels)
        post.save()
    return post
