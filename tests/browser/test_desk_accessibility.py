"""
axe-core in Chromium on the editors' desk: signed in as an editor, a
moderator and a superuser, each desk page they work on has no serious or
critical accessibility violation.
"""

import importlib
import json
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect
from reversion.models import Version

from accounts import membership
from accounts.roles import ensure_membership_managers
from articles import roles
from articles.models import Status
from blogger.models import MissedAddress
from comments.models import Comment, Report
from tests.articles.newsroom_admin import PASSWORD, make_person
from tests.browser.desk import log_in, save_revision
from tests.browser.test_accessibility import AXE, serious_violations
from tests.factories import make_comment, make_image, make_post, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not AXE.exists(),
        reason="axe-core is not installed: run `make install` (npm install "
        "--prefix .venv/axe axe-core)",
    ),
]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The admin's CSP (rightly) refuses the injected axe script.
    return {
        **browser_context_args,
        "bypass_csp": True,
        "viewport": {"width": 1280, "height": 800},
    }


def grant_blogger_permissions():
    # roles.ensure_roles() sets articles' permissions only; the 404 log's
    # come from blogger's own data migration (which the test database flushed).
    module = importlib.import_module("blogger.migrations.0002_editor_permissions")
    module.grant_editors(apps, None)


@pytest.fixture
def desk(live_server):
    """A small newsroom: people in each role, a live post with history, a queue."""
    editor = make_person(
        roles.EDITORS, username="editor", first_name="Asha", last_name="Menon"
    )
    make_person(roles.WRITERS, username="writer", first_name="Kavya", last_name="Raman")
    make_person(
        roles.MODERATORS, username="moderator", first_name="Ravi", last_name="Nair"
    )
    make_user(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    grant_blogger_permissions()
    ensure_membership_managers()

    now = timezone.now()
    image = make_image(alt_text="Boats in the harbour at dawn")
    post = make_post(
        title="Harbour reopens after the storm",
        body="<p>The harbour reopened on Monday after a week.</p>"
        "<h2>What changed</h2><p>Boats are back.</p>",
        labels=["TOP STORY", "KERALA"],
        featured_image=image,
        author=editor,
        status=Status.DRAFT,
        published_at=None,
    )
    save_revision(post, editor, now - timedelta(hours=3))
    save_revision(
        post,
        editor,
        now - timedelta(hours=2),
        status=Status.PUBLISHED,
        published_at=now - timedelta(hours=2),
    )
    save_revision(
        post,
        editor,
        now - timedelta(hours=1),
        labels=["TOP STORY", "KERALA", "Weather"],
        body=post.body.replace("a week", "eight days"),
    )
    make_post(
        title="Ferry timetable for the festival",
        published_at=now + timedelta(days=1),
        labels=["KERALA"],
    )

    first = make_comment(post, name="Meera", text="Glad the boats are back.")
    make_comment(
        post,
        parent=first,
        name="Arun",
        text="So am I: my uncle fishes there.",
        status=Comment.Status.PENDING,
    )
    reported = make_comment(
        post, name="Spammer", text="Cheap tickets here!", status=Comment.Status.PENDING
    )
    Report.objects.create(
        comment=reported, reason=Report.Reason.SPAM, reporter="address:192.0.2.1"
    )

    membership.request(
        make_user(username="lakshmi", first_name="Lakshmi", last_name="Pillai")
    )
    MissedAddress.objects.create(path="/2019/05/harbour-reopens.html", hits=4)

    versions = list(
        Version.objects.get_for_object(post).order_by("revision__date_created")
    )
    return live_server.url, post, versions


def open_image_search(page):
    """Find the autocompletes by their fields' names; open the image's search."""
    expect(page.get_by_role("searchbox", name=re.compile("^Labels"))).to_be_visible()
    image = page.get_by_role("combobox", name=re.compile("^Featured image"))
    # What a screen reader says: the field's name, then the chosen image.
    expect(image).to_match_aria_snapshot(
        '- combobox "Featured image:": Boats in the harbour at dawn'
    )
    image.click()
    search = page.get_by_role("searchbox", name=re.compile("^Featured image"))
    expect(search).to_be_focused()
    expect(
        page.locator(".select2-container--open .select2-results__option").first
    ).to_contain_text("Boats in the harbour")


def open_label_search(page):
    """Search the labels (an autocomplete of several choices)."""
    search = page.get_by_role("searchbox", name=re.compile("^Labels"))
    search.fill("KER")
    expect(
        page.locator(".select2-container--open .select2-results__option").first
    ).to_have_text("KERALA")


def open_post_search(page):
    """The redirect form's post autocomplete, searched."""
    page.get_by_role("combobox", name=re.compile("^Post")).click()
    page.get_by_role("searchbox", name=re.compile("^Post")).fill("Harbour")
    expect(
        page.locator(".select2-container--open .select2-results__option").first
    ).to_have_text("Harbour reopens after the storm")


def pages_for(role, post, versions):
    """(name, path, what must show[, what to do]) for each page of the role."""
    change = "/admin/articles/post/%d/" % post.pk
    first, second, newest = versions
    if role == "editor":
        return [
            ("dashboard", "/admin/", "#content-main"),
            ("post list", "/admin/articles/post/", "#result_list"),
            ("post add form", "/admin/articles/post/add/", ".prose-editor"),
            (
                "post add form, label search open",
                "/admin/articles/post/add/",
                ".prose-editor",
                open_label_search,
            ),
            ("post change form", change + "change/", ".select2-selection__choice"),
            (
                "post change form, image search open",
                change + "change/",
                ".select2-selection__choice",
                open_image_search,
            ),
            ("agenda", "/admin/articles/post/agenda/", "#content-main"),
            ("history", change + "history/", "#change-history"),
            (
                "compare",
                change + "history/compare/?a=%d&b=%d" % (second.pk, newest.pk),
                ".diff-field",
            ),
            ("restore", change + "history/%d/" % first.pk, "#content-main form"),
            (
                "correction form",
                change + "history/%d/correction/" % newest.pk,
                "#content-main form",
            ),
            (
                "image chooser",
                "/admin/articles/post/image-picker/?CKEditorFuncNum=1",
                "#content-main",
            ),
            ("site settings", "/admin/articles/sitesettings/", "#content-main form"),
            ("members", "/admin/accounts/membership/", "#result_list"),
            ("404 log", "/admin/blogger/missedaddress/", "#result_list"),
            (
                "redirect form, post search open",
                "/admin/blogger/redirect/add/?old_path=/2019/05/harbour-reopens.html",
                "#redirect_form",
                open_post_search,
            ),
        ]
    if role == "moderator":
        return [
            ("dashboard", "/admin/", "#content-main"),
            ("comment queue", "/admin/comments/comment/", "#result_list"),
            (
                "comment settings",
                "/admin/comments/commentsettings/",
                "#content-main form",
            ),
        ]
    return [("user list", "/admin/auth/user/", "#result_list")]


@pytest.mark.parametrize(
    "role, username",
    [("editor", "editor"), ("moderator", "moderator"), ("superuser", "boss")],
)
def test_desk_pages_have_no_serious_or_critical_violations(page, desk, role, username):
    base, post, versions = desk
    log_in(page, base, username)
    found = {}
    for name, path, shown, *action in pages_for(role, post, versions):
        response = page.goto(base + path)
        assert response.ok, "%s answered %d" % (name, response.status)
        expect(page.locator(shown).first).to_be_visible()
        page.wait_for_load_state("load")
        for do in action:
            do(page)
        violations = serious_violations(page)
        if violations:
            found[name] = violations
    assert found == {}, json.dumps(found, indent=2)
