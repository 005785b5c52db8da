from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .models import Image


def image_view(request, key, size, filename):
    image = get_object_or_404(Image, key=key)
    if filename != (image.filename or "image"):
        raise Http404
    return FileResponse(image.file.open("rb"))
