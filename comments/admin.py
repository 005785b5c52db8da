from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from articles import people
from articles.admin.lists import QuickActionCheckbox
from articles.admin.site import OneRowSettingsAdmin

from . import queue, services
from .models import Block, Comment, CommentSettings, ModerationEvent, Report

PENDING_FIRST = Case(
    When(status=Comment.Status.PENDING, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


class ModerationEventInline(admin.TabularInline):
    model = ModerationEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReportInline(admin.TabularInline):
    model = Report
    fields = ["created_at", "reason", "note", "reporter", "resolved_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReportedFilter(admin.SimpleListFilter):
    title = _("reports")
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", _("Reported, waiting for a moderator"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(open_reports__gt=0)
        return queryset


class TargetFilter(admin.RelatedOnlyFieldListFilter):
    """
    The posts (or pages) that have comments, as Django lists them, reading
    only their ids and titles: not every commented post's whole body.
    """

    def field_choices(self, field, request, model_admin):
        targets = (
            model_admin.get_queryset(request)
            .distinct()
            .values_list("%s__pk" % self.field_path, flat=True)
        )
        ordering = self.field_admin_ordering(field, request, model_admin)
        rows = field.related_model._default_manager.filter(pk__in=targets)
        if ordering:
            rows = rows.order_by(*ordering)
        return [(row.pk, str(row)) for row in rows.only("pk", "title")]


class QueueChangeList(ChangeList):
    """The page's rows, each told what is blocked, where to come back, who acts."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        queue.attach_blocks(self.result_list)
        return_to = request.get_full_path()
        can_moderate = self.model_admin.has_moderate_permission(request)
        can_block = self.model_admin.has_block_permission(request)
        for comment in self.result_list:
            comment.return_to = return_to
            comment.can_moderate = can_moderate
            comment.can_block = can_block


@admin.register(Comment)
class CommentAdmin(QuickActionCheckbox, admin.ModelAdmin):
    """
    The moderation queue: reported comments first, then pending ones; each
    row with its whole text, the comment it answers, and one-click
    Approve / Spam / Delete (comments/queue.py). Decisions go through the
    services, one at a time or in bulk.
    """

    list_display = [
        "status_label",
        "comment",
        "target_link",
        "created_at",
    ]
    list_display_links = ["created_at"]
    list_filter = [
        "status",
        ReportedFilter,
        ("post", TargetFilter),
        ("page", TargetFilter),
    ]
    search_fields = ["name", "email", "text", "ip_address"]
    list_select_related = ["post", "page", "parent", "user"]
    list_per_page = 50
    date_hierarchy = "created_at"
    actions = ["approve", "mark_spam", "remove", "restore"]
    fields = [
        "status",
        "target_link",
        "parent",
        "name",
        "email",
        "text",
        "user",
        "ip_address",
        "user_agent",
        "created_at",
        "moderated_by",
        "moderated_at",
        "notified_at",
        "blogger_id",
    ]
    readonly_fields = fields
    inlines = [ReportInline, ModerationEventInline]

    class Media:
        js = ["js/admin_moderation.js"]
        css = {"all": ["css/admin_newsroom.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_open_reports()
            .prefetch_related(queue.open_reports_prefetch())
        )

    def get_ordering(self, request):
        return [
            F("open_reports").desc(),
            PENDING_FIRST.asc(),
            "-created_at",
            "-pk",
        ]

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("Moderate comments"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/moderate/<slug:action>/",
                view(require_POST(self.moderate_view)),
                name="comments_comment_moderate",
            ),
            path(
                "<int:pk>/block/",
                view(require_http_methods(["GET", "HEAD", "POST"])(self.block_view)),
                name="comments_comment_block",
            ),
            *super().get_urls(),
        ]

    def moderate_view(self, request, pk, action):
        return queue.moderate(self, request, pk, action)

    def block_view(self, request, pk):
        return queue.block(self, request, pk)

    def has_add_permission(self, request):
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm("comments.moderate_comment")

    def has_block_permission(self, request):
        return self.has_moderate_permission(request) and request.user.has_perm(
            "comments.add_block"
        )

    @admin.display(description=_("State"), ordering="status")
    def status_label(self, comment):
        return queue._status_html(comment)

    @admin.display(description=_("Comment"))
    def comment(self, comment):
        actions = ""
        if getattr(comment, "can_moderate", False):
            actions = queue.row_actions_html(
                comment, return_to=comment.return_to, can_block=comment.can_block
            )
        return queue.comment_cell(comment, actions=actions)

    @admin.display(
        description=_("Post or page"), ordering=Coalesce("post__title", "page__title")
    )
    def target_link(self, comment):
        target = comment.target
        url = comment.get_absolute_url()
        if comment.page_id is not None:
            title = _("Page: %(title)s") % {"title": target.title}
        else:
            title = target.title
        if not url.startswith("/"):
            return title
        return format_html('<a href="{}">{}</a>', url, title)

    def _moderate(self, request, queryset, service, done):
        changed = skipped = 0
        for comment in queryset.select_related("post", "page"):
            try:
                service(comment=comment, actor=request.user)
            except ValidationError:
                skipped += 1
            else:
                changed += 1
        if changed:
            self.message_user(
                request, done % {"count": changed}, level=messages.SUCCESS
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d comment was skipped: the action does not apply to its state.",
                    "%(count)d comments were skipped: the action does not apply to their state.",
                    skipped,
                )
                % {"count": skipped},
                level=messages.WARNING,
            )

    @admin.action(description=_("Approve selected comments"), permissions=["moderate"])
    def approve(self, request, queryset):
        self._moderate(
            request, queryset, services.comment_approve, _("Approved %(count)d.")
        )

    @admin.action(
        description=_("Mark selected comments as spam"), permissions=["moderate"]
    )
    def mark_spam(self, request, queryset):
        self._moderate(
            request,
            queryset,
            services.comment_spam,
            _("Marked %(count)d as spam."),
        )

    @admin.action(description=_("Remove selected comments"), permissions=["moderate"])
    def remove(self, request, queryset):
        self._moderate(
            request, queryset, services.comment_remove, _("Removed %(count)d.")
        )

    @admin.action(description=_("Restore selected comments"), permissions=["moderate"])
    def restore(self, request, queryset):
        self._moderate(
            request, queryset, services.comment_restore, _("Restored %(count)d.")
        )


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    """The audit list: every moderator decision, newest first."""

    list_display = [
        "created_at",
        "action",
        people.name_column("actor", _("actor")),
        "comment_link",
        "from_status",
        "to_status",
    ]
    list_filter = ["action", ("actor", people.NameFilter)]
    list_select_related = ["actor", "comment"]
    date_hierarchy = "created_at"
    search_fields = ["comment__text", "comment__name", "actor__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Comment"))
    def comment_link(self, event):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:comments_comment_change", args=[event.comment_id]),
            Truncator(event.comment.text).chars(60),
        )


@admin.register(CommentSettings)
class CommentSettingsAdmin(OneRowSettingsAdmin):
    """When comments wait for a moderator: moderators set it (one page)."""


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    """Blocked commenters: made from the queue ("Block…"), listed and lifted here."""

    list_display = [
        "__str__",
        "kind",
        "reason",
        people.name_column("created_by", _("blocked by moderator")),
        "created_at",
        "origin",
    ]
    list_filter = ["kind"]
    search_fields = ["value", "reason", "user__username", "user__email"]
    list_select_related = ["user", "created_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("From comment"))
    def origin(self, block):
        if block.comment_id is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:comments_comment_change", args=[block.comment_id]),
            _("View"),
        )
