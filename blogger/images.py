"""
Blogger image addresses in imported bodies, and their move into our library.

Blogger serves an image at `.../SIZE/FILENAME` on `*.bp.blogspot.com` or
`blogger.googleusercontent.com`, SIZE being `s320`, `s72-c`, `w640-h360`...
in Google's image-size grammar. With a media folder, a file found there under
the same name becomes an `articles.Image` and the address becomes
`/img/KEY/SIZE/NAME` at that size, its options in the usual order and without
the output ones (`s72-c-rw` and `c-s72` give `s72-c`): the site answers every
size of the grammar, and picks WebP for browsers that take it.
"""

import hashlib
import io
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from articles import thumbnails
from articles.models import Image

BLOGGER_IMAGE_HOSTS = re.compile(
    r"(^|\.)(bp\.blogspot\.com|blogger\.googleusercontent\.com|ggpht\.com)$"
)
URL_ATTRIBUTE_RE = re.compile(
    r"""(?P<before>\b(?:src|href)\s*=\s*)(?P<quote>["'])(?P<url>[^"'<>]+)(?P=quote)""",
    re.IGNORECASE,
)
IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_FILENAME = 120


def size_of(segment):
    """The size in a Blogger path segment (`s72-c-rw` gives `s72-c`), or ''."""
    request = thumbnails.parse_request(segment)
    if request is None:
        return ""
    return request.name


def blogger_image(url):
    """(size, filename) of a Blogger image address, or None for any other address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "") or not parts.hostname:
        return None
    if not BLOGGER_IMAGE_HOSTS.search(parts.hostname):
        return None
    segments = parts.path.split("/")
    if len(segments) < 3:
        return None
    size = size_of(segments[-2])
    filename = unquote(segments[-1])
    if not size or not filename or "=" in filename:
        return None
    return size, filename


def media_index(folder):
    """Files under `folder` by name (the first one found wins)."""
    index = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            index.setdefault(path.name, path)
    return index


class ImageImporter:
    """Rewrites body addresses, importing each media file once (by content)."""

    def __init__(self, folder, *, dry_run, stored_names):
        self.index = media_index(folder)
        self.dry_run = dry_run
        self.stored_names = stored_names
        self.by_filename = {}
        self.created = 0
        self.reused = 0
        self.rewritten = 0
        self.skipped = []  # (file name, reason)
        self.sizes = set()

    def rewrite(self, body):
        def replace(match):
            found = blogger_image(match.group("url"))
            if found is None:
                return match.group(0)
            size, filename = found
            image = self.image_for(filename)
            if image is None:
                return match.group(0)
            self.rewritten += 1
            self.sizes.add(size)
            return "%s%s%s%s" % (
                match.group("before"),
                match.group("quote"),
                image.url(size),
                match.group("quote"),
            )

        return URL_ATTRIBUTE_RE.sub(replace, body or "")

    def image_for(self, filename):
        if filename in self.by_filename:
            return self.by_filename[filename]
        image = None
        path = self.index.get(filename)
        if path is not None:
            image = self.load(path)
        self.by_filename[filename] = image
        return image

    def load(self, path):
        if path.stat().st_size > MAX_IMAGE_BYTES:
            self.skipped.append((path.name, _("larger than 20 MB")))
            return None
        data = path.read_bytes()
        try:
            with PILImage.open(io.BytesIO(data)) as picture:
                picture.verify()
            with PILImage.open(io.BytesIO(data)) as picture:
                width, height = picture.size
                image_format = picture.format
        except (
            UnidentifiedImageError,
            PILImage.DecompressionBombError,
            OSError,
            SyntaxError,
            ValueError,
        ):
            self.skipped.append((path.name, _("not an image")))
            return None
        if image_format not in IMAGE_FORMATS:
            self.skipped.append(
                (path.name, _("%s is not a web image format") % image_format)
            )
            return None
        # The key comes from the content: a second import finds the same image.
        key = "b" + hashlib.sha256(data).hexdigest()[:24]
        image = Image.objects.filter(key=key).first()
        if image is not None:
            self.reused += 1
            return image
        filename = path.name[-MAX_FILENAME:]
        image = Image(
            key=key,
            filename=filename,
            alt_text=(re.sub(r"[-_]+", " ", path.stem).strip() or filename)[:250],
            format=image_format,
            filesize=len(data),
            width=width,
            height=height,
        )
        self.created += 1
        if self.dry_run:
            return image
        # The image's folder receives the file and, on save, its thumbnails:
        # what was there before stays if the import fails.
        storage = image.file.storage
        folder = image.file.field.generate_filename(image, filename).rsplit("/", 1)[0]
        self.stored_names.append((storage, folder, files_under(storage, folder)))
        image.file.save(filename, ContentFile(data), save=False)
        image.save()
        return image

    def sizes_not_served(self):
        """Sizes the rewritten bodies ask for that the site cannot answer.

        None since /img/ answers the whole grammar: every size `size_of` gives
        is one the site serves.
        """
        return sorted(
            size for size in self.sizes if thumbnails.parse_request(size) is None
        )


def files_under(storage, folder):
    """Every file name under `folder` in `storage`."""
    if not storage.exists(folder):
        return set()
    folders, files = storage.listdir(folder)
    found = {"%s/%s" % (folder, name) for name in files}
    for name in folders:
        found |= files_under(storage, "%s/%s" % (folder, name))
    return found


def delete_new_files(storage, folder, kept):
    """Delete the files under `folder` that are not in `kept` (a failed import's)."""
    for name in files_under(storage, folder) - kept:
        storage.delete(name)
