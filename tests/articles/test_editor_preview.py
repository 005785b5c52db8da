"""The post form's search and social preview shows what seo.py will put on the page."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Post, SiteSettings
from articles.text import word_count
from tests.articles.newsroom_admin import make_person
from tests.factories import make_image, make_post

pytestmark = pytest.mark.django_db

PREVIEW = "admin:articles_post_writing_preview"
LONG_BODY = "<p>%s</p>" % " ".join(["Harbour"] * 30 + ["boats went out again"] * 20)


def meta(html, key):
    found = re.search(r'<meta (?:property|name)="%s" content="([^"]*)"' % key, html)
    return unescape(found.group(1)) if found else None


def ask(client, **fields):
    return client.post(reverse(PREVIEW), fields)


@pytest.fixture
def writer_client(client):
    client.force_login(make_person("Writers", username="kavya"))
    return client


@pytest.mark.parametrize(
    ("excerpt", "seo_description"),
    [("", ""), ("The editor's own excerpt.", ""), ("Excerpt", "For search engines.")],
)
def test_the_preview_matches_the_published_page(
    client, writer_client, excerpt, seo_description
):
    """Same title, description, address and share image as the live page's tags."""
    image = make_image(size=(2400, 1260), alt_text="Boats at dawn")
    post = make_post(
        title="Harbour reopens after storm",
        body=LONG_BODY,
        excerpt=excerpt,
        seo_description=seo_description,
        featured_image=image,
    )
    page = client.get(post.get_absolute_url()).content.decode()
    answer = ask(
        writer_client,
        title=post.title,
        body=post.body,
        excerpt=excerpt,
        seo_description=seo_description,
        featured_image=str(image.pk),
        slug=post.slug,
    ).json()
    assert answer["social"]["title"] == meta(page, "og:title")
    assert answer["social"]["description"] == meta(page, "og:description")
    assert answer["search"]["description"] == meta(page, "description")
    assert answer["social"]["image"] == meta(page, "og:image")
    assert answer["social"]["image_width"] == int(meta(page, "og:image:width"))
    assert answer["social"]["image_alt"] == "Boats at dawn"
    assert answer["social"]["site"] == meta(page, "og:site_name")
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)
    assert answer["search"]["title"] == unescape(title.strip())
    assert answer["search"]["url"] == meta(page, "og:url")


def test_an_unsaved_post_is_previewed_with_the_same_fallbacks(writer_client):
    answer = ask(writer_client, title="Harbour reopens", body=LONG_BODY).json()
    unsaved = Post(title="Harbour reopens", body=LONG_BODY)
    unsaved.set_derived_fields()
    assert answer["search"]["description"] == unsaved.summary
    assert answer["search"]["description"].endswith("...")
    assert answer["search"]["title"] == "%s: Harbour reopens" % SiteSettings.load().name
    assert re.fullmatch(
        r"http://testserver/\d{4}/\d{2}/harbour-reopens\.html", answer["search"]["url"]
    )
    assert answer["words"] == word_count(LONG_BODY) == 110
    assert answer["minutes"] == 1  # round(110 / 200) is 1... at least one
    assert answer["social"]["image"] == ""
    assert "No featured image" in " ".join(answer["warnings"])
    assert not Post.objects.exists()


def test_reading_time_rounds_as_the_model_does(writer_client):
    """500 words: 2.5 minutes, which Python's round() makes 2 (half to even)."""
    body = "<p>%s</p>" % " ".join(["word"] * 500)
    answer = ask(writer_client, title="Long read", body=body).json()
    assert answer["words"] == 500
    assert answer["minutes"] == make_post(body=body).reading_minutes == 2


def test_long_titles_and_descriptions_are_warned_about(writer_client):
    image = make_image()
    answer = ask(
        writer_client,
        title="A headline that goes on and on well past what a result shows",
        seo_description="x" * 161,
        featured_image=str(image.pk),
    ).json()
    warnings = " ".join(answer["warnings"])
    assert "only about 60 are shown" in warnings
    assert "only about 160 are shown" in warnings
    short = ask(
        writer_client, title="Short", seo_description="y" * 160, featured_image=image.pk
    ).json()
    assert short["warnings"] == []


def test_a_saved_post_keeps_its_permalink_in_the_preview(writer_client):
    post = make_post(title="First title", author=None)
    editor = make_person("Editors", username="asha")
    client = Client()
    client.force_login(editor)
    answer = ask(client, object_id=post.pk, title="A later, different title").json()
    assert answer["search"]["url"] == "http://testserver" + post.get_absolute_url()
    assert answer["social"]["title"] == "A later, different title"


def test_the_preview_needs_permission_post_and_an_existing_post(client, writer_client):
    assert writer_client.get(reverse(PREVIEW)).status_code == 405
    assert ask(writer_client, object_id="999999").status_code == 404
    assert ask(writer_client, object_id="nope").status_code == 404
    client.logout()
    client.force_login(make_person("Moderators", username="mod"))
    assert ask(client, title="x").status_code == 403
    others = make_post(title="Someone else's", author=make_person("Editors"))
    writer = Client()
    writer.force_login(make_person("Writers", username="ravi"))
    assert ask(writer, object_id=others.pk, title="x").status_code == 403


def test_the_preview_checks_csrf():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_person("Writers"))
    assert ask(client, title="x").status_code == 403


def test_the_form_carries_the_preview_the_state_and_the_editor_config(
    writer_client,
):
    html = writer_client.get(reverse("admin:articles_post_add")).content.decode()
    assert 'id="writing-preview"' in html
    assert 'data-url="%s"' % reverse(PREVIEW) in html
    assert "data-autosave-state" in html and 'aria-live="polite"' in html
    assert "js/admin_writing.js" in html
    assert "data-writing=" in html
    assert '"uploadUrl":"%s"' % reverse("admin:articles_image_upload") in unescape(html)
