"""Blogger-size thumbnails: the size grammar, the allow-list and Pillow processing.

Sizes, as in Blogger image addresses:

- ``sN``: longest side N, aspect kept, never upscaled;
- ``sN-c``: an N x N centre crop;
- ``wW-hH``: fit inside W x H, aspect kept, never upscaled;
- ``wW-hH-c``: a W x H centre crop;
- ``s0``: the original size, bounded by ``NEWSROOM_IMAGE_MAX_SIDE`` (so with the
  default bound it is the same file as ``s1600``).

Crops always come out at exactly the size asked for (a tiny source is scaled
up to fill it), so ``width``/``height`` attributes of a crop are always right.
Only sizes in ``NEWSROOM_IMAGE_SIZES`` are ever made.
"""

import hashlib
import io
import logging
import math
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import get_valid_filename
from PIL import Image as PILImage
from PIL import ImageCms

logger = logging.getLogger(__name__)

THUMBNAIL = "s72-c"  # widgets, feeds, admin lists
CARD = "s320"  # cards
CARD_2X = "s640"  # cards on wide or dense screens, images in post bodies
LARGE = "s1024"
FULL = "s1600"  # the featured image at full width, and the share image
ORIGINAL = "s0"
# Made at upload, so pages never wait for them.
STANDARD_SIZES = (THUMBNAIL, CARD, CARD_2X, LARGE, FULL)
DEFAULT_SIZES = (*STANDARD_SIZES, ORIGINAL)
DEFAULT_MAX_SIDE = 1600
MAX_REQUESTED_SIDE = 9999

# Part of every derived file's name and ETag: raise it when the output changes.
PIPELINE = "v1"
JPEG_QUALITY = 82
WEBP_QUALITY = 80
LOCK_SECONDS = 30
# JPEG draft decodes at 1/2, 1/4 or 1/8 scale while keeping this margin over
# the largest output, so the final Lanczos step still has detail to work with.
DRAFT_MARGIN = 1.25

SIZE_PATTERN = re.compile(
    r"s(?P<side>0|[1-9][0-9]{0,3})(?P<scrop>-c)?"
    r"|w(?P<width>[1-9][0-9]{0,3})-h(?P<height>[1-9][0-9]{0,3})(?P<wcrop>-c)?"
)
FORMAT_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
WEBP = "webp"
# EXIF orientation -> the transpose that makes the picture upright.
ORIENTATION_FIXES = {
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}
EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Size:
    """A parsed size: a W x H box, cropped to fill it or fitted inside it."""

    name: str
    width: int
    height: int
    crop: bool

    @property
    def key(self):
        """The name of what is made: `s0` shares the file of its bound."""
        if self.name == ORIGINAL:
            return "s%d" % self.width
        return self.name

    @property
    def responsive(self):
        """A longest-side size, usable as a width candidate in `srcset`."""
        return self.name.startswith("s") and not self.crop


def max_side():
    return getattr(settings, "NEWSROOM_IMAGE_MAX_SIDE", DEFAULT_MAX_SIDE)


def parse_size(text):
    """The Size written as `text` (`s320`, `s72-c`, `w640-h360-c`), or None."""
    match = SIZE_PATTERN.fullmatch(text or "")
    if match is None:
        return None
    if match["side"] is not None:
        side = int(match["side"])
        if side == 0:
            if match["scrop"]:
                return None
            side = max_side()
        return Size(text, side, side, bool(match["scrop"]))
    return Size(text, int(match["width"]), int(match["height"]), bool(match["wcrop"]))


def allowed_sizes():
    return tuple(getattr(settings, "NEWSROOM_IMAGE_SIZES", DEFAULT_SIZES))


def allowed_size(text):
    """The Size for `text` when the allow-list has it; None for anything else."""
    if text not in allowed_sizes():
        return None
    return parse_size(text)


@checks.register(checks.Tags.compatibility)
def check_allowed_sizes(app_configs=None, **kwargs):
    """Every entry of NEWSROOM_IMAGE_SIZES must be a size the grammar knows."""
    return [
        checks.Error(
            "NEWSROOM_IMAGE_SIZES has %r, which is not a size such as s320, "
            "s72-c, w640-h360 or w640-h360-c." % name,
            id="articles.E001",
        )
        for name in allowed_sizes()
        if parse_size(name) is None
    ]


def responsive_sizes():
    """Allowed longest-side sizes, smallest first: the `srcset` candidates."""
    sizes = [parse_size(name) for name in allowed_sizes()]
    sizes = [size for size in sizes if size and size.responsive]
    unique = {size.key: size for size in sizes if size.name != ORIGINAL}
    return sorted(unique.values(), key=lambda size: size.width)


def output_size(size, width, height):
    """Width and height of `size` made from an upright `width` x `height` picture."""
    if size.crop:
        return size.width, size.height
    scale = min(size.width / width, size.height / height, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


def source_box(size, width, height):
    """The part of the picture a size shows: all of it, or the centred crop."""
    if not size.crop:
        return (0, 0, width, height)
    target = size.width / size.height
    if width / height > target:
        kept = height * target
        left = (width - kept) / 2
        return (left, 0, left + kept, height)
    kept = width / target
    top = (height - kept) / 2
    return (0, top, width, top + kept)


@dataclass(frozen=True)
class Facts:
    format: str
    width: int
    height: int


def upright_size(picture):
    width, height = picture.size
    if picture.getexif().get(EXIF_ORIENTATION) in (5, 6, 7, 8):
        return height, width
    return width, height


def describe(fileobj):
    """Format and upright dimensions, read from the file's header only."""
    with PILImage.open(fileobj) as picture:
        width, height = upright_size(picture)
        return Facts(picture.format, width, height)


def detect_format(fileobj):
    """The format Pillow reads in a file's header ("JPEG", "PNG"...), or ""."""
    position = fileobj.tell()
    try:
        with PILImage.open(fileobj) as picture:
            return picture.format or ""
    except Exception:  # noqa: BLE001 - not a picture: no format
        return ""
    finally:
        fileobj.seek(position)


def primary_format(source_format):
    """JPEG stays JPEG; PNG, GIF and WebP may be transparent, so they give PNG."""
    return "JPEG" if source_format == "JPEG" else "PNG"


def _to_srgb(picture):
    """Colour-managed conversion to sRGB when the file carries a profile."""
    profile = picture.info.get("icc_profile")
    if profile and picture.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            return ImageCms.profileToProfile(
                picture, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            logger.warning("Ignoring an unreadable colour profile")
    return picture


def _normalised(picture, keep_alpha):
    """RGB (or RGBA when transparency is kept) in sRGB."""
    if picture.mode == "P":
        has_alpha = "transparency" in picture.info
        picture = picture.convert("RGBA" if has_alpha else "RGB")
    elif picture.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        picture = picture.convert("I").point(lambda value: value / 256).convert("L")
    elif picture.mode in ("RGB", "CMYK"):
        picture = _to_srgb(picture)
    has_alpha = picture.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        "transparency" in picture.info
    )
    if has_alpha and keep_alpha:
        return picture.convert("RGBA")
    if has_alpha:
        rgba = picture.convert("RGBA")
        flat = PILImage.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return picture.convert("RGB")


def _encode(picture, fmt):
    # Nothing from the source's info (EXIF, GPS, XMP, comments) reaches the file.
    picture.info = {}
    buffer = io.BytesIO()
    if fmt == "JPEG":
        picture.save(
            buffer, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True
        )
    elif fmt == "WEBP":
        picture.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        picture.save(buffer, "PNG", optimize=picture.width * picture.height < 500_000)
    return buffer.getvalue()


def render(fileobj, sizes, *, webp=True):
    """Make `sizes` from one decode of `fileobj`.

    Returns {size key: {"jpg" or "png": bytes, "webp": bytes}}.
    """
    results = {}
    with PILImage.open(fileobj) as picture:
        source_format = picture.format
        orientation = picture.getexif().get(EXIF_ORIENTATION, 1)
        width, height = upright_size(picture)
        plans = []
        needed_width = needed_height = 1
        for size in sizes:
            out_width, out_height = output_size(size, width, height)
            box = source_box(size, width, height)
            plans.append((size, (out_width, out_height), box))
            needed_width = max(needed_width, out_width * width / (box[2] - box[0]))
            needed_height = max(needed_height, out_height * height / (box[3] - box[1]))
        if source_format == "JPEG":
            request = (
                math.ceil(needed_width * DRAFT_MARGIN),
                math.ceil(needed_height * DRAFT_MARGIN),
            )
            if orientation in (5, 6, 7, 8):
                request = request[::-1]
            picture.draft(picture.mode, request)
        fmt = primary_format(source_format)
        upright = _normalised(picture, keep_alpha=fmt == "PNG")
        if orientation in ORIENTATION_FIXES:
            upright = upright.transpose(ORIENTATION_FIXES[orientation])
    scale_x, scale_y = upright.width / width, upright.height / height
    for size, dimensions, box in plans:
        scaled_box = (
            box[0] * scale_x,
            box[1] * scale_y,
            box[2] * scale_x,
            box[3] * scale_y,
        )
        made = upright.resize(
            dimensions, PILImage.Resampling.LANCZOS, box=scaled_box, reducing_gap=3.0
        )
        files = {FORMAT_EXTENSIONS[fmt]: _encode(made, fmt)}
        if webp:
            files[WEBP] = _encode(made, "WEBP")
        results[size.key] = files
    return results


# Storage: images/<key>/sizes/<pipeline>/<size>.<ext>, through the storage API.


def variant_extension(image, variant):
    if variant == WEBP:
        return WEBP
    return FORMAT_EXTENSIONS[primary_format(image.format)]


def derived_name(image, size, variant):
    return "images/%s/sizes/%s/%s.%s" % (
        image.key,
        PIPELINE,
        size.key,
        variant_extension(image, variant),
    )


def content_type(image, variant):
    return CONTENT_TYPES[variant_extension(image, variant)]


def etag(image, size, variant):
    """Changes with the original file, the size, the variant and the pipeline."""
    seed = "|".join(
        [
            PIPELINE,
            image.key,
            image.file.name,
            str(image.filesize),
            size.key,
            variant_extension(image, variant),
        ]
    )
    return '"%s"' % hashlib.sha256(seed.encode()).hexdigest()[:32]


class Busy(Exception):
    """Another request is still making this size."""


def _lock_key(image, size):
    return "newsroom:image-lock:%s:%s:%s" % (PIPELINE, image.key, size.key)


def _release(lock, token):
    if cache.get(lock) == token:
        cache.delete(lock)


def _store(name, data):
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:
        # Another server without a shared cache wrote the same file first.
        default_storage.delete(saved)


def _make(image, sizes):
    """Render and store `sizes`; False (and a warning) when the original is bad."""
    try:
        with image.file.storage.open(image.file.name, "rb") as original:
            results = render(original, sizes)
    except Exception:
        # Any decoder error: the page keeps working and the size answers 404.
        logger.warning("Cannot make sizes of image %s", image.key, exc_info=True)
        return False
    for size in sizes:
        for variant, data in results[size.key].items():
            _store(derived_name(image, size, variant), data)
    return True


def ensure_size(image, size, variant):
    """The storage name of `size` of `image`, made now if it is not there yet.

    A cache lock (``cache.add``) makes sure one request does the work while
    others wait for it; a reader also waits while the lock is held, so a file
    still being written is never served. Returns None when the original cannot
    be decoded; raises Busy when another request holds the lock too long.
    """
    name = derived_name(image, size, variant)
    lock = _lock_key(image, size)
    deadline = time.monotonic() + LOCK_SECONDS + 5
    while True:
        if cache.get(lock) is None and default_storage.exists(name):
            return name
        token = secrets.token_hex(8)
        if cache.add(lock, token, LOCK_SECONDS):
            try:
                if default_storage.exists(name) or _make(image, [size]):
                    return name
                return None
            finally:
                _release(lock, token)
        if time.monotonic() > deadline:
            raise Busy(name)
        time.sleep(0.05)


def make_standard_sizes(image):
    """Make the standard sizes of a new upload from a single decode."""
    sizes = {size.key: size for size in map(parse_size, STANDARD_SIZES)}
    locks = {}
    for key, size in sizes.items():
        token = secrets.token_hex(8)
        if cache.add(_lock_key(image, size), token, LOCK_SECONDS):
            locks[key] = token
    try:
        if locks:
            _make(image, [sizes[key] for key in locks])
    finally:
        for key, token in locks.items():
            _release(_lock_key(image, sizes[key]), token)


def public_filename(uploaded_name, source_format):
    """A safe name for the image's address, its extension matching the format."""
    stem = uploaded_name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "image"
    try:
        stem = get_valid_filename(stem.lower())
    except Exception:
        stem = "image"
    extension = FORMAT_EXTENSIONS.get(source_format, "img")
    return "%s.%s" % (stem[:100], extension)


def delete_image_files(key, storage=None):
    """Delete an image's original and every size made of it (`images/KEY/...`)."""
    storage = storage or default_storage
    pending = ["images/%s" % key]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            continue
        for name in files:
            storage.delete("%s/%s" % (folder, name))
        pending.extend("%s/%s" % (folder, name) for name in folders)


def image_deleted(sender, instance, **kwargs):
    # After the commit: a rolled-back delete keeps its files.
    key = instance.key
    transaction.on_commit(lambda: delete_image_files(key))
