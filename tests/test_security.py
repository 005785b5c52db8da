"""Security headers, the production settings, admin sign-in throttling, uploads."""

import re

import pytest
from django.test import Client

from tests.factories import make_image, make_post, make_user
from tests.processes import production

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (item.strip() for item in policy.split(";"))
        if part
    }


# Not "page": that name is pytest-playwright's browser fixture, and a test
# asking for it is grouped with the browser tests (which flush the database).
@pytest.mark.parametrize("reader_page", ["home", "post", "label", "search"])
def test_every_script_is_same_origin_or_carries_the_nonce(client, reader_page):
    post = make_post(labels=["KERALA"])
    url = {
        "home": "/",
        "post": post.get_absolute_url(),
        "label": "/search/label/KERALA",
        "search": "/search?q=post",
    }[reader_page]
    response = client.get(url)
    directives = csp_directives(response)
    scripts = directives["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    nonces = [value[len("'nonce-") : -1] for value in scripts if "nonce-" in value]
    html = response.content.decode()
    for attributes in SCRIPT.findall(html):
        if re.search(r'type="application/(ld\+)?json"', attributes):
            continue  # data (also JSON-LD), never run
        src = re.search(r'src="([^"]+)"', attributes)
        if src:
            assert src[1].startswith("/"), attributes
        else:
            nonce = re.search(r'nonce="([^"]+)"', attributes)
            assert nonce and nonce[1] in nonces, attributes
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_uploaded_images_are_served_with_their_type_and_nosniff(client):
    image = make_image()
    response = client.get(image.url("s320"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_admin_sign_in_is_throttled_after_repeated_failures(client):
    make_user(username="editor", is_staff=True, password="the-right-password")
    right = {"username": "editor", "password": "the-right-password"}
    # The editor's own browser signed in before: it holds a device cookie.
    own = Client(REMOTE_ADDR="10.5.5.5")
    assert own.post("/admin/login/", right).status_code == 302
    own.post("/admin/logout/")
    for _attempt in range(4):
        response = client.post(
            "/admin/login/", {"username": "editor", "password": "wrong"}
        )
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = client.post("/admin/login/", right)
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert "_auth_user_id" not in client.session
    assert "Too many sign-in attempts. Please wait" in response.content.decode()
    # The limit is per username: other addresses are held too...
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post("/admin/login/", right).status_code == 429
    assert "_auth_user_id" not in other.session
    # ...but not the editor's own browser.
    assert own.post("/admin/login/", right).status_code == 302
    assert "_auth_user_id" in own.session


def test_admin_sign_in_still_refuses_readers(client):
    make_user(username="reader", password="reader-password-1")
    client.post(
        "/admin/login/", {"username": "reader", "password": "reader-password-1"}
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secret_and_hosts(tmp_path, missing):
    result = production("import django; django.setup()", tmp_path, **{missing: None})
    assert result.returncode != 0
    assert "%s must be set" % missing in result.stderr


def test_production_passes_check_deploy(tmp_path):
    code = (
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy',"
        " '--fail-level', 'WARNING'])"
    )
    result = production(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_sends_hsts_csp_and_secure_cookies(tmp_path):
    code = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/robots.txt", HTTP_HOST="news.example.com")
print("REDIRECT", plain.status_code, plain.get("Location"))
secure = client.get("/robots.txt", HTTP_HOST="news.example.com", secure=True)
print("STATUS", secure.status_code)
for name in ("Strict-Transport-Security", "Content-Security-Policy",
             "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
    print("HEADER", name, "=", secure.get(name))
print("COOKIES", settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,
      settings.SESSION_COOKIE_HTTPONLY, settings.LANGUAGE_COOKIE_SECURE)
print("CACHE", settings.CACHES["default"]["BACKEND"])
print("STATIC", settings.STORAGES["staticfiles"]["BACKEND"])
"""
    result = production(code, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "REDIRECT 301 https://news.example.com/robots.txt" in out
    assert "STATUS 200" in out
    assert (
        "HEADER Strict-Transport-Security = max-age=31536000; includeSubDomains; preload"
        in out
    )
    assert "HEADER Content-Security-Policy = default-src 'self'" in out
    assert "HEADER X-Content-Type-Options = nosniff" in out
    assert "HEADER Referrer-Policy = strict-origin-when-cross-origin" in out
    assert "HEADER X-Frame-Options = DENY" in out
    assert "frame-ancestors 'none'" in out
    assert "COOKIES True True True True" in out
    # Worker processes share one cache, so a purge reaches every worker.
    assert "CACHE django.core.cache.backends.filebased.FileBasedCache" in out
    assert "STATIC whitenoise.storage.CompressedManifestStaticFilesStorage" in out


def test_frames_are_refused_by_both_headers_alike(client):
    """X-Frame-Options and CSP frame-ancestors say the same: never in a frame."""
    post = make_post()
    for url in ("/", post.get_absolute_url(), "/robots.txt", "/admin/login/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert csp_directives(response)["frame-ancestors"] == ["'none'"], url


def test_csrf_cookie_is_http_only(client):
    response = client.get("/csrf-token")
    token = response.json()["token"]
    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    # Scripts get the token from /csrf-token instead (static/js/csrf.js).
    assert token
