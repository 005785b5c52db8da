"""
Signing in and up bring the reader back to the page they came from (only
ever a page of this site), and sign-up asks the name their comments show.
"""

import re
from html import unescape
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from comments.models import Comment
from tests.accounts.helpers import (
    PASSWORD,
    last_mail_to,
    link_in,
    sign_in,
    signed_in,
)
from tests.comments.helpers import section, send
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kerala-backwaters-2026"
# Addresses that lead off the site, however spelled, and account pages.
NOT_BACK = [
    "https://evil.example/",
    "//evil.example/story",
    "/\\evil.example",
    "\\\\evil.example",
    "http://testserver/2025/03/story.html",  # a path is enough; no host at all
    "javascript:alert(1)",
    "evil.example",
    "/accounts/login/",
    "/accounts/signup/?next=/x",
    "/" + "a" * 1200,
]


def sign_up_data(**overrides):
    data = {
        "username": "asha",
        "display_name": "Asha Menon",
        "email": "asha@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def links(html):
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


class TestLinksCarryThePage:
    def test_header_and_comment_form_links_carry_the_article(self, client):
        post = make_post(title="Harbour reopens")
        path = post.get_absolute_url()
        html = client.get(path).content.decode()
        header = html[html.index('<div class="account-links">') :]
        header = header[: header.index("</div>")]
        assert "/accounts/login/?next=%s" % path in links(header)
        assert "/accounts/signup/?next=%s" % path in links(header)
        form = section(client.get(path))
        back = quote(path + "#comment-form", safe="/")
        assert "/accounts/login/?next=%s" % back in links(form)
        assert "/accounts/signup/?next=%s" % back in links(form)

    def test_sign_up_and_sign_in_pages_pass_it_on(self, client):
        page = client.get("/accounts/signup/?next=/2025/03/story.html").content
        html = page.decode()
        assert '<input type="hidden" name="next" value="/2025/03/story.html">' in html
        assert "/accounts/login/?next=/2025/03/story.html" in links(html)
        html = client.get("/accounts/login/?next=/2025/03/story.html").content.decode()
        assert '<input type="hidden" name="next" value="/2025/03/story.html">' in html
        assert "/accounts/signup/?next=/2025/03/story.html" in links(html)

    @pytest.mark.parametrize("target", NOT_BACK)
    def test_pages_never_offer_another_sites_address(self, client, target):
        html = client.get("/accounts/signup/", {"next": target}).content.decode()
        assert '<input type="hidden" name="next" value="">' in html
        assert "evil" not in html


class TestSignIn:
    def test_back_to_the_article_after_signing_in(self, client):
        make_user(username="ravi")
        post = make_post()
        back = post.get_absolute_url() + "#comment-form"
        response = sign_in(
            client, "ravi", PASSWORD, url="/accounts/login/?next=" + quote(back)
        )
        assert response.status_code == 302
        assert response["Location"] == back
        # Already signed in: the sign-in link goes straight back.
        again = client.get("/accounts/login/", {"next": post.get_absolute_url()})
        assert again["Location"] == post.get_absolute_url()

    @pytest.mark.parametrize("target", NOT_BACK)
    def test_an_address_off_the_site_is_refused(self, client, target):
        """Open redirects: whatever `next` says, off the site is home."""
        make_user(username="ravi")
        response = client.post(
            "/accounts/login/",
            {"username": "ravi", "password": PASSWORD, "next": target},
        )
        assert response.status_code == 302
        assert response["Location"] == "/"


class TestSignUp:
    def test_sign_up_asks_a_display_name_and_returns_to_the_article(self, client):
        """
        The confirmation link in the e-mail leads back to the article, and
        the reader's comments there show their display name.
        """
        post = make_post(title="Harbour reopens")
        path = post.get_absolute_url()
        form = client.get("/accounts/signup/", {"next": path}).content.decode()
        assert 'name="display_name"' in form
        response = client.post("/accounts/signup/", sign_up_data(next=path))
        assert response.status_code == 302
        sent = client.get(response["Location"]).content.decode()
        assert "Check your inbox" in sent
        assert path in links(sent)  # read on while the mail arrives
        link = link_in(last_mail_to("asha@example.com"), "/accounts/signup/confirm/")
        assert "next=" + quote(path, safe="") in link
        reader = Client()
        page = reader.get(link).content.decode()
        assert '<input type="hidden" name="next" value="%s">' % path in page
        confirmed = reader.post(link)
        assert confirmed.status_code == 302
        assert confirmed["Location"] == path
        assert signed_in(reader)
        user = get_user_model().objects.get(username="asha")
        assert (user.first_name, user.last_name) == ("Asha Menon", "")
        # Back on the article, the form names them; their comment shows it.
        assert "Commenting as <strong>Asha Menon</strong>" in section(reader.get(path))
        send(reader, post, text="Glad to be here.")
        assert Comment.objects.get(text="Glad to be here.").name == "Asha Menon"
        header = reader.get(path).content.decode()
        assert '<span class="account-name">Asha Menon</span>' in header

    def test_a_display_name_is_required_and_the_form_keeps_the_rest(self, client):
        response = client.post(
            "/accounts/signup/?next=/2025/03/story.html",
            sign_up_data(display_name="   ", next="/2025/03/story.html"),
        )
        html = response.content.decode()
        assert response.status_code == 200
        error = re.search(
            r'<label for="id_display_name">Display name</label>.*?'
            r'<span class="field-error">([^<]+)</span>',
            html,
            re.S,
        )
        assert error and error[1] == "This field is required."
        assert 'value="asha@example.com"' in html and 'value="asha"' in html
        assert '<input type="hidden" name="next" value="/2025/03/story.html">' in html
        assert not get_user_model().objects.exists()

    def test_a_display_name_longer_than_comments_show_is_refused(self, client):
        response = client.post(
            "/accounts/signup/", sign_up_data(display_name="A" * 101)
        )
        assert "at most 100 characters" in response.content.decode()
        assert not get_user_model().objects.exists()

    @pytest.mark.parametrize("target", NOT_BACK)
    def test_the_confirmation_link_never_leads_off_the_site(self, target):
        client = Client()
        client.post("/accounts/signup/", sign_up_data(next=target))
        assert client.get("/accounts/signup/sent/", {"next": target}).status_code == 200
        link = link_in(last_mail_to("asha@example.com"), "/accounts/signup/confirm/")
        assert "next=" not in link
        # Even with `next` added to the link by hand, the answer goes home.
        forged = "%s?next=%s" % (link, quote(target, safe=""))
        page = client.get(forged).content.decode()
        assert '<input type="hidden" name="next" value="">' in page
        response = client.post(forged, {"next": target})
        assert response["Location"] == "/"
