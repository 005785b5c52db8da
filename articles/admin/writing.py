"""The post form's live search and social preview, from the same rules as seo.py.

The form sends what is typed (title, slug, excerpt, search description, body,
featured image, publication time); the answer is what a search result and a
shared link will show, worked out by the model's own derivation
(`Post.set_derived_fields`: summary, reading time) and `articles.seo`.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext

from .. import seo
from ..models import Image, Post, SiteSettings
from ..text import blogger_slug, word_count

# Where search results cut a title and a description (Google, roughly).
TITLE_LIMIT = 60
DESCRIPTION_LIMIT = 160
TYPED_FIELDS = ("title", "slug", "excerpt", "seo_description", "body")


def page_title(site, post):
    """The `<title>` of the post's page (templates/articles/post_detail.html)."""
    return "%s: %s" % (site.name, post.title)


def future_path(post):
    """The permalink the post has, or the one it would get if published now."""
    if post.permalink:
        return post.permalink
    local = timezone.localtime(post.published_at or timezone.now())
    slug = post.slug or blogger_slug(post.title)
    return "/%04d/%02d/%s.html" % (local.year, local.month, slug)


def preview(request, post, site):
    """What a search result and a shared link show for `post`, plus warnings.

    `post` may be unsaved; its derived fields are worked out here, as a save
    would (without saving).
    """
    post.set_derived_fields()
    title = page_title(site, post)
    description = post.description
    image = seo.share_image(request, post.featured_image)
    warnings = []
    if len(title) > TITLE_LIMIT:
        warnings.append(
            gettext(
                "The title in search results is %(count)d characters long: "
                "only about %(limit)d are shown."
            )
            % {"count": len(title), "limit": TITLE_LIMIT}
        )
    if len(description) > DESCRIPTION_LIMIT:
        warnings.append(
            gettext(
                "The description is %(count)d characters long: only about "
                "%(limit)d are shown."
            )
            % {"count": len(description), "limit": DESCRIPTION_LIMIT}
        )
    if not image:
        warnings.append(
            gettext("No featured image: shared links will show no picture.")
        )
    return {
        "search": {
            "title": title,
            "url": seo.canonical_url(request, future_path(post)),
            "description": description,
        },
        "social": {
            "site": site.name,
            "title": post.title,
            "description": description,
            "image": image[0] if image else "",
            "image_width": image[1] if image else None,
            "image_height": image[2] if image else None,
            "image_alt": post.featured_image.alt_text if image else "",
        },
        "words": word_count(post.body),
        "minutes": post.reading_minutes,
        "warnings": warnings,
    }


def _published_at(data, fallback):
    """The publication time typed in the form (split or single field), if valid."""
    field = forms.SplitDateTimeField(required=False)
    value = [data.get("published_at_0", ""), data.get("published_at_1", "")]
    if not any(value):
        field, value = forms.DateTimeField(required=False), data.get("published_at")
    try:
        return field.clean(value) or fallback
    except ValidationError:
        return fallback


def _featured_image(value):
    try:
        return Image.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


class WritingMixin:
    """PostAdmin's writing helpers: the live preview answers at writing-preview/."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "writing-preview/",
                self.admin_site.admin_view(self.writing_preview_view),
                name="%s_%s_writing_preview" % info,
            ),
        ] + super().get_urls()

    def writing_preview_view(self, request):
        """POST the form's fields (and `object_id` for a saved post): JSON back."""
        if request.method != "POST":
            response = JsonResponse({"error": "POST"}, status=405)
            response["Allow"] = "POST"
            return response
        data = request.POST
        post = Post()
        object_id = data.get("object_id", "")
        if object_id:
            try:
                post = Post.objects.select_related("featured_image").get(
                    pk=int(object_id)
                )
            except (ValueError, Post.DoesNotExist):
                raise Http404 from None
            allowed = self.has_change_permission(request, post)
        else:
            allowed = self.has_add_permission(request)
        if not allowed:
            return JsonResponse({"error": "permission"}, status=403)
        for name in TYPED_FIELDS:
            if name in data:
                setattr(post, name, data[name][:200_000])
        if "featured_image" in data:
            post.featured_image = _featured_image(data["featured_image"])
        post.published_at = _published_at(data, post.published_at)
        return JsonResponse(preview(request, post, SiteSettings.load()))
