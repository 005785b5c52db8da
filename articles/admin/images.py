"""Images: the image library admin and the rich-text editor's image picker."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import people, thumbnails
from ..editor import BODY_IMAGE_SIZE
from ..forms import ImageAdminForm, ImageUploadForm
from ..models import Image
from .writing import WritingMixin


def image_json(image):
    """What the editor and the chooser need to place an uploaded or chosen image."""
    width, height = image.dimensions(BODY_IMAGE_SIZE) or (image.width, image.height)
    return {
        "id": image.pk,
        "url": image.url(BODY_IMAGE_SIZE),
        "thumbnail": image.url(thumbnails.CARD),
        "alt": image.alt_text,
        "caption": image.caption,
        "width": width,
        "height": height,
        "name": str(image),
    }


def json_error(field, message, code, status):
    return JsonResponse(
        {"errors": {field: [{"message": str(message), "code": code}]}}, status=status
    )


class ImagePickerMixin(WritingMixin):
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
            "images": [(image, image_json(image)) for image in page],
            "query": query,
            "func_num": request.GET.get("CKEditorFuncNum", ""),
            "can_upload": request.user.has_perm("articles.add_image"),
            "upload_url": reverse("admin:articles_image_upload"),
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
        obj.sizes_on_request = True
        super().save_model(request, obj, form, change)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="%s_%s_upload" % info,
            ),
        ] + super().get_urls()

    def upload_view(self, request):
        """One-step upload (POST: file, alt_text, caption) answering JSON.

        No size is made here: each is made by the first request for it, so a
        12 MP photo is answered as soon as it is stored.
        """
        if request.method != "POST":
            response = json_error(
                "__all__", gettext("Send the image with POST."), "method", 405
            )
            response["Allow"] = "POST"
            return response
        if not self.has_add_permission(request):
            return json_error(
                "__all__",
                gettext("You do not have permission to upload images."),
                "permission",
                403,
            )
        form = ImageUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        image = form.save(commit=False)
        image.uploaded_by = request.user
        image.sizes_on_request = True
        image.save()
        self.log_addition(request, image, [{"added": {}}])
        return JsonResponse(image_json(image), status=201)
