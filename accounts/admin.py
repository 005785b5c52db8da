"""
Members in the admin: the list editors work from (grant and revoke in one
click), a membership's page with its history, and a "Member" column in the
user list. Every change goes through accounts/membership.py.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles import people
from articles.admin.lists import QuickActionCheckbox

from . import membership
from .models import Membership, MembershipEvent

State = Membership.State


class GrantForm(forms.Form):
    """Make someone a member who has not asked: find them by name or e-mail."""

    who = forms.CharField(
        label=_("Username or e-mail address"),
        max_length=254,
        help_text=_(
            "The reader's account: the username they sign in with, or their e-mail."
        ),
    )

    def clean_who(self):
        who = self.cleaned_data["who"].strip()
        users = get_user_model()._default_manager.filter(
            Q(username__iexact=who) | Q(email__iexact=who)
        )[:2]
        users = list(users)
        if not users:
            raise ValidationError(
                _("No account has this username or e-mail address."), code="unknown"
            )
        if len(users) > 1:
            raise ValidationError(
                _("Several accounts share this e-mail address: give the username."),
                code="ambiguous",
            )
        self.user = users[0]
        return who


@admin.register(Membership)
class MembershipAdmin(QuickActionCheckbox, admin.ModelAdmin):
    list_display = ["name", "email", "state_chip", "since", "row_actions"]
    list_filter = ["state"]
    list_select_related = ["user"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
    ]
    list_per_page = 50
    actions = ["grant_selected", "revoke_selected"]
    fields = [
        "name",
        "username",
        "email",
        "state",
        "since",
        "requested_at",
        "granted_at",
        "granted_by_name",
        "revoked_at",
        "revoked_by_name",
        "note",
    ]
    readonly_fields = fields
    empty_value_display = "—"
    change_form_template = "admin/accounts/membership/change_form.html"
    change_list_template = "admin/accounts/membership/change_list.html"

    class Media:
        css = {"all": ["accounts/admin_members.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user", "granted_by", "revoked_by")
        )

    # Editors see and manage memberships; nobody edits or deletes a row by
    # hand (the services keep the Members group in step with it).

    def has_manage_permission(self, request):
        return membership.can_manage(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self.has_manage_permission(
            request
        )

    def has_add_permission(self, request):
        return self.has_manage_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Columns.

    @admin.display(
        description=_("name"), ordering=people.display_name_expression("user__")
    )
    def name(self, obj):
        return people.display_name(obj.user)

    @admin.display(description=_("username"), ordering="user__username")
    def username(self, obj):
        return obj.user.get_username()

    @admin.display(description=_("e-mail"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description=_("state"), ordering="state")
    def state_chip(self, obj):
        return format_html(
            '<span class="member-state member-state-{}">{}</span>',
            obj.state,
            obj.get_state_display(),
        )

    @admin.display(description=_("granted by"))
    def granted_by_name(self, obj):
        return people.display_name(obj.granted_by) or "—"

    @admin.display(description=_("revoked by"))
    def revoked_by_name(self, obj):
        return people.display_name(obj.revoked_by) or "—"

    @admin.display(description=_("actions"))
    def row_actions(self, obj):
        # Buttons of the list's own form (it carries the CSRF token): each
        # posts to its own address, so no form is nested and no script is needed.
        buttons = []
        name = people.display_name(obj.user)
        if obj.state != State.MEMBER:
            buttons.append(
                format_html(
                    '<button type="submit" class="button member-grant" '
                    'formaction="{}" aria-label="{}">{}</button>',
                    reverse("admin:accounts_membership_grant", args=[obj.pk]),
                    gettext("Grant membership to %(name)s") % {"name": name},
                    gettext("Grant"),
                )
            )
        if obj.state != State.REVOKED:
            label = (
                gettext("Decline %(name)s's request")
                if obj.state == State.REQUESTED
                else gettext("Revoke %(name)s's membership")
            )
            buttons.append(
                format_html(
                    '<button type="submit" class="button member-revoke" '
                    'formaction="{}" aria-label="{}">{}</button>',
                    reverse("admin:accounts_membership_revoke", args=[obj.pk]),
                    label % {"name": name},
                    gettext("Decline")
                    if obj.state == State.REQUESTED
                    else gettext("Revoke"),
                )
            )
        return format_html_join(" ", "{}", ((button,) for button in buttons))

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if self.has_manage_permission(request):
            return shown
        return [column for column in shown if column != "row_actions"]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": gettext("Members"),
            **(extra_context or {}),
            "waiting": Membership.objects.filter(state=State.REQUESTED).count(),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        events = MembershipEvent.objects.filter(membership_id=object_id)
        extra_context = {
            **(extra_context or {}),
            "may_manage": self.has_manage_permission(request),
            "State": State,
            "events": [
                (event, people.display_name(event.actor))
                for event in events.select_related("actor")
            ]
            if str(object_id).isdigit()
            else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # Grant and revoke: one row, or the ticked rows.

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/grant/",
                wrap(require_POST(self.grant_view)),
                name="accounts_membership_grant",
            ),
            path(
                "<int:pk>/revoke/",
                wrap(require_POST(self.revoke_view)),
                name="accounts_membership_revoke",
            ),
            *super().get_urls(),
        ]

    def _base_url(self, request):
        return request.build_absolute_uri("/").rstrip("/")

    def _back(self, request, obj=None):
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(
            request.META.get("HTTP_REFERER")
            if url_has_allowed_host_and_scheme(
                request.META.get("HTTP_REFERER", ""),
                allowed_hosts={request.get_host()},
                require_https=request.is_secure(),
            )
            else reverse("admin:accounts_membership_changelist")
        )

    def _act(self, request, obj, verb):
        name = people.display_name(obj.user)
        try:
            if verb == "grant":
                change = membership.grant(
                    obj.user, request.user, base_url=self._base_url(request)
                )
            else:
                change = membership.revoke(
                    obj.user,
                    request.user,
                    request.POST.get("note", "")[:2000],
                    base_url=self._base_url(request),
                )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return False
        messages_by_verb = {
            ("grant", True): gettext("%(name)s is now a member."),
            ("grant", False): gettext("%(name)s was already a member."),
            ("revoke", True): gettext("%(name)s is no longer a member."),
            ("revoke", False): gettext("%(name)s was not a member."),
        }
        self.message_user(
            request,
            messages_by_verb[verb, change.changed] % {"name": name},
            messages.SUCCESS if change.changed else messages.INFO,
        )
        return change.changed

    def grant_view(self, request, pk):
        if not self.has_manage_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
        self._act(request, obj, "grant")
        return self._back(request)

    def revoke_view(self, request, pk):
        if not self.has_manage_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
        self._act(request, obj, "revoke")
        return self._back(request)

    @admin.action(
        description=_("Grant membership to the selected people"), permissions=["manage"]
    )
    def grant_selected(self, request, queryset):
        for obj in queryset.select_related("user"):
            self._act(request, obj, "grant")

    @admin.action(
        description=_("Revoke the selected memberships (or decline the requests)"),
        permissions=["manage"],
    )
    def revoke_selected(self, request, queryset):
        for obj in queryset.select_related("user"):
            self._act(request, obj, "revoke")

    # "Add membership": grant it to someone who has not asked.

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = GrantForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                change = membership.grant(
                    form.user, request.user, base_url=self._base_url(request)
                )
            except ValidationError as error:
                form.add_error("who", error)
            else:
                name = people.display_name(form.user)
                self.message_user(
                    request,
                    (
                        gettext("%(name)s is now a member.")
                        if change.changed
                        else gettext("%(name)s was already a member.")
                    )
                    % {"name": name},
                    messages.SUCCESS if change.changed else messages.INFO,
                )
                return HttpResponseRedirect(
                    reverse("admin:accounts_membership_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Make a reader a member"),
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(
            request,
            "admin/accounts/membership/grant.html",
            context,
            status=400 if form.errors else 200,
        )


# The user list (superusers): readers and members told apart.

User = get_user_model()


class MembershipStateFilter(admin.SimpleListFilter):
    title = _("membership")
    parameter_name = "membership"

    def lookups(self, request, model_admin):
        return [("none", _("Not a member")), *State.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.exclude(membership__state=State.MEMBER)
        if value in State.values:
            return queryset.filter(membership__state=value)
        return queryset


class NewsroomUserAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "member"]
    list_filter = [*UserAdmin.list_filter, MembershipStateFilter]
    list_select_related = ["membership"]

    @admin.display(description=_("member"), ordering="membership__state")
    def member(self, user):
        record = getattr(user, "membership", None)
        if record is None:
            return "—"
        return record.get_state_display()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Groups edited by hand: the membership record follows the Members group.
        if membership.can_manage(request.user):
            membership.reconcile(form.instance, request.user)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, NewsroomUserAdmin)
