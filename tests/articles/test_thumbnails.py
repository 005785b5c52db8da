import io
import threading
import time

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from PIL import Image as PILImage
from PIL import JpegImagePlugin

from articles import thumbnails
from articles.thumbnails import output_size, parse_size, render
from tests.factories import jpeg_bytes, make_image

GPS_IFD = 0x8825


def picture_bytes(size, fmt="JPEG", mode="RGB", colour=(200, 30, 30), **options):
    buffer = io.BytesIO()
    PILImage.new(mode, size, colour).save(buffer, fmt, **options)
    return buffer.getvalue()


def open_output(data):
    picture = PILImage.open(io.BytesIO(data))
    picture.load()
    return picture


def made(data, name, fmt="jpg"):
    size = parse_size(name)
    return open_output(render(io.BytesIO(data), [size])[size.key][fmt])


# Every plain name renders exactly what it names, on landscape, portrait,
# square and tiny sources (what an address gets is in test_image_sizes.py).
DIMENSIONS = [
    # source, size, expected output
    ((800, 600), "s320", (320, 240)),
    ((600, 800), "s320", (240, 320)),
    ((500, 500), "s320", (320, 320)),
    ((40, 30), "s320", (40, 30)),  # never upscaled
    ((1200, 675), "s320", (320, 180)),
    ((800, 600), "s72-c", (72, 72)),
    ((600, 800), "s72-c", (72, 72)),
    ((500, 500), "s72-c", (72, 72)),
    ((40, 30), "s72-c", (72, 72)),  # a crop is always the size asked for
    ((800, 600), "w400-h100", (133, 100)),
    ((600, 800), "w400-h100", (75, 100)),
    ((500, 500), "w400-h100", (100, 100)),
    ((40, 30), "w400-h100", (40, 30)),  # never upscaled
    ((800, 600), "w300-h200-c", (300, 200)),
    ((600, 800), "w300-h200-c", (300, 200)),
    ((500, 500), "w300-h200-c", (300, 200)),
    ((40, 30), "w300-h200-c", (300, 200)),
    ((2000, 1500), "s0", (1600, 1200)),  # the original, bounded
    ((800, 600), "s0", (800, 600)),
    ((600, 800), "s1600", (600, 800)),
    ((40, 30), "s0", (40, 30)),
]


@pytest.mark.parametrize(("source", "name", "expected"), DIMENSIONS)
def test_output_dimensions(source, name, expected):
    """Each size gives exactly the dimensions the grammar promises."""
    assert output_size(parse_size(name), *source) == expected
    assert made(picture_bytes(source), name).size == expected


@pytest.mark.parametrize(
    "text",
    ["s99999999", "s-1", "w0-h0-c", "w0-h10", "s", "s320-x", "s032", "s0-c",
     "S320", "w10", "h10-w10", " s320", "s320 ", "s72-c-c", "../s320", ""],
)  # fmt: skip
def test_malformed_size_names_do_not_parse(text):
    """`parse_size` reads the plain names of stored sizes only."""
    assert parse_size(text) is None


def test_s0_shares_the_file_of_its_bound():
    assert parse_size("s0").key == "s1600"
    with override_settings(NEWSROOM_IMAGE_MAX_SIDE=2048):
        assert parse_size("s0").key == "s2048"


@pytest.mark.django_db
def test_upload_sizes_come_from_the_setting():
    image = make_image(size=(1200, 900))
    assert set(thumbnails.upload_sizes_of(image)) == {
        "s72-c",
        "s320",
        "s640",
        "s1024",
        "s1600",
    }
    with override_settings(NEWSROOM_IMAGE_SIZES=["s150-c", "s400"]):
        # s400 is made as the rung it snaps to.
        assert set(thumbnails.upload_sizes_of(image)) == {"s150-c", "s640"}
        image = make_image(size=(1200, 900))
    for key in ("s150-c", "s640"):
        size = parse_size(key)
        assert default_storage.exists(thumbnails.derived_name(image, size, "primary"))
    assert not default_storage.exists(
        thumbnails.derived_name(image, parse_size("s320"), "primary")
    )


def test_a_misspelt_upload_size_is_reported_by_check():
    assert thumbnails.check_image_sizes() == []
    with override_settings(NEWSROOM_IMAGE_SIZES=["s320", "s72c"]):
        errors = thumbnails.check_image_sizes()
    assert [error.id for error in errors] == ["articles.E001"]
    assert "'s72c'" in errors[0].msg


def test_an_upload_size_off_the_ladder_is_a_warning():
    with override_settings(NEWSROOM_IMAGE_SIZES=["s320", "s400", "w200-h150-c"]):
        warnings = thumbnails.check_image_sizes()
    assert [warning.id for warning in warnings] == ["articles.W001"] * 2
    assert "'s400'" in warnings[0].msg and "s640" in warnings[0].msg
    assert "w320-h240-c" in warnings[1].msg


@pytest.mark.parametrize(
    ("overrides", "error_id"),
    [
        ({"NEWSROOM_IMAGE_LADDER": []}, "articles.E002"),
        ({"NEWSROOM_IMAGE_LADDER": [72, "320"]}, "articles.E002"),
        ({"NEWSROOM_IMAGE_LADDER": [72, 3200]}, "articles.E002"),
        ({"NEWSROOM_IMAGE_ASPECTS": [(16, 0)]}, "articles.E003"),
        ({"NEWSROOM_IMAGE_ASPECTS": ["16:9"]}, "articles.E003"),
        ({"NEWSROOM_IMAGE_MAX_VARIANTS": 121}, "articles.E004"),
        (
            {"NEWSROOM_IMAGE_LADDER": [72, 100, 150, 200, 320, 400, 640, 1024, 1600]},
            "articles.E004",
        ),
    ],
)
def test_size_settings_that_break_the_bound_are_errors(overrides, error_id):
    with override_settings(**overrides):
        errors = thumbnails.check_image_sizes()
    assert [error.id for error in errors] == [error_id]


def test_the_default_settings_bound_the_variants():
    """(6 rungs x 9 aspects + 6 rungs + the original) x 2 formats = 122 <= 128."""
    assert len(thumbnails.aspects()) == 9
    assert thumbnails.variant_bound() == 122
    assert thumbnails.variant_bound() <= thumbnails.max_variants() == 128
    with override_settings(NEWSROOM_IMAGE_MAX_VARIANTS=122):
        assert thumbnails.check_image_sizes() == []


def bands(size):
    """Red left third, green middle, blue right third (or top/middle/bottom)."""
    width, height = size
    picture = PILImage.new("RGB", size, (0, 200, 0))
    if width >= height:
        picture.paste((220, 0, 0), (0, 0, width // 3, height))
        picture.paste((0, 0, 220), (width - width // 3, 0, width, height))
    else:
        picture.paste((220, 0, 0), (0, 0, width, height // 3))
        picture.paste((0, 0, 220), (0, height - height // 3, width, height))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def is_green(pixel):
    red, green, blue = pixel[:3]
    return green > 150 and red < 60 and blue < 60


@pytest.mark.parametrize("source", [(900, 300), (300, 900)])
def test_crops_are_centred(source):
    """Cropping a 3:1 picture to a square keeps its middle third only."""
    output = made(bands(source), "s60-c", "png")
    assert output.size == (60, 60)
    for xy in [(1, 1), (58, 1), (1, 58), (58, 58), (30, 30)]:
        assert is_green(output.getpixel(xy)), xy


def upright_red_top_blue_bottom_stored_with_orientation_6():
    upright = PILImage.new("RGB", (100, 200), (0, 0, 220))
    upright.paste((220, 0, 0), (0, 0, 100, 100))
    # Orientation 6 means "turn 90 degrees clockwise to display".
    stored = upright.rotate(90, expand=True)
    exif = PILImage.Exif()
    exif[thumbnails.EXIF_ORIENTATION] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


def test_exif_rotated_photo_comes_out_upright():
    data = upright_red_top_blue_bottom_stored_with_orientation_6()
    assert PILImage.open(io.BytesIO(data)).size == (200, 100)
    output = made(data, "s100")
    assert output.size == (50, 100)
    red, _, blue = output.getpixel((25, 10))
    assert red > 150 and blue < 80
    red, _, blue = output.getpixel((25, 90))
    assert blue > 150 and red < 80
    assert thumbnails.describe(io.BytesIO(data)).width == 100


def gps_jpeg():
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (9.0, 58.0, 0.0)
    gps[3] = "E"
    gps[4] = (76.0, 16.0, 0.0)
    return jpeg_bytes((800, 600), exif=exif.tobytes(), comment=b"secret note")


def test_derived_files_carry_no_exif_or_gps():
    data = gps_jpeg()
    assert PILImage.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    size = parse_size("s320")
    files = render(io.BytesIO(data), [size])[size.key]
    for fmt, output in files.items():
        picture = open_output(output)
        assert not picture.getexif(), fmt
        assert "exif" not in picture.info, fmt
        assert b"Exif" not in output and b"PhoneMaker" not in output, fmt
        assert b"secret note" not in output, fmt


def test_cmyk_jpeg_becomes_rgb():
    output = made(
        picture_bytes((400, 300), mode="CMYK", colour=(0, 255, 255, 0)), "s100"
    )
    assert output.mode == "RGB"
    red, green, blue = output.getpixel((50, 30))
    assert red > 180 and green < 80 and blue < 80


def test_png_with_alpha_stays_png_with_alpha():
    data = picture_bytes((300, 200), "PNG", mode="RGBA", colour=(0, 0, 255, 0))
    output = made(data, "s100", "png")
    assert output.format == "PNG"
    assert output.mode == "RGBA"
    assert output.getpixel((10, 10))[3] == 0


def test_palette_png_without_transparency_gives_rgb():
    picture = PILImage.new("RGB", (300, 200), (10, 120, 200)).convert("P")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    output = made(buffer.getvalue(), "s100", "png")
    assert output.mode == "RGB"
    assert output.getpixel((5, 5)) == pytest.approx((10, 120, 200), abs=6)


def test_animated_gif_gives_its_first_frame():
    frames = [
        PILImage.new("RGB", (120, 80), colour) for colour in [(250, 0, 0), (0, 0, 250)]
    ]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    output = made(buffer.getvalue(), "s60", "png")
    assert output.size == (60, 40)
    assert getattr(output, "n_frames", 1) == 1
    red, _, blue = output.getpixel((30, 20))[:3]
    assert red > 200 and blue < 50


def test_jpeg_output_is_progressive_and_webp_variant_matches():
    size = parse_size("s320")
    files = render(io.BytesIO(jpeg_bytes((800, 600))), [size])[size.key]
    jpeg, webp = open_output(files["jpg"]), open_output(files["webp"])
    assert jpeg.format == "JPEG" and jpeg.info.get("progressive")
    assert webp.format == "WEBP" and webp.size == jpeg.size == (320, 240)


def test_jpeg_is_decoded_in_draft_mode(monkeypatch):
    """A 12-megapixel photo is decoded at 1/8 scale for s320 and s72-c."""
    requests = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original(self, mode, size)
        requests.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    data = jpeg_bytes((4000, 3000))
    results = render(io.BytesIO(data), [parse_size("s320"), parse_size("s72-c")])
    assert requests == [(500, 375)]
    assert open_output(results["s320"]["jpg"]).size == (320, 240)


@pytest.mark.django_db
def test_standard_sizes_are_stored_at_upload():
    image = make_image(size=(1200, 675))
    for name in thumbnails.STANDARD_SIZES:
        size = parse_size(name)
        for variant in ("primary", thumbnails.WEBP):
            assert default_storage.exists(thumbnails.derived_name(image, size, variant))


@pytest.mark.django_db(transaction=True)
def test_racing_requests_make_a_size_once(monkeypatch):
    """Two requests for the same new size: one renders, the other waits for it."""
    image = make_image(size=(600, 400))
    size = parse_size("w200-h100-c")
    calls = []
    real_render = thumbnails.render

    def slow_render(*args, **kwargs):
        calls.append(1)
        time.sleep(0.3)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(thumbnails, "render", slow_render)
    names, barrier = [], threading.Barrier(2)

    def request():
        barrier.wait()
        names.append(thumbnails.ensure_size(image, size, "primary"))

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert names == [thumbnails.derived_name(image, size, "primary")] * 2
    with default_storage.open(names[0]) as handle:
        assert open_output(handle.read()).size == (200, 100)


@pytest.mark.django_db
def test_a_broken_original_logs_and_gives_no_file(caplog):
    image = make_image(size=(300, 200))
    default_storage.delete(image.file.name)
    default_storage.save(image.file.name, io.BytesIO(b"not a picture"))
    name = thumbnails.ensure_size(image, parse_size("w50-h50"), "primary")
    assert name is None
    assert "Cannot make sizes" in caplog.text
