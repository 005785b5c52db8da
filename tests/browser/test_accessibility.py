"""axe-core in Chromium: no serious or critical accessibility violation on readers' pages."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import make_comment, make_image, make_post

ROOT = Path(__file__).resolve().parent.parent.parent
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"

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
    # The site's CSP (rightly) refuses the injected axe script.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def site(live_server):
    image = make_image(alt_text="Boats in the harbour")
    post = make_post(
        title="Harbour reopens after storm",
        labels=["TOP STORY", "KERALA"],
        featured_image=image,
        body="<p>The harbour reopened on Monday.</p><h2>What changed</h2>"
        "<p>Boats are back.</p><pre><code>print('hello')</code></pre>",
    )
    for number in range(6):
        make_post(title="Other story %d" % number, labels=["KERALA"])
    make_comment(post, name="Meera", text="Glad the boats are back.")
    return live_server.url, post


def serious_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["html"][:160] for node in violation["nodes"][:3]],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "where",
    ["home", "post", "label", "search", "comment form with errors", "404"],
)
def test_no_serious_or_critical_violations(page, site, where):
    base, post = site
    if where == "comment form with errors":
        page.goto(base + post.get_absolute_url())
        form = page.locator("#comment-form")
        # Skip the browser's own checks so the server's error messages show.
        form.evaluate("form => { form.noValidate = true; }")
        # The form fetches its CSRF token first, then posts: wait for the
        # answer page to show the errors rather than for the current page.
        with page.expect_navigation():
            form.get_by_role("button", name="Publish").click()
        expect(
            page.locator("#comment-form .errorlist, #comment-form [role=alert]").first
        ).to_be_visible()
        page.wait_for_load_state()
    else:
        path = {
            "home": "/",
            "post": post.get_absolute_url(),
            "label": "/search/label/KERALA",
            "search": "/search?q=harbour",
            "404": "/no/such/address",
        }[where]
        page.goto(base + path)
    if where == "post":
        assert page.locator("#comment-form").count() == 1
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
