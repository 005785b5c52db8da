import io
import re
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image as PILImage

from articles import thumbnails
from articles.forms import DEFAULT_MAX_BYTES
from articles.models import Image
from tests.factories import jpeg_bytes, make_image, make_page, make_post

pytestmark = pytest.mark.django_db

WEBP_ACCEPT = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"


def stored_files(folder=""):
    """Every file name in the default storage, through the storage API."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return set()
    names = {"%s/%s" % (folder, name) if folder else name for name in files}
    for sub in folders:
        names |= stored_files("%s/%s" % (folder, sub) if folder else sub)
    return names


def body(response):
    return b"".join(response.streaming_content)


# Serving


def test_size_is_served_with_long_cache_and_etag(client):
    image = make_image(size=(1200, 675))
    response = client.get(image.url("s320"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Accept" in response["Vary"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    picture = PILImage.open(io.BytesIO(body(response)))
    assert (picture.format, picture.size) == ("JPEG", (320, 180))


def test_browsers_that_take_webp_get_webp(client):
    image = make_image(size=(800, 600))
    response = client.get(image.url("s72-c"), HTTP_ACCEPT=WEBP_ACCEPT)
    assert response["Content-Type"] == "image/webp"
    picture = PILImage.open(io.BytesIO(body(response)))
    assert (picture.format, picture.size) == ("WEBP", (72, 72))
    jpeg = client.get(image.url("s72-c"), HTTP_ACCEPT="image/*,*/*;q=0.8")
    assert jpeg["Content-Type"] == "image/jpeg"
    refused = client.get(image.url("s72-c"), HTTP_ACCEPT="image/webp;q=0, */*")
    assert refused["Content-Type"] == "image/jpeg"
    assert response["ETag"] != jpeg["ETag"]


@pytest.mark.parametrize("accept", ["", WEBP_ACCEPT])
def test_etag_round_trip_gives_304(client, accept):
    image = make_image()
    first = client.get(image.url("s320"), HTTP_ACCEPT=accept)
    again = client.get(
        image.url("s320"), HTTP_ACCEPT=accept, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == first["Cache-Control"]
    assert again.content == b""
    other = client.get(image.url("s320"), HTTP_IF_NONE_MATCH='"stale"')
    assert other.status_code == 200


def test_png_source_is_served_as_png(client):
    buffer = io.BytesIO()
    PILImage.new("RGBA", (400, 200), (0, 0, 255, 0)).save(buffer, "PNG")
    image = Image(filename="logo.png", alt_text="Logo")
    image.file.save("logo.png", io.BytesIO(buffer.getvalue()), save=False)
    image.save()
    response = client.get(image.url("s320"))
    assert response["Content-Type"] == "image/png"
    picture = PILImage.open(io.BytesIO(body(response)))
    assert picture.size == (320, 160) and picture.mode == "RGBA"


@pytest.mark.parametrize(
    "size",
    ["s-1", "w0-h0-c", "s032", "S320", "s320-c-c", "s320-x", "s320-", "c", "s0-c"],
)
def test_unknown_or_malformed_size_is_404(client, size):
    image = make_image()
    response = client.get("/img/%s/%s/%s" % (image.key, size, image.filename))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/img/nosuchkey/s320/picture.jpg",
        "/img/{key}/s320/other-name.jpg",
        "/img/{key}/s320/../{name}",
        "/img/{key}/s320/..%2F..%2Fsettings.py",
        "/img/{key}/s320/%2E%2E%2F{name}",
        "/img/{key}/s320/..",
        "/img/{key}/../s320/{name}",
        "/img/{key}/s320/",
    ],
)
def test_unknown_key_or_file_name_is_404(client, path):
    image = make_image()
    response = client.get(path.format(key=image.key, name=image.filename))
    assert response.status_code == 404


def test_posting_to_an_image_is_refused(client):
    image = make_image()
    assert client.post(image.url("s320")).status_code == 405


@override_settings(NEWSROOM_IMAGE_SIZES=["s320"])
def test_a_size_not_made_at_upload_is_made_once_on_first_request(client, monkeypatch):
    image = make_image(size=(800, 600))
    size = thumbnails.parse_size("w320-h160-c")
    assert not default_storage.exists(thumbnails.derived_name(image, size, "primary"))
    renders = []
    real = thumbnails.render
    monkeypatch.setattr(
        thumbnails, "render", lambda *a, **k: renders.append(1) or real(*a, **k)
    )
    # Three addresses of one snapped size (2:1, longest side 320).
    for asked in ("w200-h100-c", "c-h100-w200", "w300-h150-c-no"):
        response = client.get(image.url(asked))
        assert PILImage.open(io.BytesIO(body(response))).size == (320, 160)
    assert renders == [1]
    assert default_storage.exists(thumbnails.derived_name(image, size, "primary"))
    assert default_storage.exists(thumbnails.derived_name(image, size, "webp"))
    # Not made at upload, and answered all the same.
    assert client.get(image.url("s640")).status_code == 200
    assert renders == [1, 1]


def test_s0_is_the_bounded_original(client):
    image = make_image(size=(2000, 1000))
    response = client.get(image.url("s0"))
    assert PILImage.open(io.BytesIO(body(response))).size == (1600, 800)


# Upload facts and standard sizes


def test_saving_reads_facts_from_the_file_and_makes_standard_sizes():
    before = stored_files()
    image = Image(alt_text="Harbour")
    image.file.save("Harbour View.JPEG", io.BytesIO(jpeg_bytes((900, 500))), save=False)
    image.save()
    image.refresh_from_db()
    assert (image.width, image.height, image.format) == (900, 500, "JPEG")
    assert image.filesize == len(jpeg_bytes((900, 500)))
    assert image.filename == "harbour_view.jpg"
    made = stored_files() - before
    assert image.file.name in made
    # Snapped to the picture: s1024 of a 900 px picture is its original (s1600).
    sizes = {
        thumbnails.served_size(name, 900, 500).key for name in thumbnails.DEFAULT_SIZES
    }
    assert sizes == {"s72-c", "s320", "s640", "s1600"}
    for key in sizes:
        size = thumbnails.parse_size(key)
        assert thumbnails.derived_name(image, size, "primary") in made
        assert thumbnails.derived_name(image, size, "webp") in made
    assert len([name for name in made if "/sizes/" in name]) == 8


def test_dimensions_match_the_served_files(client):
    image = make_image(size=(1000, 1500))
    for name in ("s72-c", "s320", "s640", "s1024", "s1600", "s0"):
        served = PILImage.open(io.BytesIO(body(client.get(image.url(name)))))
        assert served.size == image.dimensions(name), name


# Admin uploads


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def admin_add(staff_client, file, alt_text="A harbour at dawn"):
    return staff_client.post(
        reverse("admin:articles_image_add"),
        {"file": file, "alt_text": alt_text, "caption": "Kept caption"},
    )


def test_admin_upload_stores_image_and_sizes(staff_client):
    response = admin_add(staff_client, upload("dawn.jpg", jpeg_bytes((1600, 900))))
    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height, image.format) == (1600, 900, "JPEG")
    assert image.uploaded_by == staff_client.user
    # No size is made by the upload: the first request for one makes it.
    size = thumbnails.parse_size("s320")
    assert not default_storage.exists(thumbnails.derived_name(image, size, "primary"))
    assert staff_client.get(image.url("s320")).status_code == 200
    assert default_storage.exists(thumbnails.derived_name(image, size, "primary"))
    listing = staff_client.get(reverse("admin:articles_image_changelist"))
    assert image.url("s72-c") in listing.content.decode()
    change = staff_client.get(reverse("admin:articles_image_change", args=[image.pk]))
    html = change.content.decode()
    assert image.url("s320") in html
    assert 'name="file"' not in html  # fixed once uploaded


def test_admin_upload_needs_alt_text(staff_client):
    before = stored_files()
    response = admin_add(staff_client, upload("dawn.jpg", jpeg_bytes()), alt_text="")
    assert response.status_code == 200
    assert "alt_text" in response.context["adminform"].form.errors
    assert stored_files() == before


def truncated_jpeg():
    data = jpeg_bytes((1200, 900), quality=95)
    return data[: len(data) // 2]


def svg_as_jpeg():
    return b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def html_as_png():
    return b"  <!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def bomb_png(width=30000, height=30000):
    """A tiny PNG whose header claims 900 megapixels."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def big_pixels_jpeg():
    return jpeg_bytes((1500, 1000))


def bmp_bytes():
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20)).save(buffer, "BMP")
    return buffer.getvalue()


BAD_UPLOADS = [
    ("notes.jpg", lambda: b"Meeting notes, not a picture at all.", "not a picture"),
    ("cut.jpg", truncated_jpeg, "truncated"),
    ("drawing.jpg", svg_as_jpeg, "SVG or HTML"),
    ("page.png", html_as_png, "SVG or HTML"),
    ("bomb.png", bomb_png, "too many pixels; the limit is 50 megapixels"),
    ("empty.jpg", lambda: b"", "The file is empty"),
    ("old.bmp", bmp_bytes, "BMP files are not accepted"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_UPLOADS)
def test_bad_upload_gets_its_form_error_and_writes_nothing(
    staff_client, name, make, message
):
    before = stored_files()
    response = admin_add(staff_client, upload(name, make()))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert any(message in error for error in errors), errors
    html = response.content.decode()
    assert 'value="A harbour at dawn"' in html  # the rest of the form is kept
    assert "Kept caption" in html
    assert not Image.objects.exists()
    assert stored_files() == before


@override_settings(NEWSROOM_IMAGE_MAX_PIXELS=1_000_000)
def test_upload_over_the_pixel_limit_is_refused(staff_client):
    before = stored_files()
    response = admin_add(staff_client, upload("wide.jpg", big_pixels_jpeg()))
    errors = response.context["adminform"].form.errors["file"]
    assert "1500×1000 pixels; the limit is 1 megapixels" in errors[0]
    assert stored_files() == before


@override_settings(NEWSROOM_IMAGE_MAX_BYTES=2000)
def test_upload_over_the_size_limit_is_refused(staff_client):
    before = stored_files()
    data = jpeg_bytes((400, 300), quality=95)
    assert len(data) > 2000
    response = admin_add(staff_client, upload("big.jpg", data))
    errors = response.context["adminform"].form.errors["file"]
    assert "the limit is 2.0\xa0KB" in errors[0]
    assert stored_files() == before


def test_default_size_limit_is_20_mb():
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024


def test_exif_rotated_upload_is_recorded_upright(staff_client):
    upright = PILImage.new("RGB", (300, 600), (10, 10, 10))
    exif = PILImage.Exif()
    exif[thumbnails.EXIF_ORIENTATION] = 6
    buffer = io.BytesIO()
    upright.rotate(90, expand=True).save(buffer, "JPEG", exif=exif.tobytes())
    admin_add(staff_client, upload("phone.jpg", buffer.getvalue()))
    image = Image.objects.get()
    assert (image.width, image.height) == (300, 600)
    assert image.dimensions("s320") == (160, 320)


# Pages


def test_cards_carry_srcset_and_real_dimensions(client):
    image = make_image(size=(1200, 675))
    make_post(featured_image=image, title="Harbour news")
    html = client.get("/").content.decode()
    tag = re.search(r'<img src="%s"[^>]*>' % re.escape(image.url("s320")), html)
    assert tag, html
    tag = tag.group(0)
    assert 'width="320" height="180"' in tag
    assert "%s 320w" % image.url("s320") in tag
    assert "%s 640w" % image.url("s640") in tag
    assert "%s 1200w" % image.url("s1600") in tag
    assert 'sizes="' in tag


def test_post_detail_featured_image_has_srcset(client):
    image = make_image(size=(1000, 800))
    post = make_post(featured_image=image)
    html = client.get(post.get_absolute_url()).content.decode()
    tag = re.search(r'<img src="%s"[^>]*>' % re.escape(image.url("s1600")), html)
    assert tag
    assert 'width="1000" height="800"' in tag.group(0)
    # s1024 and s1600 of a 1000px picture are the same width: listed once.
    assert tag.group(0).count(" 1000w") == 1
    assert "%s 640w" % image.url("s640") in tag.group(0)
    assert 'alt="%s"' % image.alt_text in tag.group(0)


def test_body_images_get_srcset_and_lazy_loading_at_save():
    first, second = make_image(size=(1600, 900)), make_image(size=(600, 800))
    post = make_post(
        body=(
            '<p>Intro</p><img src="%s" alt="First">'
            '<p>More</p><img src="%s" alt="Second" width="9" height="9">'
            '<img src="https://example.com/elsewhere.jpg" alt="Elsewhere">'
        )
        % (first.url("s640"), second.url("s72-c"))
    )
    post.refresh_from_db()
    tags = re.findall(r"<img [^>]*>", post.body)
    assert len(tags) == 3
    # The in-article size is shown at the column's width: the full size.
    assert 'src="%s"' % first.url("s1600") in tags[0]
    assert 'width="1600" height="900"' in tags[0]
    assert "%s 1024w" % first.url("s1024") in tags[0]
    assert 'sizes="(max-width: 900px) 100vw, 760px"' in tags[0]
    assert "loading" not in tags[0]
    assert 'width="72" height="72"' in tags[1]
    assert 'loading="lazy"' in tags[1] and "srcset" not in tags[1]
    assert 'loading="lazy"' in tags[2] and "srcset" not in tags[2]
    # Saving again changes nothing: the attributes are derived data.
    body_before = post.body
    post.save()
    assert post.body == body_before


def figure_html(image, size="s1600", caption="Boats at dawn"):
    """A figure as the editor writes it."""
    return (
        '<figure class="figure"><img src="%s" alt="Boats"><figcaption>%s'
        "</figcaption></figure>" % (image.url(size), caption)
    )


def test_a_body_figure_is_column_sized_like_the_featured_image(client):
    """Same srcset, sizes and figure/figcaption markup as the featured image."""
    featured, inline = make_image(size=(2000, 1500)), make_image(size=(2000, 1500))
    post = make_post(
        featured_image=featured,
        body="<p>Intro</p>" + figure_html(inline),
    )
    html = client.get(post.get_absolute_url()).content.decode()
    body_html = html[html.index('class="post-body"') :]
    figure = re.search(r"<figure[^>]*>.*?</figure>", body_html, re.DOTALL).group(0)
    tag = re.search(r"<img [^>]*>", figure).group(0)
    assert 'src="%s"' % inline.url("s1600") in tag
    assert 'width="1600" height="1200"' in tag
    assert 'sizes="(max-width: 900px) 100vw, 760px"' in tag
    for width, size in ((320, "s320"), (640, "s640"), (1024, "s1024")):
        assert "%s %dw" % (inline.url(size), width) in tag
    assert "<figcaption>Boats at dawn</figcaption>" in figure
    featured_tag = re.search(
        r'<img src="%s"[^>]*>' % re.escape(featured.url("s1600")), html
    ).group(0)
    # The featured image's srcset names the same sizes and the same `sizes`.
    assert featured_tag.count("w,") == tag.count("w,")
    assert 'sizes="(max-width: 900px) 100vw, 760px"' in featured_tag


def test_a_body_stored_before_the_column_rule_is_shown_column_sized(client):
    """Old bodies (s640, no srcset) are brought up to date when shown, not rewritten."""
    image = make_image(size=(1200, 800))
    post = make_post(body="<p>Text</p>")
    old_body = (
        '<figure class="figure"><img src="%s" alt="Old" width="640" height="427"></figure>'
        % (image.url("s640"))
    )
    type(post).objects.filter(pk=post.pk).update(body=old_body)
    html = client.get(post.get_absolute_url()).content.decode()
    tag = re.search(r'<img src="%s"[^>]*>' % re.escape(image.url("s1600")), html)
    assert tag, html
    assert 'width="1200" height="800"' in tag.group(0)
    assert "srcset=" in tag.group(0) and 'alt="Old"' in tag.group(0)
    post.refresh_from_db()
    assert post.body == old_body


def test_small_body_images_keep_their_size():
    """A thumbnail the writer chose (s320, crops) is not blown up to the column."""
    image = make_image(size=(1200, 800))
    post = make_post(body='<img src="%s" alt="Small">' % image.url("s320"))
    tag = re.search(r"<img [^>]*>", post.body).group(0)
    assert 'src="%s"' % image.url("s320") in tag
    assert 'width="320" height="213"' in tag
    assert 'sizes="(max-width: 320px) 100vw, 320px"' in tag


def test_share_url_is_the_bounded_full_size():
    image = make_image(size=(2400, 1260))
    assert image.share_url == image.url("s1600")
    assert image.dimensions("s1600") == (1600, 840)


def test_deleting_an_image_deletes_its_files_after_commit(
    client, django_capture_on_commit_callbacks
):
    image = make_image(size=(1200, 800))
    assert client.get(image.url("s320")).status_code == 200
    folder = "images/%s" % image.key
    folders, files = default_storage.listdir(folder)
    assert files and "sizes" in folders  # the original and the sizes made of it
    kept = make_image()
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert not default_storage.exists(image.file.name)
    leftovers = []
    pending = [folder]
    while pending:
        current = pending.pop()
        if not default_storage.exists(current):
            continue
        folders, files = default_storage.listdir(current)
        leftovers += files
        pending += ["%s/%s" % (current, name) for name in folders]
    assert leftovers == []
    assert default_storage.exists(kept.file.name)


def test_replacing_an_original_deletes_it_and_its_sizes_after_commit(
    client, django_capture_on_commit_callbacks
):
    image = make_image(size=(1200, 800))
    assert client.get(image.url("s320")).status_code == 200
    old_files = stored_files("images/%s" % image.key)
    assert image.file.name in old_files and len(old_files) > 1
    with django_capture_on_commit_callbacks(execute=True):
        image.file.save("new.jpg", ContentFile(jpeg_bytes((600, 600))), save=True)
    assert client.get(image.url("s320")).status_code == 200
    now = stored_files("images/%s" % image.key)
    assert not old_files & now  # nothing of the old original is left
    assert image.file.name in now and len(now) > 1  # the new one and its sizes


def test_a_rolled_back_replacement_keeps_the_old_files(
    django_capture_on_commit_callbacks,
):
    image = make_image(size=(1200, 800))
    old_name = image.file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        image.file.save("new.jpg", ContentFile(jpeg_bytes((600, 600))), save=True)
    assert callbacks  # the deletion waits for the commit, which never comes
    assert default_storage.exists(old_name)


def test_image_answers_are_public_and_vary_only_on_accept(client, django_user_model):
    image = make_image()
    for signed_in in (False, True):
        if signed_in:
            client.force_login(django_user_model.objects.create_user("reader"))
        response = client.get(image.url("s320"), HTTP_ACCEPT_LANGUAGE="hi")
        assert response.status_code == 200
        assert response["Vary"] == "Accept"
        assert "private" not in response["Cache-Control"]
        assert "public" in response["Cache-Control"]


# Stored names: the server's, with the extension of the format found


def polyglot_png():
    """A real PNG that also carries an HTML page, past the first 2 kB the markup check reads."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("filler", "a" * 3000)
    info.add_text("page", "<html><body><script>alert(1)</script></body></html>")
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "red").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


STORED_NAME = r"images/%s/[0-9a-f]{32}\.%s"


@pytest.mark.parametrize(
    ("name", "data", "extension", "public"),
    [
        ("x.html", polyglot_png, "png", "x.png"),
        ("photo.jpg", polyglot_png, "png", "photo.png"),
        (
            "Dawn Harbour.JPEG",
            lambda: jpeg_bytes((300, 200)),
            "jpg",
            "dawn_harbour.jpg",
        ),
        ("no-extension", lambda: jpeg_bytes((300, 200)), "jpg", "no-extension.jpg"),
    ],
)
def test_originals_are_stored_under_a_name_the_server_chooses(
    staff_client, name, data, extension, public
):
    response = admin_add(staff_client, upload(name, data(), content_type="text/html"))
    assert response.status_code == 302
    image = Image.objects.get()
    assert re.fullmatch(STORED_NAME % (image.key, extension), image.file.name)
    assert image.filename == public
    stored = stored_files("images/%s" % image.key)
    assert not any(name.endswith((".html", ".JPEG")) for name in stored), stored
    assert staff_client.get(image.url("s320")).status_code == 200


def test_saved_files_get_the_format_extension_too():
    image = Image(alt_text="Harbour")
    image.file.save("page.html", io.BytesIO(polyglot_png()), save=False)
    image.save()
    assert re.fullmatch(STORED_NAME % (image.key, "png"), image.file.name)
    assert image.filename == "page.png"
    # Two uploads never share a name.
    other = Image(alt_text="Harbour again")
    other.file.save("page.html", io.BytesIO(polyglot_png()), save=False)
    assert other.file.name.rsplit("/", 1)[1] != image.file.name.rsplit("/", 1)[1]


def test_images_stored_under_their_uploaded_name_keep_working(client):
    """Originals saved before server-chosen names are read where they are."""
    key = "oldstyle0123456789ab"
    default_storage.save(
        "images/%s/harbour.jpg" % key, io.BytesIO(jpeg_bytes((640, 480)))
    )
    image = Image(key=key, alt_text="Harbour", file="images/%s/harbour.jpg" % key)
    image.save()
    image.refresh_from_db()
    assert image.file.name == "images/%s/harbour.jpg" % key
    assert (image.width, image.height, image.filename) == (640, 480, "harbour.jpg")
    response = client.get(image.url("s320"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_a_page_body_image_is_column_sized_when_shown(client):
    image = make_image(size=(1200, 800))
    page = make_page(body="<p>Text</p>")
    type(page).objects.filter(pk=page.pk).update(
        body='<figure class="figure"><img src="%s" alt="Old"></figure>'
        % image.url("s640")
    )
    html = client.get(page.get_absolute_url()).content.decode()
    tag = re.search(r'<img src="%s"[^>]*>' % re.escape(image.url("s1600")), html)
    assert tag and 'width="1200" height="800"' in tag.group(0)
