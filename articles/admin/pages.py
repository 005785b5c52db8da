"""Pages (/p/SLUG.html) in the admin."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from .. import people
from ..editor import body_field
from ..models import (
    Page,
)


class PageAdminForm(forms.ModelForm):
    body = body_field()

    class Meta:
        model = Page
        fields = [
            "title",
            "slug",
            "body",
            "status",
            "published_at",
            "author",
            "show_in_menu",
            "comments_open",
            "blogger_id",
        ]


@admin.register(Page)
class PageAdmin(people.NamesInSelects, VersionAdmin):
    form = PageAdminForm
    change_form_template = "admin/articles/post/change_form.html"
    list_display = [
        "title",
        "slug",
        "status",
        "published_at",
        people.name_column("author", _("author")),
        "show_in_menu",
    ]
    list_select_related = ["author"]
    list_filter = ["status", "show_in_menu"]
    search_fields = ["title"]

    class Media:
        js = ["js/admin_autosave.js"]
        css = {"all": ["css/admin_newsroom.css"]}

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)
