"""The Nu HTML Checker (vnu.jar): every page a reader sees is valid HTML.

Public pages are checked at their live addresses. Pages that depend on who is
reading (a member's premium part, a moderator's or the writer's view of a held
comment), forms sent back with errors and the 404 page are fetched with the
test client and checked as files. One vnu run checks them all (it takes 3 s to
start); info and warnings are printed, errors fail the test.
"""

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from articles import roles
from comments.cookies import COOKIE_NAME, remember_comment
from comments.models import Comment
from tests.factories import (
    make_comment,
    make_image,
    make_moderator,
    make_page,
    make_post,
    make_user,
)

ROOT = Path(__file__).resolve().parent.parent.parent
VNU = ROOT / ".venv" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not VNU.exists(),
        reason="vnu-jar is not installed: run `make install` (npm install "
        "--ignore-scripts --prefix .venv/vnu vnu-jar)",
    ),
    pytest.mark.skipif(
        JAVA is None,
        reason="java is not installed: the Nu HTML Checker needs Java 11 or newer "
        "(apt-get install openjdk-17-jre-headless)",
    ),
]

PUBLISHED = datetime(2025, 11, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def site(live_server):
    image = make_image(alt_text="Boats in the harbour")
    post = make_post(
        title="Harbour reopens after storm",
        labels=["TOP STORY", "KERALA", "AROUND THE GLOBE"],
        featured_image=image,
        published_at=PUBLISHED,
        body=(
            "<p>KOCHI: The harbour reopened on <strong>Monday</strong>, "
            '<a href="https://example.com/report">the port said</a>.</p>'
            '<p><img src="%s" alt="The harbour at dawn"></p>'
            "<h2>What changed</h2>"
            "<ul><li>Boats are back.</li><li>Nets are mended.</li></ul>"
            "<blockquote><p>We are fishing again.</p></blockquote>"
            "<table><tbody><tr><th>Boats</th><td>120</td></tr></tbody></table>"
            "<pre><code>if tide &lt; 2:\n    print('stay in')</code></pre>"
        )
        % image.url("s1600"),
        premium_body="<h2>For members</h2><p>The full briefing.</p>",
    )
    for number in range(6):
        make_post(
            title="Other harbour story %d" % number,
            labels=["KERALA"],
            published_at=PUBLISHED - timedelta(days=number + 1),
        )
    thread = make_comment(post, name="Meera", text="Glad the boats are back.")
    make_comment(post, parent=thread, name="Ravi", text="So are the fish.")
    held = make_comment(
        post, name="Asha", text="Held for moderation.", status=Comment.Status.PENDING
    )
    page = make_page(title="About us", body="<p>We report the coast.</p>")
    letters = make_page(title="Letters", body="<p>Write to us.</p>", comments_open=True)
    question = make_comment(letters, name="Latha", text="Where do I send photos?")
    make_comment(letters, parent=question, name="Desk", text="To the desk address.")
    return live_server.url, post, (page, letters), held


def client_pages(post, held):
    """(name, html) of pages that depend on the reader, fetched in-process."""
    pages = []

    def fetch(name, client, path, shows, method="get", data=None, status=200):
        response = getattr(client, method)(path, data or {})
        assert response.status_code == status, (name, response.status_code)
        html = response.content.decode()
        assert shows in html, (name, shows)
        pages.append((name, html))

    fetch("404 page", Client(), "/no/such/page.html", "<h1", status=404)
    # A refused comment: the post page again with the form's errors.
    fetch(
        "comment form after a refused post",
        Client(),
        "/comments/post/%d/" % post.pk,
        'class="errorlist',
        method="post",
        data={"name": "", "text": ""},
    )
    fetch(
        "sign-up form with errors",
        Client(),
        "/accounts/signup/",
        'class="field-error"',
        method="post",
        data={"username": "", "password1": "a", "password2": "b"},
    )
    fetch(
        "follow form with errors",
        Client(),
        "/follow/",
        'class="field-error"',
        method="post",
        data={"email": "not an address"},
    )
    # The reader who wrote the held comment sees it, marked as held.
    remembered = HttpResponse()
    remember_comment(RequestFactory().get("/"), remembered, held)
    own = Client()
    own.cookies[COOKIE_NAME] = remembered.cookies[COOKIE_NAME].value
    fetch(
        "post, the reader's own held comment", own, post.get_absolute_url(), held.text
    )
    moderator = Client()
    moderator.force_login(make_moderator())
    fetch(
        "post, a moderator (held comment)",
        moderator,
        post.get_absolute_url(),
        held.text,
    )
    member = Client()
    reader = make_user()
    reader.groups.add(roles.ensure_roles()[roles.MEMBERS])
    member.force_login(reader)
    fetch("post, a member", member, post.get_absolute_url(), "Read the premium part")
    fetch("premium page, a member", member, "/premium/%d/" % post.pk, "full briefing")
    fetch("become a member", member, "/accounts/membership/", "Become a member")
    refused = "/premium/%d/" % post.pk
    fetch("premium page, refused", Client(), refused, "PREMIUM", status=403)
    fetch("home, signed in", member, "/", "Harbour reopens")
    return pages


def older_posts_path(base_path):
    """The "Older posts" address of a short list page (its second page)."""
    html = Client().get(base_path).content.decode()
    found = re.search(r'href="([^"]*updated-max=[^"]*)"', html)
    assert found, "no Older posts link on %s" % base_path
    return found.group(1).replace("&amp;", "&")


def vnu(targets):
    """vnu's messages for every URL or file in `targets`, in one run."""
    run = subprocess.run(
        [
            JAVA,
            "-Xss4m",
            "-Dnu.validator.servlet.allow-forbidden-hosts=true",
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--exit-zero-always",
            "--verbose",
            *targets,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # --verbose names each document on stdout as it is checked.
    checked = run.stdout.splitlines()
    assert [target for target in targets if target not in checked] == [], run.stdout
    # The JSON report goes to stderr.
    return json.loads(run.stderr)["messages"]


def describe(message, names):
    where = names.get(message.get("url"), message.get("url"))
    return "%s [%s] line %s: %s\n    %s" % (
        where,
        message.get("subType") or message["type"],
        message.get("lastLine", "?"),
        message.get("message"),
        (message.get("extract") or "").replace("\n", " "),
    )


def test_readers_pages_are_valid_html(site, tmp_path):
    base, post, (page, letters), held = site
    paths = {
        "home": "/",
        "post with comments": post.get_absolute_url(),
        "static page": page.get_absolute_url(),
        "static page with comments": letters.get_absolute_url(),
        "label page": "/search/label/KERALA",
        "label page, a name with a space": "/search/label/TOP%20STORY",
        "search with results": "/search?q=harbour",
        "search without results": "/search?q=zebra",
        "all posts": "/search",
        "all posts, older page": older_posts_path("/search?max-results=3"),
        "year archive": "/2025/",
        "month archive": "/2025/11/",
        "follow page": "/follow/",
        "sign-in page": "/accounts/login/",
        "sign-up page": "/accounts/signup/",
        "password reset page": "/accounts/password_reset/",
    }
    letters_html = Client().get(letters.get_absolute_url()).content.decode()
    assert (
        "To the desk address." in letters_html and 'id="comment-form"' in letters_html
    )
    targets, names = [], {}
    for name, path in paths.items():
        assert Client().get(path).status_code == 200, name
        targets.append(base + path)
        names[base + path] = name
    for number, (name, html) in enumerate(client_pages(post, held)):
        file = tmp_path / ("page-%02d.html" % number)
        file.write_text(html, encoding="utf-8")
        targets.append(str(file))
        names[file.as_uri()] = name
        names["file:" + str(file)] = name

    messages = vnu(targets)

    # vnu reports a page it could not read as a non-document error.
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    others = [m for m in messages if m not in errors]
    for message in others:
        print(describe(message, names))
    assert errors == [], "\n".join(describe(m, names) for m in errors)
