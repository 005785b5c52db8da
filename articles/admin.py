import difflib
import re
from datetime import timedelta

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin
from reversion.models import Version

from . import preview, roles, thumbnails
from .editor import BODY_IMAGE_SIZE, body_field
from .forms import ImageAdminForm
from .labels import label_merge, label_rename
from .models import (
    Image,
    Label,
    LabeledPost,
    LabelRedirect,
    Page,
    Post,
    SiteSettings,
    Status,
    visible_q,
)
from .selectors import RELATED_LIMIT, rank_related_posts
from .views import archive_bounds

WORKFLOW_BUTTONS = ("_publish_now", "_unpublish", "_submit_review")

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
    if user is None:
        return gettext("Someone")
    return user.get_full_name() or user.get_username()


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

    # The user making the change; set by PostAdmin.get_form().
    user = None

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
        if self.instance.pk:
            self.check_version(cleaned.get("edit_version"))
        return cleaned

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


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("pending", _("Pending review")),
            ("scheduled", _("Scheduled")),
            ("live", _("Live")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "draft":
            return queryset.filter(status=Status.DRAFT)
        if value == "pending":
            return queryset.filter(status=Status.PENDING)
        if value == "scheduled":
            return queryset.scheduled()
        if value == "live":
            return queryset.published()
        return queryset


class LabelFilter(admin.SimpleListFilter):
    title = _("label")
    parameter_name = "label"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Label.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(labeled_items__tag_id=self.value())
        return queryset


class MonthFilter(admin.SimpleListFilter):
    title = _("month")
    parameter_name = "month"

    def lookups(self, request, model_admin):
        months = Post.objects.datetimes(
            "published_at",
            "month",
            order="DESC",
            tzinfo=timezone.get_current_timezone(),
        )[:36]
        return [
            (month.strftime("%Y-%m"), date_format(month, "YEAR_MONTH_FORMAT"))
            for month in months
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            year, month = (int(part) for part in self.value().split("-"))
            start, end = archive_bounds(year, month)
        except (ValueError, Http404):
            return queryset.none()
        return queryset.filter(published_at__gte=start, published_at__lt=end)


class LabelActionForm(forms.Form):
    label = forms.ModelChoiceField(queryset=Label.objects.order_by("name"))


@admin.register(Post)
class PostAdmin(VersionAdmin):
    form = PostAdminForm
    change_form_template = "admin/articles/post/change_form.html"
    object_history_template = "admin/articles/post/object_history.html"
    list_display = [
        "title",
        "state",
        "published_at",
        "author",
        "label_text",
        "updated_at",
    ]
    list_filter = [StateFilter, LabelFilter, "author", MonthFilter]
    search_fields = ["title", "summary", "author__username", "author__last_name"]
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
        return type(form.__name__, (form,), {"user": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            # Newsroom staff, and anyone who already signs a post (imported bylines).
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                Q(is_staff=True) | Q(pk__in=Post.objects.values("author_id"))
            ).order_by("first_name", "last_name", "username")
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
        if obj.author_id is None:
            obj.author = request.user
        if "_publish_now" in request.POST:
            obj.status = Status.PUBLISHED
            obj.published_at = timezone.now()
        elif "_unpublish" in request.POST:
            obj.status = Status.DRAFT
        elif "_submit_review" in request.POST:
            obj.status = Status.PENDING
        floor = getattr(request, "_newsroom_version_floor", None)
        if floor is not None:
            obj.version = max(obj.version, floor)
        super().save_model(request, obj, form, change)

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

    # History: reverting keeps version numbers rising, recovery is for editors.

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            request._newsroom_version_floor = (
                Post.objects.filter(pk=object_id)
                .values_list("version", flat=True)
                .first()
            )
        return super().revision_view(request, object_id, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not roles.can_edit_any_post(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not roles.can_edit_any_post(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        versions = Version.objects.get_for_object_reference(
            Post, object_id
        ).select_related("revision__user")
        context = {"versions": versions}
        context.update(extra_context or {})
        return super().history_view(request, object_id, context)

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

    def compare_view(self, request, object_id):
        """Two revisions of a post side by side, field by field."""
        post = get_object_or_404(Post, pk=object_id)
        if not self.has_view_or_change_permission(request, post):
            raise PermissionDenied
        versions = Version.objects.get_for_object(post)
        try:
            first = versions.get(pk=request.GET.get("a"))
            second = versions.get(pk=request.GET.get("b"))
        except (Version.DoesNotExist, ValueError):
            messages.error(request, gettext("Choose two revisions to compare."))
            return HttpResponseRedirect(
                reverse("admin:articles_post_history", args=[post.pk])
            )
        if first.pk > second.pk:
            first, second = second, first
        differ = difflib.HtmlDiff(wrapcolumn=70)
        changes = []
        for name in [
            "title",
            "body",
            "excerpt",
            "seo_description",
            "status",
            "published_at",
            "premium_body",
        ]:
            old = _lines(first.field_dict.get(name))
            new = _lines(second.field_dict.get(name))
            if old != new:
                changes.append(
                    {
                        "name": Post._meta.get_field(name).verbose_name,
                        "table": mark_safe(  # noqa: S308 - HtmlDiff escapes the text.
                            differ.make_table(old, new, context=True, numlines=2)
                        ),
                    }
                )
        old, new = _revision_labels(first), _revision_labels(second)
        if old != new:
            changes.append(
                {
                    "name": _("labels"),
                    "table": mark_safe(  # noqa: S308 - HtmlDiff escapes the text.
                        differ.make_table(old, new)
                    ),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": post,
            "title": gettext("Compare revisions of “%(title)s”")
            % {"title": post.title},
            "first": first,
            "second": second,
            "changes": changes,
        }
        return TemplateResponse(request, "admin/articles/post/compare.html", context)

    def image_picker_view(self, request):
        """The rich-text editor's "Browse..." window: images from the library."""
        if not request.user.has_perm("articles.view_image"):
            raise PermissionDenied
        images = Image.objects.all()
        query = request.GET.get("q", "").strip()[:100]
        if query:
            images = images.filter(
                Q(alt_text__icontains=query)
                | Q(filename__icontains=query)
                | Q(caption__icontains=query)
            )
        page = Paginator(images, 40).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Choose an image"),
            "is_popup": True,
            "page_obj": page,
            "images": [(image, image.url(BODY_IMAGE_SIZE)) for image in page],
            "query": query,
            "func_num": request.GET.get("CKEditorFuncNum", ""),
        }
        return TemplateResponse(request, "admin/articles/image_picker.html", context)

    # Bulk actions.

    @admin.action(description=_("Publish selected posts now"), permissions=["publish"])
    def publish_now(self, request, queryset):
        count = 0
        for post in queryset.exclude(pk__in=Post.objects.published().values("pk")):
            post.status = Status.PUBLISHED
            post.published_at = timezone.now()
            post.save()
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
            post.status = Status.DRAFT
            post.save()
            self.log_change(request, post, gettext("Unpublished."))
            count += 1
        self.message_user(
            request,
            ngettext("%d post unpublished.", "%d posts unpublished.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Add a label to selected posts"), permissions=["change"]
    )
    def add_label(self, request, queryset):
        return self._label_action(request, queryset, "add_label")

    @admin.action(
        description=_("Remove a label from selected posts"), permissions=["change"]
    )
    def remove_label(self, request, queryset):
        return self._label_action(request, queryset, "remove_label")

    def _label_action(self, request, queryset, action):
        refused = [
            post for post in queryset if not self.has_change_permission(request, post)
        ]
        if refused:
            self.message_user(
                request,
                gettext("You may not change: %(titles)s. Nothing was changed.")
                % {"titles": ", ".join(post.title for post in refused[:5])},
                messages.ERROR,
            )
            return None
        form = LabelActionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            label = form.cleaned_data["label"]
            count = 0
            for post in queryset:
                names = [item.name for item in post.label_list]
                if action == "add_label" and label.name not in names:
                    post.set_labels(names + [label.name])
                elif action == "remove_label" and label.name in names:
                    post.set_labels([name for name in names if name != label.name])
                else:
                    continue
                post.save()
                self.log_change(request, post, gettext("Labels changed."))
                count += 1
            self.message_user(
                request,
                ngettext("%d post changed.", "%d posts changed.", count) % count,
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.get_action_choices(request)
            and dict(self.get_action_choices(request)).get(action),
            "form": form,
            "posts": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/articles/post/label_action.html", context
        )


def _revision_labels(version):
    """Label names a post had in `version`'s revision, in the post's order."""
    items = [
        other.field_dict
        for other in version.revision.version_set.all()
        if other._model is LabeledPost
        and other.field_dict.get("content_object_id") == version.field_dict["id"]
    ]
    items.sort(key=lambda item: (item["position"], item["id"]))
    names = dict(
        Label.objects.filter(pk__in=[item["tag_id"] for item in items]).values_list(
            "pk", "name"
        )
    )
    return [names.get(item["tag_id"], "#%s" % item["tag_id"]) for item in items]


def _lines(value):
    """Text split where a reader sees a new line, so diffs stay readable."""
    text = "" if value is None else str(value)
    return re.sub(
        r"(</(?:p|h\d|li|pre|blockquote|figure|ul|ol|table|tr)>)", r"\1\n", text
    ).splitlines()


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
class PageAdmin(VersionAdmin):
    form = PageAdminForm
    change_form_template = "admin/articles/post/change_form.html"
    list_display = ["title", "slug", "status", "published_at", "show_in_menu"]
    list_filter = ["status", "show_in_menu"]
    search_fields = ["title"]

    class Media:
        js = ["js/admin_autosave.js"]
        css = {"all": ["css/admin_newsroom.css"]}

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)


class MergeLabelsForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Label.objects.order_by("name"), label=_("Merge into")
    )


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "live_count", "total_count"]
    search_fields = ["name"]
    readonly_fields = ["slug"]
    fields = ["name", "slug", "exclude_from_news_sitemap"]
    actions = ["merge_labels"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                live=Count(
                    "labeled_posts",
                    filter=visible_q("labeled_posts__content_object__"),
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

    def save_model(self, request, obj, form, change):
        if change and "name" in form.changed_data:
            old_name = form.initial["name"]
            new_name = obj.name
            obj.name = old_name
            label_rename(label=obj, new_name=new_name)
            return
        super().save_model(request, obj, form, change)
        # A new label takes its name's address back from any old redirect.
        LabelRedirect.objects.filter(old_name=obj.name).delete()

    @admin.action(
        description=_("Merge selected labels into one"), permissions=["change"]
    )
    def merge_labels(self, request, queryset):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        form = MergeLabelsForm(request.POST if "apply" in request.POST else None)
        form.fields["target"].queryset = Label.objects.order_by("name")
        if form.is_valid():
            target = form.cleaned_data["target"]
            sources = [label for label in queryset if label.pk != target.pk]
            label_merge(sources=sources, target=target)
            self.message_user(
                request,
                gettext("Merged %(names)s into %(target)s.")
                % {
                    "names": ", ".join(label.name for label in sources),
                    "target": target.name,
                },
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Merge labels"),
            "form": form,
            "labels": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/label/merge.html", context)


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = ["preview", "alt_text", "filename", "width", "height", "uploaded_at"]
    search_fields = ["alt_text", "filename", "caption"]
    readonly_fields = [
        "large_preview",
        "width",
        "height",
        "format",
        "filesize",
        "key",
        "embed_html",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file", "alt_text", "caption", "filename"]
        return ["large_preview", "alt_text", "caption", "embed_html", "filename"] + [
            "file",
            "width",
            "height",
            "format",
            "filesize",
            "key",
        ]

    def get_readonly_fields(self, request, obj=None):
        # The file and its name make the public address: fixed once uploaded.
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "file", "filename"]

    @admin.display(description=_("Preview"))
    def preview(self, image):
        if not image.pk:
            return ""
        return format_html(
            '<img src="{}" alt="" width="72" height="72" loading="lazy">',
            image.url(thumbnails.THUMBNAIL),
        )

    @admin.display(description=_("Preview"))
    def large_preview(self, image):
        dimensions = image.dimensions(thumbnails.CARD)
        if not dimensions:
            return ""
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}">',
            image.url(thumbnails.CARD),
            *dimensions,
        )

    @admin.display(description=_("HTML for a post body"))
    def embed_html(self, image):
        dimensions = image.dimensions(BODY_IMAGE_SIZE)
        if not dimensions:
            return ""
        return format_html(
            "<code>{}</code>",
            format_html(
                '<img src="{}" alt="{}" width="{}" height="{}">',
                image.url(BODY_IMAGE_SIZE),
                image.alt_text,
                *dimensions,
            ),
        )

    def save_model(self, request, obj, form, change):
        if obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
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
