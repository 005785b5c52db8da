"""
The 404 log of old Blogger addresses, and the redirects editors make from it:
"Redirect to…" on a row opens a new redirect for that address; saving it
removes the row.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import MissedAddress, Redirect


@admin.register(MissedAddress)
class MissedAddressAdmin(admin.ModelAdmin):
    list_display = ["path", "hits", "last_referrer", "last_seen", "redirect_link"]
    list_display_links = None
    ordering = ["-hits", "path"]
    search_fields = ["path", "last_referrer"]
    readonly_fields = ["path", "hits", "last_referrer", "first_seen", "last_seen"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Action"))
    def redirect_link(self, obj):
        url = "%s?%s" % (
            reverse("admin:blogger_redirect_add"),
            urlencode({"old_path": obj.path}),
        )
        return format_html('<a class="button" href="{}">{}</a>', url, _("Redirect to…"))


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "target", "created_by", "created_at"]
    search_fields = ["old_path", "target_path"]
    autocomplete_fields = ["post", "page", "label"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["old_path", "post", "page", "label", "target_path"] + readonly_fields

    @admin.display(description=_("Target"))
    def target(self, obj):
        return obj.target_url()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("post", "page", "label")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        # The address is answered now: it leaves the log.
        MissedAddress.objects.filter(path=obj.old_path).delete()
