"""Blogger-size thumbnails: the size grammar, the ladder and Pillow processing.

An address asks for a size in Google's image-size grammar: dash-separated
options in any order (``s400``, ``w200-h150-c``, ``c-h150-w200``, ``s400-rw-no``):

- ``sN``: longest side N; ``s0`` (or no size at all): the original;
- ``wN``, ``hN``, ``wN-hN``: fit inside that box (one side alone bounds only
  that side);
- ``c`` crop to fill the box (``sN-c`` is N x N), ``p`` "smart" crop (a centre
  crop here), ``k`` (no animation: outputs are still anyway), ``no`` and
  ``nu`` (accepted, no effect);
- ``rw``: WebP whatever the browser says; ``d``: a download (attachment).

Each option at most once (``s72-c-c`` and ``s100-s200`` are not sizes), lower
case, numbers without leading zeros; anything else is not a size (404).

What is made is bounded, whatever is asked (`canonical`): a requested side
snaps up to the next rung of ``NEWSROOM_IMAGE_LADDER`` (past the top rung: the
top rung for a crop, the original for a fit), a crop's aspect to the nearest
of ``NEWSROOM_IMAGE_ASPECTS`` (and their portrait forms), and nothing is made
larger than the original:

- a fit whose rung reaches the original's longest side is the original,
  bounded by ``NEWSROOM_IMAGE_MAX_SIDE`` (key ``s1600`` with the defaults);
- a crop is at most as large as the original's centre region of that aspect,
  but never smaller than the lowest rung (a 40 x 30 picture still has a
  72 x 72 thumbnail, as on Blogger).

So one image has at most (ladder x aspects + ladder + 1) sizes, each stored
as the primary format and WebP: `variant_bound`, checked against
``NEWSROOM_IMAGE_MAX_VARIANTS`` at start-up. Canonical sizes are named in the
grammar itself (``s320``, ``s72-c``, ``w320-h240-c``), so the standard sizes
keep their names, files and dimensions. ``NEWSROOM_IMAGE_SIZES`` lists the
sizes made at upload (so pages never wait for them) and the `srcset`
candidates.
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
from django.core.files.storage import FileSystemStorage, default_storage, storages
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
# The sides sizes snap up to, and the crop aspects (landscape; the portrait
# forms come with them). The site's own sizes are rungs, so they keep their
# exact dimensions.
DEFAULT_LADDER = (72, 150, 320, 640, 1024, 1600)
DEFAULT_ASPECTS = ((1, 1), (4, 3), (3, 2), (16, 9), (2, 1))
# At most this many files (sizes x formats) of one image, ever.
DEFAULT_MAX_VARIANTS = 128
# The primary format (JPEG or PNG) and WebP.
FORMATS_PER_SIZE = 2
# A longer path segment is not a size (Blogger's are under 30 characters).
MAX_SIZE_TEXT = 100

# Part of every derived file's name and ETag: raise it when the output changes.
PIPELINE = "v1"
JPEG_QUALITY = 82
WEBP_QUALITY = 80
LOCK_SECONDS = 30
# JPEG draft decodes at 1/2, 1/4 or 1/8 scale while keeping this margin over
# the largest output, so the final Lanczos step still has detail to work with.
DRAFT_MARGIN = 1.25

# The canonical names: what is made and stored.
SIZE_PATTERN = re.compile(
    r"s(?P<side>0|[1-9][0-9]{0,3})(?P<scrop>-c)?"
    r"|w(?P<width>[1-9][0-9]{0,3})-h(?P<height>[1-9][0-9]{0,3})(?P<wcrop>-c)?"
)
# One option of an address's size: a number option or a flag.
OPTION_PATTERN = re.compile(r"(?P<letter>[swh])(?P<number>0|[1-9][0-9]*)|[a-z]+")
FLAGS = {"c", "p", "k", "rw", "no", "nu", "d"}
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
    """A size that is made: a W x H box, cropped to fill it or fitted inside it."""

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


@dataclass(frozen=True)
class Request:
    """A size as an address asks for it (any of Google's options, any order).

    `side` 0 is the original; `width` or `height` None is unbounded.
    """

    side: int | None = None
    width: int | None = None
    height: int | None = None
    crop: bool = False
    webp: bool = False
    download: bool = False

    @property
    def original(self):
        return self.side == 0

    @property
    def name(self):
        """The size part in the usual order, without the output options."""
        if self.side is not None:
            return "s%d%s" % (self.side, "-c" if self.crop else "")
        parts = []
        if self.width:
            parts.append("w%d" % self.width)
        if self.height:
            parts.append("h%d" % self.height)
        if self.crop and self.width and self.height:
            parts.append("c")
        return "-".join(parts)


def max_side():
    return getattr(settings, "NEWSROOM_IMAGE_MAX_SIDE", DEFAULT_MAX_SIDE)


def parse_size(text):
    """The Size named `text` (`s320`, `s72-c`, `w640-h360-c`, `s0`), or None.

    Only the plain names, as stored; an address is read by `parse_request`.
    """
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


def parse_request(text):
    """The Request an address's size segment makes (`c-h150-w200`), or None."""
    if not text or len(text) > MAX_SIZE_TEXT:
        return None
    numbers, flags = {}, set()
    for option in text.split("-"):
        match = OPTION_PATTERN.fullmatch(option)
        if match is None:
            return None
        name = match["letter"] or option
        if name in numbers or name in flags:
            return None  # each option once
        if match["letter"]:
            numbers[name] = int(match["number"])
        elif option in FLAGS:
            flags.add(option)
        else:
            return None
    side, width, height = numbers.get("s"), numbers.get("w"), numbers.get("h")
    crop = bool(flags & {"c", "p"})
    if side is not None and (width is not None or height is not None):
        return None
    if width == 0 or height == 0:
        return None
    if side is None and width is None and height is None:
        if crop:
            return None  # a crop of what?
        side = 0
    if side == 0 and crop:
        return None
    # A crop needs a box: with one side only, the picture is fitted.
    crop = crop and (side is not None or (width is not None and height is not None))
    return Request(
        side=side,
        width=width,
        height=height,
        crop=crop,
        webp="rw" in flags,
        download="d" in flags,
    )


def ladder():
    """The rungs, smallest first."""
    return tuple(
        sorted(set(getattr(settings, "NEWSROOM_IMAGE_LADDER", DEFAULT_LADDER)))
    )


def aspects():
    """Crop aspects as (width, height), landscape and square then portrait."""
    landscape = [
        (max(pair), min(pair))
        for pair in getattr(settings, "NEWSROOM_IMAGE_ASPECTS", DEFAULT_ASPECTS)
    ]
    found = list(dict.fromkeys(landscape))
    return tuple(found + [(b, a) for a, b in found if a != b])


def max_variants():
    return getattr(settings, "NEWSROOM_IMAGE_MAX_VARIANTS", DEFAULT_MAX_VARIANTS)


def variant_bound():
    """The most files one image can ever have, whatever addresses are asked.

    Fits: a rung below the original's longest side, or the original. Crops:
    per aspect, a rung below the largest crop the original gives, or that
    largest crop. Each size in two formats.
    """
    rungs = len(ladder())
    return (rungs * len(aspects()) + rungs + 1) * FORMATS_PER_SIZE


def snap_up(length):
    """The lowest rung at or above `length`; the top rung past them all."""
    rungs = ladder()
    for rung in rungs:
        if rung >= length:
            return rung
    return rungs[-1]


def nearest_aspect(width, height):
    """The configured aspect nearest `width`:`height` (by ratio, on a log scale)."""
    wanted = math.log(width / height)
    return min(aspects(), key=lambda pair: abs(math.log(pair[0] / pair[1]) - wanted))


def original_size():
    """The original picture, bounded by NEWSROOM_IMAGE_MAX_SIDE."""
    side = max_side()
    return Size("s%d" % side, side, side, False)


def crop_size(aspect, side):
    """The crop of `aspect` whose longest side is `side`, named in the grammar."""
    across, down = aspect
    if across == down:
        return Size("s%d-c" % side, side, side, True)
    if across > down:
        width, height = side, max(1, round(side * down / across))
    else:
        width, height = max(1, round(side * across / down)), side
    return Size("w%d-h%d-c" % (width, height), width, height, True)


def canonical(request, width, height):
    """The Size made for `request` from an upright `width` x `height` original."""
    original = original_size()
    if request.original:
        return original
    if request.crop:
        box = (
            (request.side, request.side)
            if request.side
            else (
                request.width,
                request.height,
            )
        )
        aspect = nearest_aspect(*box)
        ratio = aspect[0] / aspect[1]
        # The original's centre region of that aspect: its longest side.
        if ratio >= 1:
            region = min(width, height * ratio)
        else:
            region = min(height, width / ratio)
        side = min(snap_up(max(box)), max(ladder()[0], math.floor(region)))
        return crop_size(aspect, side)
    bounded = output_size(original, width, height)
    if request.side:
        longest = request.side
    else:
        scales = [
            wanted / have
            for wanted, have in (
                (request.width, bounded[0]),
                (request.height, bounded[1]),
            )
            if wanted
        ]
        longest = math.ceil(max(bounded) * min(scales) - 1e-9)
    rung = snap_up(longest)
    if rung >= max(bounded) or longest > ladder()[-1]:
        return original
    return Size("s%d" % rung, rung, rung, False)


def served_size(text, width, height):
    """The Size an address's size segment gets from a `width` x `height` image."""
    request = parse_request(text)
    if request is None or not width or not height:
        return None
    return canonical(request, width, height)


def upload_sizes():
    """NEWSROOM_IMAGE_SIZES: made at upload, and the `srcset` candidates."""
    return tuple(getattr(settings, "NEWSROOM_IMAGE_SIZES", DEFAULT_SIZES))


@checks.register(checks.Tags.compatibility)
def check_image_sizes(app_configs=None, **kwargs):
    """The size settings make sense, and cannot exceed NEWSROOM_IMAGE_MAX_VARIANTS."""
    errors = [
        checks.Error(
            "NEWSROOM_IMAGE_SIZES has %r, which is not a size such as s320, "
            "s72-c, w640-h360 or w640-h360-c." % name,
            id="articles.E001",
        )
        for name in upload_sizes()
        if parse_request(name) is None
    ]
    rungs = getattr(settings, "NEWSROOM_IMAGE_LADDER", DEFAULT_LADDER)
    if not rungs or not all(
        isinstance(rung, int) and 0 < rung <= max_side() for rung in rungs
    ):
        errors.append(
            checks.Error(
                "NEWSROOM_IMAGE_LADDER must list sides from 1 to "
                "NEWSROOM_IMAGE_MAX_SIDE (%d), such as [72, 320, 640]." % max_side(),
                id="articles.E002",
            )
        )
    pairs = getattr(settings, "NEWSROOM_IMAGE_ASPECTS", DEFAULT_ASPECTS)
    if not pairs or not all(
        isinstance(pair, (tuple, list))
        and len(pair) == 2
        and all(isinstance(part, int) and part > 0 for part in pair)
        for pair in pairs
    ):
        errors.append(
            checks.Error(
                "NEWSROOM_IMAGE_ASPECTS must list (width, height) pairs of "
                "positive whole numbers, such as [(1, 1), (16, 9)].",
                id="articles.E003",
            )
        )
    if errors:
        return errors
    if variant_bound() > max_variants():
        errors.append(
            checks.Error(
                "NEWSROOM_IMAGE_LADDER (%d sides) and NEWSROOM_IMAGE_ASPECTS "
                "(%d with their portrait forms) allow %d files of one image, more "
                "than NEWSROOM_IMAGE_MAX_VARIANTS (%d)."
                % (len(ladder()), len(aspects()), variant_bound(), max_variants()),
                hint="Drop rungs or aspects, or raise NEWSROOM_IMAGE_MAX_VARIANTS.",
                id="articles.E004",
            )
        )
    for name in upload_sizes():
        request = parse_request(name)
        made = canonical(request, MAX_REQUESTED_SIDE, MAX_REQUESTED_SIDE)
        if not request.original and made.name != request.name:
            errors.append(
                checks.Warning(
                    "NEWSROOM_IMAGE_SIZES has %r, which is not a size of "
                    "NEWSROOM_IMAGE_LADDER and NEWSROOM_IMAGE_ASPECTS: what is "
                    "made for it is the size it snaps to (%s for a large square "
                    "picture)." % (name, made.name),
                    id="articles.W001",
                )
            )
    return errors


def responsive_sizes():
    """Upload sizes that are a longest side, smallest first: `srcset` candidates."""
    sizes = [parse_size(name) for name in upload_sizes()]
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


# Storage: images/<key>/sizes/<pipeline>/<size>-<source>.<ext>, through the
# storage API. <source> names the original the size was made from, so a name
# always holds the same bytes: a replaced original gets new names, never an
# old size, and what is known about a name (`made_record`) never goes stale.


def variant_extension(image, variant):
    if variant == WEBP:
        return WEBP
    return FORMAT_EXTENSIONS[primary_format(image.format)]


def source_tag(file_name):
    """Short, stable, and different for each original file (its stored name)."""
    return hashlib.sha256(file_name.encode()).hexdigest()[:12]


def derived_name(image, size, variant):
    return "images/%s/sizes/%s/%s-%s.%s" % (
        image.key,
        PIPELINE,
        size.key,
        source_tag(image.file.name),
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


# Made sizes are recorded in the cache, so that serving one costs no storage
# round trip (an existence check, then a read: each a request to S3). With a
# remote storage the bytes of small files are kept in the record itself;
# larger ones, and every file of a local storage (read as fast from disk as
# from the cache, and not worth a second copy), are read from the storage.
# Without a record (a new server, an evicted key), the storage is asked once
# and the record written again.
KEPT_BYTES = 256 * 1024
RECORD_SECONDS = 30 * 24 * 3600


def _record_key(name):
    return "newsroom:image-made:%s" % name


def made_record(name):
    """The bytes of a made size (b"" when they are not kept), or None."""
    return cache.get(_record_key(name))


def keeps_bytes(length):
    """Whether a file of `length` bytes is kept in its record."""
    if length > KEPT_BYTES:
        return False
    # Files on disk (or a mounted share) read as fast as the cache gives them.
    return not isinstance(storages["default"], FileSystemStorage)


def record_made(name, data=b""):
    """Remember that `name` is stored whole, with its bytes when worth keeping."""
    kept = data if keeps_bytes(len(data)) else b""
    cache.set(_record_key(name), kept, RECORD_SECONDS)


def forget_made(name):
    cache.delete(_record_key(name))


def _store(name, data):
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:
        # Another server without a shared cache wrote the same file first.
        default_storage.delete(saved)
    record_made(name, data)


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
    if made_record(name) is not None:
        return name
    lock = _lock_key(image, size)
    deadline = time.monotonic() + LOCK_SECONDS + 5
    while True:
        if cache.get(lock) is None and default_storage.exists(name):
            record_made(name)
            return name
        token = secrets.token_hex(8)
        if cache.add(lock, token, LOCK_SECONDS):
            try:
                if default_storage.exists(name):
                    record_made(name)
                    return name
                if _make(image, [size]):
                    return name
                return None
            finally:
                _release(lock, token)
        if time.monotonic() > deadline:
            raise Busy(name)
        time.sleep(0.05)


def open_size(image, size, variant):
    """`size` of `image` as a file to serve, made first if need be; None when
    the original cannot be decoded. Raises Busy as `ensure_size` does.

    A recorded size is served from its record's bytes (no storage round trip)
    or read from the storage (no existence check first).
    """
    name = derived_name(image, size, variant)
    for _attempt in range(2):
        kept = made_record(name)
        if kept is None:
            if ensure_size(image, size, variant) is None:
                return None
            kept = made_record(name)
        if kept:
            return ContentFile(kept, name=name)
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError:
            # Deleted behind the record's back (a restore, a hand clean-up).
            forget_made(name)
            continue
        if keeps_bytes(handle.size):
            with handle:
                data = handle.read()
            record_made(name, data)
            return ContentFile(data, name=name)
        return handle
    return None


def upload_sizes_of(image):
    """The Sizes made for `image` at upload (NEWSROOM_IMAGE_SIZES, snapped)."""
    sizes = {}
    for name in upload_sizes():
        size = served_size(name, image.width, image.height)
        if size is not None:
            sizes.setdefault(size.key, size)
    return sizes


def make_standard_sizes(image):
    """Make the upload sizes of a new image from a single decode."""
    sizes = upload_sizes_of(image)
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


def _stored_files(storage, folder):
    """Every file name below `folder` in `storage`, through its API."""
    pending = [folder]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            continue
        yield from ("%s/%s" % (folder, name) for name in files)
        pending.extend("%s/%s" % (folder, name) for name in folders)


def delete_image_files(key, storage=None):
    """Delete an image's original and every size made of it (`images/KEY/...`)."""
    storage = storage or default_storage
    for name in list(_stored_files(storage, "images/%s" % key)):
        storage.delete(name)


def delete_replaced_files(key, old_name, storage=None):
    """
    Delete an image's replaced original `old_name` and the sizes made of it
    (their names carry its `source_tag`), leaving the new original's.
    """
    storage = storage or default_storage
    old_tag = "-%s." % source_tag(old_name)
    storage.delete(old_name)
    for name in list(_stored_files(storage, "images/%s/sizes" % key)):
        if old_tag in name.rsplit("/", 1)[1]:
            storage.delete(name)


def image_saving(sender, instance, raw=False, **kwargs):
    """Note the original an existing image had, to tell a replaced one."""
    if raw or instance.pk is None:
        return
    instance._stored_file_name = (
        type(instance)
        .objects.filter(pk=instance.pk)
        .values_list("file", flat=True)
        .first()
    )


def image_saved(sender, instance, raw=False, **kwargs):
    # After the commit: a rolled-back replacement keeps the old files.
    old_name = getattr(instance, "_stored_file_name", None)
    instance._stored_file_name = instance.file.name
    if raw or not old_name or old_name == instance.file.name:
        return
    key = instance.key
    transaction.on_commit(lambda: delete_replaced_files(key, old_name))


def image_deleted(sender, instance, **kwargs):
    # After the commit: a rolled-back delete keeps its files.
    key = instance.key
    transaction.on_commit(lambda: delete_image_files(key))
