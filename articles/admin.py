from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import Image, Label, Page, Post, SiteSettings
from .selectors import RELATED_LIMIT, live_post_filter, rank_related_posts


class PostAdminForm(forms.ModelForm):
    label_names = forms.CharField(
        label=_("Labels"),
        required=False,
        help_text=_(
            "Comma-separated, in order: the first two make the breadcrumb. "
            "A new name creates a new label."
        ),
        widget=forms.TextInput(attrs={"size": 80}),
    )

    class Meta:
        model = Post
        fields = [
            "title",
            "body",
            "status",
            "published_at",
            "author",
            "slug",
            "excerpt",
            "seo_description",
            "featured_image",
            "comments_open",
            "blogger_id",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["label_names"] = ", ".join(
                label.name for label in self.instance.label_list
            )

    def clean_label_names(self):
        names = [
            name.strip()
            for name in self.cleaned_data["label_names"].split(",")
            if name.strip()
        ]
        for name in names:
            if len(name) > 100:
                raise forms.ValidationError(
                    _("A label name has at most 100 characters: %(name)s"),
                    params={"name": name[:40]},
                )
        return names


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = [
        "title",
        "state",
        "published_at",
        "author",
        "label_text",
        "updated_at",
    ]
    list_filter = ["status", ("published_at", admin.DateFieldListFilter), "author"]
    search_fields = ["title", "summary"]
    date_hierarchy = "published_at"
    readonly_fields = ["permalink", "created_at", "updated_at", "related_preview"]
    autocomplete_fields = ["featured_image", "related_pinned", "related_excluded"]
    list_select_related = ["author"]
    fieldsets = [
        (None, {"fields": ["title", "body", "label_names"]}),
        (
            _("Publishing"),
            {"fields": ["status", "published_at", "author", "permalink", "slug"]},
        ),
        (
            _("Card and search"),
            {"fields": ["excerpt", "seo_description", "featured_image"]},
        ),
        (
            _("RECOMMENDED FOR YOU"),
            {"fields": ["related_preview", "related_pinned", "related_excluded"]},
        ),
        (_("Comments"), {"fields": ["comments_open"]}),
        (_("History"), {"fields": ["blogger_id", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("labeled_items__tag")

    @admin.display(description=_("State"), ordering="status")
    def state(self, post):
        if post.is_scheduled():
            return _("Scheduled")
        return post.get_status_display()

    @admin.display(description=_("Labels"))
    def label_text(self, post):
        return ", ".join(item.tag.name for item in post.labeled_items.all())

    @admin.display(description=_("Readers see now"))
    def related_preview(self, post):
        """The related list with the labels each post shares, so a choice can be explained."""
        if not post.pk:
            return _("Shown once the post is saved.")
        own = {label.pk for label in post.label_list}
        rows = []
        for other in rank_related_posts(post).for_cards()[:RELATED_LIMIT]:
            shared = [label.name for label in other.label_list if label.pk in own]
            if other.pinned:
                why = _("pinned")
            elif shared:
                why = _("shares %(labels)s") % {"labels": ", ".join(shared)}
            else:
                why = _("newest post")
            url = reverse("admin:articles_post_change", args=[other.pk])
            rows.append((url, other.title, why))
        if not rows:
            return _("No live posts to recommend.")
        return format_html(
            "<ol>{}</ol>",
            format_html_join("", '<li><a href="{}">{}</a> ({})</li>', rows),
        )

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.set_labels(form.cleaned_data.get("label_names", []))


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "published_at", "show_in_menu"]
    list_filter = ["status", "show_in_menu"]
    search_fields = ["title"]
    prepopulated_fields = {}


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "live_count", "total_count"]
    search_fields = ["name"]
    readonly_fields = ["slug"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                live=Count(
                    "labeled_posts",
                    filter=live_post_filter("labeled_posts__content_object__"),
                ),
                total=Count("labeled_posts"),
            )
        )

    @admin.display(description=_("Live posts"), ordering="live")
    def live_count(self, label):
        return label.live

    @admin.display(description=_("All posts"), ordering="total")
    def total_count(self, label):
        return label.total


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["preview", "alt_text", "filename", "width", "height", "uploaded_at"]
    search_fields = ["alt_text", "filename", "caption"]
    readonly_fields = ["preview", "width", "height", "key"]

    @admin.display(description=_("Preview"))
    def preview(self, image):
        if not image.pk:
            return ""
        return format_html(
            '<img src="{}" alt="" width="72" height="72" loading="lazy">',
            image.url("s72-c"),
        )

    def save_model(self, request, obj, form, change):
        if obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        if not obj.filename and obj.file:
            obj.filename = obj.file.name.rsplit("/", 1)[-1]
        super().save_model(request, obj, form, change)


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Newsroom")
admin.site.site_title = _("Newsroom")
admin.site.index_title = _("Local Glob newsroom")
