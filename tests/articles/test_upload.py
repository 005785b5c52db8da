"""One-step image upload from the editor and the chooser (admin/articles/image/upload/)."""

import io

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image as PILImage

from articles import thumbnails
from articles.models import Image
from tests.articles.newsroom_admin import make_person
from tests.factories import jpeg_bytes

pytestmark = pytest.mark.django_db

UPLOAD = "admin:articles_image_upload"


def upload(name="harbour.jpg", data=None, content_type="image/jpeg"):
    data = jpeg_bytes((1600, 900)) if data is None else data
    return SimpleUploadedFile(name, data, content_type=content_type)


def send(client, file=None, alt_text="Boats in the harbour at dawn", **extra):
    fields = {"alt_text": alt_text, "caption": "The harbour, Monday", **extra}
    if file is not False:
        fields["file"] = file or upload()
    return client.post(reverse(UPLOAD), fields)


def derived_files(image):
    """Every size file made of `image` (under images/KEY/sizes/)."""
    folder = "images/%s/sizes" % image.key
    names, pending = [], [folder]
    while pending:
        current = pending.pop()
        if not default_storage.exists(current):
            continue
        folders, files = default_storage.listdir(current)
        names += files
        pending += ["%s/%s" % (current, name) for name in folders]
    return names


def test_a_writer_uploads_an_image_with_its_alt_text(client):
    writer = make_person("Writers", username="kavya")
    client.force_login(writer)
    response = send(client)
    assert response.status_code == 201
    image = Image.objects.get()
    assert (image.alt_text, image.caption) == (
        "Boats in the harbour at dawn",
        "The harbour, Monday",
    )
    assert image.uploaded_by == writer
    assert (image.width, image.height, image.format) == (1600, 900, "JPEG")
    data = response.json()
    assert data["id"] == image.pk
    assert data["url"] == image.url("s1600")
    assert (data["width"], data["height"]) == (1600, 900)
    assert data["alt"] == "Boats in the harbour at dawn"
    # In the desk's history like any other addition.
    assert LogEntry.objects.filter(object_id=str(image.pk), action_flag=ADDITION)


def test_the_upload_makes_no_size_and_the_first_request_makes_it(client):
    client.force_login(make_person("Writers"))
    assert send(client, upload(data=jpeg_bytes((4000, 3000)))).status_code == 201
    image = Image.objects.get()
    assert default_storage.exists(image.file.name)
    assert derived_files(image) == []
    client.logout()
    response = client.get(image.url("s320"))
    assert response.status_code == 200
    served = PILImage.open(io.BytesIO(b"".join(response.streaming_content)))
    assert served.size == (320, 240)
    size = thumbnails.parse_size("s320")
    assert default_storage.exists(thumbnails.derived_name(image, size, "primary"))


def test_alt_text_is_required_and_nothing_is_stored(client):
    client.force_login(make_person("Writers"))
    response = send(client, alt_text="  ")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["alt_text"]
    assert "alt text" in errors["alt_text"][0]["message"]
    assert errors["alt_text"][0]["code"] == "required"
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    ("file", "code"),
    [
        (lambda: upload("notes.jpg", b"just some text, not a picture"), "not_image"),
        (
            lambda: upload("x.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
            "markup",
        ),
        (lambda: upload("cut.jpg", jpeg_bytes((900, 600))[:2000]), "truncated"),
        (lambda: upload("empty.jpg", b""), "empty"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_field(client, file, code):
    client.force_login(make_person("Writers"))
    response = send(client, file())
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["file"]
    assert errors["file"][0]["code"] == code
    assert errors["file"][0]["message"]
    assert not Image.objects.exists()


def test_a_missing_file_names_the_file_field(client):
    client.force_login(make_person("Writers"))
    response = send(client, file=False)
    assert response.status_code == 400
    assert response.json()["errors"]["file"][0]["code"] == "required"


@override_settings(NEWSROOM_IMAGE_MAX_BYTES=10_000)
def test_a_file_over_the_size_limit_is_refused(client):
    client.force_login(make_person("Writers"))
    response = send(client, upload(data=jpeg_bytes((1200, 900), quality=95)))
    assert response.status_code == 400
    error = response.json()["errors"]["file"][0]
    assert error["code"] == "too_big"
    assert "limit" in error["message"]


@override_settings(NEWSROOM_IMAGE_MAX_PIXELS=1_000_000)
def test_a_picture_over_the_pixel_limit_is_refused(client):
    client.force_login(make_person("Writers"))
    response = send(client, upload(data=jpeg_bytes((1600, 900))))
    assert response.status_code == 400
    assert response.json()["errors"]["file"][0]["code"] == "too_many_pixels"


def test_a_moderator_without_add_image_gets_403(client):
    client.force_login(make_person("Moderators"))
    response = send(client)
    assert response.status_code == 403
    assert response.json()["errors"]["__all__"][0]["code"] == "permission"
    assert not Image.objects.exists()


def test_a_reader_is_sent_to_sign_in(client):
    client.force_login(make_person("Members"))
    response = send(client)
    assert response.status_code == 302
    assert not Image.objects.exists()


def test_csrf_is_checked(django_user_model):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_person("Writers"))
    response = send(client)
    assert response.status_code == 403
    assert not Image.objects.exists()


def test_get_is_not_an_upload(client):
    client.force_login(make_person("Writers"))
    response = client.get(reverse(UPLOAD))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_image_admin_add_form_makes_no_size_either(staff_client):
    response = staff_client.post(
        reverse("admin:articles_image_add"),
        {"file": upload(), "alt_text": "A harbour at dawn", "caption": ""},
    )
    assert response.status_code == 302
    assert derived_files(Image.objects.get()) == []


def test_the_chooser_offers_the_upload_to_those_who_may_upload(client):
    client.force_login(make_person("Writers"))
    html = client.get(reverse("admin:articles_post_image_picker")).content.decode()
    assert 'action="%s"' % reverse(UPLOAD) in html
    assert 'name="alt_text"' in html and "required" in html
    client.force_login(make_person("Moderators", username="mod"))
    response = client.get(reverse("admin:articles_post_image_picker"))
    assert response.status_code == 403
