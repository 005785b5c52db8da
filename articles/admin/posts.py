"""Posts in the admin: the change form, the list, the workflow buttons and bulk publishing."""

from datetime import timedelta

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin
from reversion.models import Version

from .. import people, preview, publishing, roles
from ..editor import body_field
from ..models import (
    Label,
    LabeledPost,
    Post,
    Status,
)
from ..selectors import RELATED_LIMIT, rank_related_posts
from .filters import LabelFilter, MonthFilter, StateFilter
from .images import ImagePickerMixin
from .labels import LabelActionsMixin
from .revisions import RevisionsMixin

# The change form's buttons and the move each makes.
WORKFLOW_BUTTONS = {
    "_publish_now": publishing.Action.PUBLISH_NOW,
    "_unpublish": publishing.Action.UNPUBLISH,
    "_submit_review": publishing.Action.SUBMIT,
}

# A post's revision holds its labels too, so reverting brings them back.
if not reversion.is_registered(Post):
    reversion.register(LabeledPost)
    reversion.register(Post, follow=["labeled_items"])


class OrderedAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """Shows chosen labels in the post's order (the first two make the breadcrumb)."""

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        order = {str(v): i for i, v in enumerate(value)}
        options = groups[0][1]
        options.sort(key=lambda option: order.get(str(option["value"]), len(order)))
        for index, option in enumerate(options):
            option["index"] = str(index)
        return groups


def last_change(post):
    """(who, when) of the newest saved change to `post`."""
    version = (
        Version.objects.get_for_object(post).select_related("revision__user").first()
    )
    if version is not None and version.revision.user is not None:
        return version.revision.user, version.revision.date_created
    entry = (
        LogEntry.objects.filter(object_id=str(post.pk), content_type__model="post")
        .select_related("user")
        .order_by("-action_time")
        .first()
    )
    if entry is not None:
        return entry.user, entry.action_time
    return None, post.updated_at


def display_name(user):
    return people.display_name(user) or gettext("Someone")


class PostAdminForm(forms.ModelForm):
    body = body_field()
    chosen_labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.all(),
        required=False,
        label=_("Labels"),
        help_text=_(
            "Type to find a label. The first two make the breadcrumb. "
            "To make a label that does not exist yet, use “New labels”."
        ),
        widget=OrderedAutocompleteSelectMultiple(
            Post._meta.get_field("labels"), admin.site
        ),
    )
    new_labels = forms.CharField(
        required=False,
        label=_("New labels"),
        help_text=_("Comma-separated names of labels to create and add."),
        widget=forms.TextInput(attrs={"size": 60}),
    )
    edit_version = forms.IntegerField(
        required=False, widget=forms.HiddenInput, label=_("Version")
    )

    # The user making the change, and what a revert started with (see
    # RevisionsMixin.revision_view); set by PostAdmin.get_form().
    user = None
    reverting = None

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
            "premium_body",
            "related_pinned",
            "related_excluded",
            "exclude_from_news_sitemap",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The state before this form's changes (before the revision it
        # brings back, when reverting): publishing checks the move.
        if self.reverting is not None:
            self.stored_state = self.reverting["was"]
        else:
            self.stored_state = publishing.state_of(self.instance)
        if self.instance.pk:
            self.initial["edit_version"] = self.instance.version
            if not self.is_bound:
                self.initial["chosen_labels"] = [
                    label.pk for label in self.instance.label_list
                ]
        if "status" in self.fields and not roles.can_publish(self.user):
            self.fields["status"].choices = [
                (Status.DRAFT, Status.DRAFT.label),
                (Status.PENDING, Status.PENDING.label),
            ]
            self.fields["status"].help_text = _(
                "Submit the post for review when it is ready; an editor publishes it."
            )

    def clean_chosen_labels(self):
        labels = {str(label.pk): label for label in self.cleaned_data["chosen_labels"]}
        # Keep the order in which the labels were chosen.
        raw = self.data.getlist(self.add_prefix("chosen_labels"))
        return [labels[key] for key in dict.fromkeys(raw) if key in labels]

    def clean_new_labels(self):
        names = [
            name.strip()
            for name in self.cleaned_data["new_labels"].split(",")
            if name.strip()
        ]
        for name in names:
            if len(name) > 100:
                raise ValidationError(
                    _("A label name has at most 100 characters: %(name)s"),
                    params={"name": name[:40]},
                )
        missing = set(names) - set(
            Label.objects.filter(name__in=names).values_list("name", flat=True)
        )
        if missing and not self.user.has_perm("articles.add_label"):
            raise ValidationError(
                _("Only editors create labels. Ask one to create: %(names)s"),
                params={"names": ", ".join(sorted(missing))},
            )
        return names

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == Status.PUBLISHED and not roles.can_publish(self.user):
            self.add_error("status", _("Only editors publish posts."))
        elif status:
            self.check_move(status, cleaned.get("published_at"))
        if self.instance.pk:
            self.check_version(cleaned.get("edit_version"))
        return cleaned

    def check_move(self, status, published_at):
        """Refuse a move the publishing table does not allow, with its reason."""
        pressed = [act for name, act in WORKFLOW_BUTTONS.items() if name in self.data]
        if pressed:
            to = publishing.TRANSITIONS[pressed[0]][1]
        else:
            to = publishing.state_after(status, published_at)
        try:
            publishing.check_move(
                post=self.instance, user=self.user, was=self.stored_state, to=to
            )
        except ValidationError as error:
            self.add_error("status", error)
        except PermissionDenied as error:
            self.add_error("status", str(error))

    def check_version(self, posted):
        """Refuse a save made from a form opened before someone else's save."""
        rows = Post.objects.filter(pk=self.instance.pk)
        if connection.in_atomic_block:
            rows = rows.select_for_update()
        current = rows.values_list("version", flat=True).first()
        if current is None or posted == current:
            return
        who, when = last_change(self.instance)
        # The next save is a deliberate one: it replaces the other change.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_version")] = current
        raise ValidationError(
            _(
                "%(who)s changed this post at %(when)s, after you opened it. "
                "Your text is still in the form below: check their changes "
                "in History, then save again to keep your version."
            ),
            code="stale",
            params={
                "who": display_name(who),
                "when": date_format(timezone.localtime(when), "DATETIME_FORMAT"),
            },
        )

    def label_objects(self):
        """Chosen labels, then the new ones, in order."""
        labels = list(self.cleaned_data.get("chosen_labels", []))
        return [label.name for label in labels] + self.cleaned_data.get(
            "new_labels", []
        )


@admin.register(Post)
class PostAdmin(RevisionsMixin, LabelActionsMixin, ImagePickerMixin, VersionAdmin):
    form = PostAdminForm
    change_form_template = "admin/articles/post/change_form.html"
    object_history_template = "admin/articles/post/object_history.html"
    list_display = [
        "title",
        "state",
        "published_at",
        people.name_column("author", _("author")),
        "label_text",
        "updated_at",
    ]
    list_filter = [StateFilter, LabelFilter, ("author", people.NameFilter), MonthFilter]
    search_fields = [
        "title",
        "summary",
        "author__username",
        "author__first_name",
        "author__last_name",
    ]
    readonly_fields = [
        "permalink",
        "preview_link",
        "created_at",
        "updated_at",
        "related_preview",
    ]
    autocomplete_fields = [
        "featured_image",
        "related_pinned",
        "related_excluded",
    ]
    list_select_related = ["author"]
    actions = ["publish_now", "unpublish", "add_label", "remove_label"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "body",
                    "chosen_labels",
                    "new_labels",
                    "edit_version",
                ]
            },
        ),
        (
            _("Publishing"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "preview_link",
                    "author",
                    "permalink",
                    "slug",
                ]
            },
        ),
        (
            _("Card and search"),
            {
                "fields": [
                    "excerpt",
                    "seo_description",
                    "featured_image",
                    "exclude_from_news_sitemap",
                ]
            },
        ),
        (
            _("RECOMMENDED FOR YOU"),
            {"fields": ["related_preview", "related_pinned", "related_excluded"]},
        ),
        (_("Premium"), {"fields": ["premium_body"], "classes": ["collapse"]}),
        (_("Comments"), {"fields": ["comments_open"]}),
        (
            _("History"),
            {
                "fields": ["blogger_id", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    class Media:
        js = ["js/admin_autosave.js"]
        css = {"all": ["css/admin_newsroom.css"]}

    # Permissions: every view and action asks these.

    def has_change_permission(self, request, obj=None):
        return roles.can_change_post(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return roles.can_delete_post(request.user, obj)

    def has_publish_permission(self, request):
        return roles.can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not roles.can_publish(request.user):
            fields += ["published_at", "author", "slug", "blogger_id"]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        reverting = getattr(request, "_newsroom_revert", None)
        return type(
            form.__name__, (form,), {"user": request.user, "reverting": reverting}
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            # Newsroom staff, and anyone who already signs a post (imported bylines).
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                Q(is_staff=True) | Q(pk__in=Post.objects.values("author_id"))
            ).order_by(people.display_name_expression(), "pk")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = people.display_name
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("labeled_items__tag")

    # Lists.

    @admin.display(description=_("State"), ordering="status")
    def state(self, post):
        if post.is_scheduled():
            return format_html(
                '<strong class="state-scheduled">{}</strong>',
                gettext("Scheduled"),
            )
        if post.is_published():
            return gettext("Live")
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

    @admin.display(description=_("Preview"))
    def preview_link(self, post):
        if post.pk is None:
            return gettext("Save the post to get a preview link.")
        if post.is_published():
            return format_html('<a href="{0}">{0}</a>', post.get_absolute_url())
        url = preview.preview_url(post)
        days = preview.preview_max_age() / timedelta(days=1)
        return format_html(
            '<a class="preview-link" href="{}" target="_blank" rel="noopener">{}</a>'
            '<div class="help">{}</div>',
            url,
            gettext("Open preview"),
            gettext(
                "Anyone with this link can read the post for %(days)d days "
                "without logging in; search engines are told not to index it."
            )
            % {"days": days},
        )

    # Saving.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            wants_publishing = (
                "_publish_now" in request.POST or "_unpublish" in request.POST
            )
            if wants_publishing and not roles.can_publish(request.user):
                raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        can_change = self.has_change_permission(request, obj)
        can_publish = roles.can_publish(request.user)
        context.update(
            show_publish_now=can_change
            and can_publish
            and not (obj and obj.is_published()),
            show_unpublish=can_change
            and can_publish
            and obj is not None
            and obj.status == Status.PUBLISHED,
            show_submit_review=can_change
            and (obj is None or obj.status == Status.DRAFT),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        """Every save goes through articles.publishing (the table of moves)."""
        user, was = request.user, form.stored_state
        reverting = getattr(request, "_newsroom_revert", None)
        if reverting is not None:
            publishing.revert(post=obj, user=user, **reverting)
        elif "_publish_now" in request.POST and was != publishing.State.LIVE:
            publishing.publish_now(post=obj, user=user, was=was)
        elif "_unpublish" in request.POST and obj.status == Status.PUBLISHED:
            publishing.take_down(post=obj, user=user, was=was)
        elif "_submit_review" in request.POST and was in (
            publishing.State.NEW,
            publishing.State.DRAFT,
        ):
            publishing.submit(post=obj, user=user, was=was)
        else:
            publishing.save_post(post=obj, user=user, was=was)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.set_labels(form.label_objects())

    def response_change(self, request, obj):
        if any(button in request.POST for button in WORKFLOW_BUTTONS):
            self.message_user(
                request,
                gettext("“%(title)s” is now: %(state)s.")
                % {"title": obj.title, "state": self.state(obj)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "image-picker/",
                self.admin_site.admin_view(self.image_picker_view),
                name="%s_%s_image_picker" % info,
            ),
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="%s_%s_compare" % info,
            ),
        ] + super().get_urls()

    # Bulk actions.

    @admin.action(description=_("Publish selected posts now"), permissions=["publish"])
    def publish_now(self, request, queryset):
        count = 0
        for post in queryset.exclude(pk__in=Post.objects.published().values("pk")):
            publishing.publish_now(post=post, user=request.user)
            self.log_change(request, post, gettext("Published now."))
            count += 1
        self.message_user(
            request,
            ngettext("%d post published.", "%d posts published.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected posts"), permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for post in queryset.filter(status=Status.PUBLISHED):
            publishing.take_down(post=post, user=request.user)
            self.log_change(request, post, gettext("Unpublished."))
            count += 1
        self.message_user(
            request,
            ngettext("%d post unpublished.", "%d posts unpublished.", count) % count,
            messages.SUCCESS,
        )
