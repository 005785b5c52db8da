"""Responsive images in post bodies: worked out when the body is saved, and
again when it is shown, so bodies stored before a rule changed show the same.

An `<img>` whose address is one of ours (`/img/KEY/SIZE/NAME`) gets the real
`width`/`height` of its size and, for a longest-side size, a `srcset` with width
descriptors. A body image at the in-article size or larger (`s640` up, `s0`) is
sized to the body column, like the featured image: its `src` becomes the full
size and its `sizes` the column's. Smaller ones (`s320`, crops) keep the size
the writer chose. Every image after the first is lazy-loaded: the first is
usually in view when the page opens.
"""

import re
from html import unescape
from itertools import count

from django.utils.html import escape

from . import thumbnails

# The body column: full width on narrow screens, about 760px beside the sidebar
# (the featured image's `sizes` in templates/articles/post_detail.html).
BODY_SIZES = "(max-width: 900px) 100vw, 760px"
# Sizes from which a body image fills the column.
COLUMN_FROM = 640
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
# The sanitiser's output always double-quotes attribute values.
ATTRIBUTE = re.compile(r'([a-zA-Z][a-zA-Z0-9-]*)(?:="([^"]*)")?')
OUR_IMAGE = re.compile(r"/img/(?P<key>[A-Za-z0-9_-]+)/(?P<size>[^/]+)/[^/]+")
DERIVED = {"width", "height", "srcset", "sizes", "loading"}


def _attributes(tag):
    inner = tag[4:].rstrip("/>").rstrip()
    return [(name.lower(), value or "") for name, value in ATTRIBUTE.findall(inner)]


def column_size(size):
    """The size a body image is shown at: the full size for in-article sizes."""
    parsed = thumbnails.parse_size(size)
    if parsed and parsed.responsive and parsed.width >= COLUMN_FROM:
        return thumbnails.FULL
    return size


def responsive_body_images(html):
    """`html` with width, height, srcset, sizes and loading set on its images."""
    tags = IMG_TAG.findall(html or "")
    if not tags:
        return html
    from .models import Image

    keys = set()
    for tag in tags:
        match = OUR_IMAGE.fullmatch(unescape(dict(_attributes(tag)).get("src", "")))
        if match:
            keys.add(match["key"])
    images = {image.key: image for image in Image.objects.filter(key__in=keys)}
    position = count()

    def rewrite(found):
        attributes = _attributes(found.group(0))
        values = dict(attributes)
        kept = [(name, value) for name, value in attributes if name not in DERIVED]
        extra = {}
        match = OUR_IMAGE.fullmatch(unescape(values.get("src", "")))
        image = images.get(match["key"]) if match else None
        size = column_size(match["size"]) if image else None
        dimensions = image.dimensions(size) if image else None
        if dimensions:
            if size != match["size"]:
                kept = [
                    (name, escape(image.url(size)) if name == "src" else value)
                    for name, value in kept
                ]
            extra["width"], extra["height"] = dimensions
            # Addresses of the whole grammar (`s400-rw`) have dimensions too.
            parsed = thumbnails.parse_size(size)
            if parsed is not None and parsed.responsive:
                extra["srcset"] = image.srcset()
                extra["sizes"] = (
                    BODY_SIZES
                    if size == thumbnails.FULL
                    else "(max-width: %(w)dpx) 100vw, %(w)dpx" % {"w": dimensions[0]}
                )
        else:
            for name in ("width", "height"):
                if values.get(name):
                    extra[name] = unescape(values[name])
        if next(position) > 0:
            extra["loading"] = "lazy"
        parts = ['%s="%s"' % (name, value) for name, value in kept]
        parts += ['%s="%s"' % (name, escape(value)) for name, value in extra.items()]
        return "<img %s>" % " ".join(parts)

    return IMG_TAG.sub(rewrite, html)
