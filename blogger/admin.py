"""
The 404 log of old Blogger addresses, and the redirects editors make from it.
Each row shows the likely target (blogger/guesses.py) with a one-click
"Redirect here" (a POST of its own: CSRF, the add-redirect permission) and
"Choose another…", which opens a new redirect for the address. Either way the
address answers 301 at once and its row leaves the log.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .guesses import best_guesses, describe, find_target, target_key
from .models import MissedAddress, Redirect

KINDS = {"post": _("post"), "page": _("page"), "label": _("label")}


@admin.register(MissedAddress)
class MissedAddressAdmin(admin.ModelAdmin):
    list_display = ["path", "hits", "last_referrer", "last_seen", "best_guess"]
    list_display_links = None
    ordering = ["-hits", "path"]
    search_fields = ["path", "last_referrer"]
    readonly_fields = ["path", "hits", "last_referrer", "first_seen", "last_seen"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/redirect/",
                self.admin_site.admin_view(require_POST(self.redirect_view)),
                name="blogger_missedaddress_redirect",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is not None:
            # The rows of this page only, their guesses read together.
            rows = list(changelist.result_list)
            guesses = best_guesses([row.path for row in rows])
            may_redirect = request.user.has_perm("blogger.add_redirect")
            for row in rows:
                row.guess = guesses.get(row.path)
                row.may_redirect = may_redirect
            context["redirect_forms"] = [
                {
                    "id": "redirect-%d" % row.pk,
                    "action": reverse(
                        "admin:blogger_missedaddress_redirect", args=[row.pk]
                    ),
                    "target": target_key(row.guess),
                }
                for row in rows
                if row.guess is not None and may_redirect
            ]
        return response

    @admin.display(description=_("Best guess"))
    def best_guess(self, obj):
        guess = getattr(obj, "guess", None)
        choose = ""
        if getattr(obj, "may_redirect", False):
            choose = format_html(
                '<a class="choose-another" href="{}?{}">{}</a>',
                reverse("admin:blogger_redirect_add"),
                urlencode({"old_path": obj.path}),
                _("Choose another…") if guess is not None else _("Redirect to…"),
            )
        if guess is None:
            return format_html(
                '<div class="no-guess">{}</div><div class="guess-actions">{}</div>',
                _("No likely match"),
                choose,
            )
        kind, name = describe(guess)
        button = ""
        if getattr(obj, "may_redirect", False):
            button = format_html(
                '<button type="submit" class="button redirect-here" form="redirect-{}"'
                ' title="{}">{}</button>',
                obj.pk,
                _("Answer this address with a 301 to %(url)s")
                % {"url": guess.get_absolute_url()},
                _("Redirect here"),
            )
        return format_html(
            '<div class="guess"><small>{}</small> <a href="{}" target="_blank"'
            ' rel="noopener">{}</a></div><div class="guess-actions">{} {}</div>',
            KINDS[kind],
            guess.get_absolute_url(),
            name,
            button,
            choose,
        )

    def redirect_view(self, request, pk):
        """One click: the address answers 301 to the posted target; its row goes."""
        if not request.user.has_perm("blogger.add_redirect"):
            raise PermissionDenied
        missed = get_object_or_404(MissedAddress, pk=pk)
        target = find_target(request.POST.get("target"))
        if target is None:
            return HttpResponseBadRequest(
                gettext("Choose a post, a page or a label to redirect to.")
            )
        redirect = Redirect(
            old_path=missed.path,
            created_by=request.user,
            **{describe(target)[0]: target},
        )
        try:
            redirect.full_clean()
            with transaction.atomic():
                redirect.save()
                missed.delete()
        except (ValidationError, IntegrityError):
            messages.error(
                request,
                gettext("%(path)s already has a redirect: change it under Redirects.")
                % {"path": missed.path},
            )
        else:
            messages.success(
                request,
                gettext("%(path)s now answers 301 to %(url)s.")
                % {"path": missed.path, "url": redirect.target_url()},
            )
        return HttpResponseRedirect(reverse("admin:blogger_missedaddress_changelist"))


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "target", "created_by", "created_at"]
    search_fields = ["old_path", "target_path"]
    autocomplete_fields = ["post", "page", "label"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["old_path", "post", "page", "label", "target_path"] + readonly_fields

    class Media:
        # The autocompletes' highlighted result in a readable contrast.
        css = {"all": ["css/admin_newsroom.css"]}

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
