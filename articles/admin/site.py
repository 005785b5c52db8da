"""
The one-row settings pages in the admin: Site settings here, and the base
every one-row settings page uses (comments' Comment settings too).

Opening one from the admin index goes straight to its single row's form,
titled with the settings' name: no list, no "Add", no "Save and add
another", no delete. Until the row is first saved the form shows the
defaults (reading never writes).
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import SiteSettings

ROW_ID = "1"


class OneRowSettingsAdmin(admin.ModelAdmin):
    """A settings model of one row (articles.models.OneRowSettings) as one page."""

    change_form_template = "admin/one_row_settings/change_form.html"

    def _row_url(self):
        opts = self.opts
        return reverse(
            "admin:%s_%s_change" % (opts.app_label, opts.model_name),
            args=[ROW_ID],
            current_app=self.admin_site.name,
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        if str(object_id) != ROW_ID:
            return None
        return self.model.read_row()

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # the 403
        return HttpResponseRedirect(self._row_url())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        title = str(self.opts.verbose_name).capitalize()
        extra_context = {
            "title": title,
            "subtitle": None,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete_link": False,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        self.message_user(
            request,
            _("%(settings)s saved.")
            % {"settings": str(self.opts.verbose_name).capitalize()},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._row_url())

    def response_post_save_change(self, request, obj):
        return HttpResponseRedirect(self._row_url())


@admin.register(SiteSettings)
class SiteSettingsAdmin(OneRowSettingsAdmin):
    """The site's name, tagline, time zone and the like: editors change them."""

    # The lead story: found by title like any post (the post admin's search);
    # one that is not live leaves the home page to the featured label's newest.
    autocomplete_fields = ["lead_post"]
