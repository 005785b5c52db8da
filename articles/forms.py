"""Image uploads: only real pictures within the size and pixel limits get in."""

import re
import warnings

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage

from .models import Image

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# 50 megapixels: more than any camera an editor is likely to use, and far
# below what would let a small "decompression bomb" exhaust the server.
DEFAULT_MAX_PIXELS = 50_000_000
SAFE_FILENAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}")
MARKUP_STARTS = (b"<", b"\xef\xbb\xbf<")
MARKUP_WORDS = (b"<svg", b"<html", b"<!doctype", b"<?xml", b"<script", b"<body")


def max_bytes():
    return getattr(settings, "NEWSROOM_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pixels():
    return getattr(settings, "NEWSROOM_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def _is_markup(head):
    text = head.lstrip()
    lowered = text.lower()
    return text.startswith(MARKUP_STARTS) or any(
        word in lowered for word in MARKUP_WORDS
    )


def check_picture(upload):
    """Raise a ValidationError naming what is wrong with an uploaded picture."""
    if upload.size > max_bytes():
        raise forms.ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_big",
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(max_bytes()),
            },
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if _is_markup(head):
        raise forms.ValidationError(
            _(
                "This file is SVG or HTML text dressed up as a picture. "
                "Upload a JPEG, PNG, GIF or WebP image."
            ),
            code="markup",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            picture = PILImage.open(upload)
    except PILImage.DecompressionBombError:
        raise forms.ValidationError(
            _("The picture has too many pixels; the limit is %(limit)s megapixels."),
            code="too_many_pixels",
            params={"limit": max_pixels() // 1_000_000},
        )
    except Exception:
        raise forms.ValidationError(
            _(
                "This file is not a picture this site can read. "
                "Upload a JPEG, PNG, GIF or WebP image."
            ),
            code="not_image",
        )
    with picture:
        if picture.format not in ACCEPTED_FORMATS:
            raise forms.ValidationError(
                _(
                    "%(format)s files are not accepted. "
                    "Upload a JPEG, PNG, GIF or WebP image."
                ),
                code="format",
                params={"format": picture.format},
            )
        width, height = picture.size
        if width * height > max_pixels():
            raise forms.ValidationError(
                _(
                    "The picture is %(width)d×%(height)d pixels; "
                    "the limit is %(limit)s megapixels."
                ),
                code="too_many_pixels",
                params={
                    "width": width,
                    "height": height,
                    "limit": max_pixels() // 1_000_000,
                },
            )
        try:
            # A decode is the only sure way to find a cut-off file; JPEG's
            # draft mode still reads every byte, at an eighth of the cost.
            if picture.format == "JPEG":
                picture.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            picture.load()
        except Exception:
            raise forms.ValidationError(
                _(
                    "The file is damaged or cut off (truncated): "
                    "upload the picture again."
                ),
                code="truncated",
            )
    upload.seek(0)


class ImageAdminForm(forms.ModelForm):
    # A plain file field: the checks below give a precise message each.
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "JPEG, PNG, GIF or WebP. Thumbnails are made from it. "
            "The file cannot be replaced later: upload a new image instead."
        ),
        error_messages={"empty": _("The file is empty (0 bytes).")},
    )

    class Meta:
        model = Image
        fields = ["file", "alt_text", "caption", "filename"]

    def clean_filename(self):
        filename = self.cleaned_data["filename"].strip()
        if filename and not SAFE_FILENAME.fullmatch(filename):
            raise forms.ValidationError(
                _(
                    "Use only letters, digits, dots, dashes and underscores, "
                    "for example photo-1.jpg."
                ),
                code="filename",
            )
        return filename

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if isinstance(upload, UploadedFile):
            check_picture(upload)
        return upload


class ImageUploadForm(ImageAdminForm):
    """One step from the editor or the chooser: the file with its alt text."""

    class Meta(ImageAdminForm.Meta):
        fields = ["file", "alt_text", "caption"]
        error_messages = {
            "alt_text": {
                "required": _(
                    "Describe the image for readers who cannot see it (alt text)."
                )
            }
        }
