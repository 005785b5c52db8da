"""Images: the image library admin and the rich-text editor's image picker."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import people, thumbnails
from ..editor import BODY_IMAGE_SIZE
from ..forms import ImageAdminForm
from ..models import (
    Image,
)


class ImagePickerMixin:
    """PostAdmin's image picker view (its URL is named in PostAdmin.get_urls)."""

    def image_picker_view(self, request):
        """The rich-text editor's "Browse..." window: images from the library."""
        if not request.user.has_perm("articles.view_image"):
            raise PermissionDenied
        images = Image.objects.all()
        query = request.GET.get("q", "").strip()[:100]
        if query:
            images = images.filter(
                Q(alt_text__icontains=query)
                | Q(filename__icontains=query)
                | Q(caption__icontains=query)
            )
        page = Paginator(images, 40).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Choose an image"),
            "is_popup": True,
            "page_obj": page,
            "images": [(image, image.url(BODY_IMAGE_SIZE)) for image in page],
            "query": query,
            "func_num": request.GET.get("CKEditorFuncNum", ""),
        }
        return TemplateResponse(request, "admin/articles/image_picker.html", context)


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = [
        "preview",
        "alt_text",
        "filename",
        "width",
        "height",
        "uploaded_at",
        people.name_column("uploaded_by", _("uploaded by")),
    ]
    list_select_related = ["uploaded_by"]
    search_fields = ["alt_text", "filename", "caption"]
    readonly_fields = [
        "large_preview",
        "width",
        "height",
        "format",
        "filesize",
        "key",
        "embed_html",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file", "alt_text", "caption", "filename"]
        return ["large_preview", "alt_text", "caption", "embed_html", "filename"] + [
            "file",
            "width",
            "height",
            "format",
            "filesize",
            "key",
        ]

    def get_readonly_fields(self, request, obj=None):
        # The file and its name make the public address: fixed once uploaded.
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "file", "filename"]

    @admin.display(description=_("Preview"))
    def preview(self, image):
        if not image.pk:
            return ""
        return format_html(
            '<img src="{}" alt="" width="72" height="72" loading="lazy">',
            image.url(thumbnails.THUMBNAIL),
        )

    @admin.display(description=_("Preview"))
    def large_preview(self, image):
        dimensions = image.dimensions(thumbnails.CARD)
        if not dimensions:
            return ""
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}">',
            image.url(thumbnails.CARD),
            *dimensions,
        )

    @admin.display(description=_("HTML for a post body"))
    def embed_html(self, image):
        dimensions = image.dimensions(BODY_IMAGE_SIZE)
        if not dimensions:
            return ""
        return format_html(
            "<code>{}</code>",
            format_html(
                '<img src="{}" alt="{}" width="{}" height="{}">',
                image.url(BODY_IMAGE_SIZE),
                image.alt_text,
                *dimensions,
            ),
        )

    def save_model(self, request, obj, form, change):
        if obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
