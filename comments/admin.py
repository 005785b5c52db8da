from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import people

from . import services
from .models import Comment, CommentSettings, ModerationEvent

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


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: pending comments first, decisions through the services."""

    list_display = [
        "status",
        "excerpt",
        "name",
        "target_link",
        "ip_address",
        "created_at",
    ]
    list_display_links = ["excerpt"]
    list_filter = [
        "status",
        ("post", admin.RelatedOnlyFieldListFilter),
        ("page", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "email", "text", "ip_address"]
    list_select_related = ["post", "page"]
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
    inlines = [ModerationEventInline]

    def get_ordering(self, request):
        return [PENDING_FIRST.asc(), "-created_at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm("comments.moderate_comment")

    @admin.display(description=_("Comment"))
    def excerpt(self, comment):
        return Truncator(comment.text).chars(120)

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
class CommentSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not CommentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
