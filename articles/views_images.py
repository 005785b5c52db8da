from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe

from . import thumbnails
from .models import Image

# Derived files never change under their address: browsers and proxies may keep
# them for a year without asking again.
CACHE_CONTROL = "public, max-age=31536000, immutable"


def accepts_webp(request):
    for item in request.headers.get("Accept", "").split(","):
        media_type, *params = [part.strip() for part in item.split(";")]
        if media_type.lower() != "image/webp":
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def _headers(response, etag, *, negotiated=True):
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    if negotiated:
        response["Vary"] = "Accept"
    response["X-Content-Type-Options"] = "nosniff"
    # The same bytes for every reader: no Vary on cookies or language, and
    # public even when a signed-in reader asks (newsroom.middleware).
    response.same_for_everyone = True
    return response


@require_safe
def image_view(request, key, size, filename):
    """An image at any size of Google's grammar, served as the size it snaps to.

    The asked address answers directly (no redirect): every address of one
    snapped size shares its stored file and ETag. `-rw` gives WebP whatever
    the browser says, `-d` a download; otherwise WebP for browsers that say
    they take it.
    """
    asked = thumbnails.parse_request(size)
    if asked is None:
        raise Http404
    image = Image.objects.filter(key=key).first()
    if (
        image is None
        or not image.file
        or not image.width
        or not image.height
        or filename != (image.filename or "image")
    ):
        raise Http404
    made = thumbnails.canonical(asked, image.width, image.height)
    if asked.webp or accepts_webp(request):
        variant = thumbnails.WEBP
    else:
        variant = "primary"
    negotiated = not asked.webp
    etag = thumbnails.etag(image, made, variant)
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and (
        etag in parse_etags(if_none_match) or if_none_match.strip() == "*"
    ):
        return _headers(HttpResponseNotModified(), etag, negotiated=negotiated)
    try:
        # Once made, a size is served from its record in the cache: no
        # storage round trip for small files, and no existence check.
        handle = thumbnails.open_size(image, made, variant)
    except thumbnails.Busy:
        response = HttpResponse(status=503)
        response["Retry-After"] = "5"
        return response
    if handle is None:
        raise Http404
    stem = (image.filename or "image").rsplit(".", 1)[0]
    response = FileResponse(
        handle,
        as_attachment=asked.download,
        content_type=thumbnails.content_type(image, variant),
        filename="%s.%s" % (stem, thumbnails.variant_extension(image, variant)),
    )
    return _headers(response, etag, negotiated=negotiated)
