"""Posts in the admin: the change form, the list, the workflow buttons and bulk publishing."""

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timeuntil
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from reversion.admin import VersionAdmin
from reversion.models import Version

from .. import people, preview, publishing, review, roles, search
from ..editor import body_field
from ..models import (
    Label,
    LabeledPost,
    Post,
    PreviewLink,
    ReviewNote,
    Status,
)
from ..selectors import RELATED_LIMIT, related_posts
from .agenda import AgendaMixin
from .filters import LabelFilter, MonthFilter, StateFilter
from .images import ImagePickerMixin
from .labels import LabelActionsMixin
from .lists import QuickActionCheckbox
from .paging import LargeListPaginator
from .revisions import RevisionsMixin

# The change form's action bar: each button and the move it makes. "_save"
# (Save draft, Save, Update) keeps the post in its state.
WORKFLOW_BUTTONS = {
    "_publish_now": publishing.Action.PUBLISH_NOW,
    "_schedule": publishing.Action.SCHEDULE,
    "_unschedule": publishing.Action.UNSCHEDULE,
    "_unpublish": publishing.Action.UNPUBLISH,
    "_submit_review": publishing.Action.SUBMIT,
    "_withdraw": publishing.Action.WITHDRAW,
    "_request_changes": publishing.Action.REQUEST_CHANGES,
}
# The admin's post search on PostgreSQL lists this many newest matches.
SEARCH_RESULTS = 1000
# The buttons only editors see (403 for anyone else who sends one).
EDITOR_BUTTONS = [
    name
    for name, action in WORKFLOW_BUTTONS.items()
    if publishing.TRANSITIONS[action][2] == publishing.EDITOR
]


class ScheduleInput(forms.DateTimeInput):
    """The browser's own date-time picker; the value is in the site's zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def zone_label():
    """The site's zone as editors read it: "Asia/Kolkata, IST"."""
    now = timezone.localtime()
    return "%s, %s" % (timezone.get_current_timezone_name(), now.tzname())


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


def authors_matching(term):
    """People whose username, first or last name holds each word of `term`."""
    users = get_user_model().objects.all()
    for word in term.split()[:10]:
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return users


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
    # The action bar's fields (drawn by the change form's template).
    schedule_at = forms.DateTimeField(
        required=False, label=_("Go live at"), widget=ScheduleInput
    )
    review_note = forms.CharField(
        required=False,
        label=_("Note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
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
        labels = {"seo_description": _("SEO description")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The state before this form's changes: publishing checks the move.
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
        # The action bar moves the post; status and time ride along
        # unchanged (a client that sends them still moves it, through the
        # same checks).
        if "status" in self.fields:
            self.fields["status"].widget = forms.HiddenInput()
        if "published_at" in self.fields:
            self.fields["published_at"].widget = forms.SplitHiddenDateTimeWidget()
        self.fields["schedule_at"].label = _("Go live at (%(zone)s)") % {
            "zone": zone_label()
        }
        self.fields["schedule_at"].widget.attrs["min"] = timezone.localtime().strftime(
            "%Y-%m-%dT%H:%M"
        )
        if self.stored_state == publishing.State.SCHEDULED:
            self.initial["schedule_at"] = timezone.localtime(self.instance.published_at)

    def move_error(self, error):
        """A refused move, under the status field when it shows, else on top."""
        field = "status"
        if field not in self.fields or self.fields[field].widget.is_hidden:
            field = None
        self.add_error(field, error)

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
            self.move_error(_("Only editors publish posts."))
        elif status:
            self.check_move(status, cleaned.get("published_at"))
        if "_schedule" in self.data:
            self.check_schedule(cleaned.get("schedule_at"))
        if "_request_changes" in self.data and not cleaned.get("review_note", ""):
            self.add_error("review_note", _("Write what the writer should change."))
        if self.instance.pk:
            self.check_version(cleaned.get("edit_version"))
        return cleaned

    def check_schedule(self, at):
        """Schedule…: a time is chosen, and it is in the future."""
        if "schedule_at" in self.errors:
            return
        if at is None:
            self.add_error("schedule_at", _("Choose the date and time to go live."))
        elif at <= timezone.now():
            self.add_error(
                "schedule_at",
                _("%(when)s has passed: choose a time in the future.")
                % {"when": review.when(at)},
            )

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
            self.move_error(error)
        except PermissionDenied as error:
            self.move_error(str(error))

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
class PostAdmin(
    QuickActionCheckbox,
    AgendaMixin,
    RevisionsMixin,
    LabelActionsMixin,
    ImagePickerMixin,
    VersionAdmin,
):
    form = PostAdminForm
    change_form_template = "admin/articles/post/change_form.html"
    change_list_template = "admin/articles/post/change_list.html"
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
        "state_summary",
        "review_request",
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
    # Deep pages and counts cost what page 1 does at any size (admin/paging.py).
    paginator = LargeListPaginator
    show_full_result_count = False
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
                    "state_summary",
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
        (
            _("Premium"),
            {"fields": ["premium_mode", "premium_body"], "classes": ["collapse"]},
        ),
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
        js = ["js/admin_autosave.js", "js/admin_schedule.js"]
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
            # Exists: one probe of the author index per person, not a pass
            # over every post.
            signs = Exists(Post.objects.filter(author=OuterRef("pk")))
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                Q(is_staff=True) | signs
            ).order_by(people.display_name_expression(), "pk")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = people.display_name
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("labeled_items__tag")

    def get_search_results(self, request, queryset, search_term):
        """
        Posts whose title, labels, excerpt or body hold every word (the
        full-text index, not a read of every post), whose author's name holds
        them, or whose id or public id is the number. On PostgreSQL the
        SEARCH_RESULTS newest of each kind (docs/search.md).
        """
        matched = search.matching_ids(
            search_term, using=queryset.db, newest=SEARCH_RESULTS
        )
        if matched is None:
            return super().get_search_results(request, queryset, search_term)
        # The people first (a short table): a post list filtered by an
        # empty subquery walked every post's date looking for one.
        authors = list(authors_matching(search_term).values_list("pk", flat=True)[:100])
        others = Q(author__in=authors)
        term = search_term.strip()
        if term.isdigit() and len(term) < 20:
            others |= Q(pk=int(term)) | Q(public_id=int(term))
        others = Post.objects.filter(others).newest_first().values("pk")
        if connections[queryset.db].vendor == "postgresql":
            # The ids once (at most twice SEARCH_RESULTS), so the count and
            # the page do not each find them again; an OR of two subqueries
            # made PostgreSQL test every post.
            found = matched.union(others[:SEARCH_RESULTS])
            ids = [row["post_id"] for row in found]
            return queryset.filter(pk__in=ids), False
        return queryset.filter(Q(pk__in=matched) | Q(pk__in=others)), False

    # Lists.

    @admin.display(description=_("State"), ordering="status")
    def state(self, post):
        """A chip: Draft, In review, Scheduled for <time>, Live."""
        state = publishing.state_of(post)
        return format_html(
            '<span class="state-chip state-{}">{}</span>',
            state.value,
            review.state_text(post),
        )

    @admin.display(description=_("State"))
    def state_summary(self, post):
        """The state in words on the form; the action bar below changes it."""
        if post.pk is None:
            return gettext("New: not saved yet.")
        return self.state(post)

    @admin.display(description=_("Review"))
    def review_request(self, post):
        """The newest review step the reader of the form must act on."""
        note = getattr(post, "_review_step", None)
        if note is None:
            return ""
        if note.kind == ReviewNote.Kind.CHANGES_REQUESTED:
            heading = gettext("%(editor)s asked for changes on %(when)s:")
        else:
            heading = gettext("%(editor)s submitted this post for review on %(when)s.")
        heading %= {
            "editor": display_name(note.author),
            "when": review.when(note.created_at),
        }
        return format_html(
            '<div class="review-note review-{}"><p><strong>{}</strong></p>{}</div>',
            note.kind,
            heading,
            format_html("<blockquote>{}</blockquote>", note.note) if note.note else "",
        )

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
        # The ranking readers get, cached until a post, label or pin changes
        # (ranking 10,000 posts afresh took 77 ms on every opening of the form).
        pins = Post.related_pinned.through.objects.filter(
            from_post=post.pk, to_post=OuterRef("pk")
        )
        related = related_posts(post, limit=RELATED_LIMIT).annotate(pinned=Exists(pins))
        for other in related.for_cards():
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
        links = self.active_preview_links(post)
        if not links:
            return format_html(
                '<a href="#preview-links">{}</a>', gettext("No preview link yet.")
            )
        newest = links[0]
        return format_html(
            '<a class="preview-link" href="{}" target="_blank" rel="noopener">{}</a>'
            ' <span class="help">{}</span>',
            preview.link_url(newest),
            gettext("Open preview"),
            gettext("expires %(when)s") % {"when": review.when(newest.expires_at)},
        )

    def active_preview_links(self, post):
        if not hasattr(post, "_active_preview_links"):
            post._active_preview_links = list(
                post.preview_links.active().select_related("created_by")
            )
        return post._active_preview_links

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        step = self.review_step(obj)
        if step is None:
            return fieldsets
        if obj is not None:
            obj._review_step = step
        title = (
            _("Changes requested")
            if step.kind == ReviewNote.Kind.CHANGES_REQUESTED
            else _("In review")
        )
        return [(title, {"fields": ["review_request"], "classes": ["review"]})] + [
            fieldset for fieldset in fieldsets if fieldset[0] != title
        ]

    def review_step(self, post):
        """
        What the form shows on top: an editor's request for changes until the
        writer submits again, or on a post in review, who submitted it.
        """
        if post is None or post.pk is None:
            return None
        if not hasattr(post, "_review_step"):
            step = post.reviews.select_related("author").first()
            wanted = {
                Status.DRAFT: ReviewNote.Kind.CHANGES_REQUESTED,
                Status.PENDING: ReviewNote.Kind.SUBMITTED,
            }.get(post.status)
            post._review_step = step if step and step.kind == wanted else None
        return post._review_step

    # Saving.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            wants_publishing = any(name in request.POST for name in EDITOR_BUTTONS)
            if wants_publishing and not roles.can_publish(request.user):
                raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        form = context["adminform"].form
        context.update(self.action_bar(request, obj, form.stored_state))
        if obj is not None and obj.pk and not obj.is_published():
            context["preview_links"] = [
                (
                    link,
                    preview.link_url(link),
                    review.when(link.expires_at),
                    people.display_name(link.created_by),
                )
                for link in self.active_preview_links(obj)
            ]
            now = timezone.now()
            context["preview_lifetime"] = timeuntil(
                now + preview.preview_max_age(), now
            )
            context["may_revoke_previews"] = roles.can_publish(request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def action_bar(self, request, obj, state):
        """Which buttons the form's action bar shows, by state and role."""
        State = publishing.State
        can_change = self.has_change_permission(request, obj)
        editor = can_change and roles.can_publish(request.user)
        save_labels = {
            State.NEW: _("Save draft"),
            State.DRAFT: _("Save draft"),
            State.PENDING: _("Save"),
            State.SCHEDULED: _("Save"),
            State.LIVE: _("Update"),
        }
        return {
            "post_state": state.value,
            "show_save": can_change,
            "save_label": save_labels[state],
            "show_submit_review": can_change
            and not editor
            and state in (State.NEW, State.DRAFT),
            "show_withdraw": can_change and not editor and state == State.PENDING,
            "show_publish_now": editor and state != State.LIVE,
            "show_schedule": editor and state != State.LIVE,
            "show_unschedule": editor and state == State.SCHEDULED,
            "show_unpublish": editor and state == State.LIVE,
            "show_request_changes": editor and state == State.PENDING,
            "zone_label": zone_label(),
        }

    def save_model(self, request, obj, form, change):
        """Every save goes through articles.publishing (the table of moves)."""
        user, was = request.user, form.stored_state
        State = publishing.State
        pressed = request.POST
        note = form.cleaned_data.get("review_note", "")
        if "_publish_now" in pressed and was != State.LIVE:
            publishing.publish_now(post=obj, user=user, was=was)
        elif "_schedule" in pressed:
            at = form.cleaned_data["schedule_at"]
            publishing.schedule_or_reschedule(post=obj, user=user, at=at, was=was)
        elif "_unschedule" in pressed and was == State.SCHEDULED:
            publishing.unschedule(post=obj, user=user, was=was)
        elif "_unpublish" in pressed and obj.status == Status.PUBLISHED:
            publishing.take_down(post=obj, user=user, was=was)
        elif "_submit_review" in pressed and was in (State.NEW, State.DRAFT):
            publishing.submit(post=obj, user=user, was=was, note=note)
            self.after_commit(request, obj, review.notify_submitted)
        elif "_withdraw" in pressed and was == State.PENDING:
            publishing.withdraw(post=obj, user=user, was=was)
        elif "_request_changes" in pressed and was == State.PENDING:
            publishing.request_changes(post=obj, user=user, was=was, note=note)
            self.after_commit(request, obj, review.notify_changes_requested)
        else:
            publishing.save_post(post=obj, user=user, was=was)
            if was in (State.NEW, State.DRAFT) and obj.status == Status.PENDING:
                # Submitted the old way (the status sent as "pending").
                self.after_commit(request, obj, review.notify_submitted)

    def after_commit(self, request, post, notify):
        """Send the review step's mail once the move is saved for good."""
        base_url = request.build_absolute_uri("/")[:-1]
        step = post.reviews.select_related("post__author", "author").first()
        transaction.on_commit(lambda: notify(step, base_url=base_url), robust=True)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.set_labels(form.label_objects())

    def response_add(self, request, obj, post_url_continue=None):
        if self.pressed_action_bar(request):
            self.message_user(
                request, self.moved_message(request, obj), messages.SUCCESS
            )
            return HttpResponseRedirect(
                reverse("admin:articles_post_change", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self.pressed_action_bar(request):
            self.message_user(
                request, self.moved_message(request, obj), messages.SUCCESS
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def pressed_action_bar(self, request):
        if "_popup" in request.POST:
            return False
        return "_save" in request.POST or any(
            button in request.POST for button in WORKFLOW_BUTTONS
        )

    def moved_message(self, request, post):
        """What the button did, naming the state and, when scheduled, the time."""
        State = publishing.State
        state = publishing.state_of(post)
        when = {"when": review.when(post.published_at)}
        pressed = request.POST
        if "_submit_review" in pressed:
            return gettext("Submitted for review — the editors have been told.")
        if "_request_changes" in pressed:
            return gettext("Changes requested — %(writer)s has been told.") % {
                "writer": display_name(post.author)
            }
        if "_withdraw" in pressed:
            return gettext("Taken back from review. The post is a draft again.")
        if "_publish_now" in pressed:
            return gettext("Published. The post is live.")
        if "_schedule" in pressed:
            return gettext("Scheduled for %(when)s.") % when
        if "_unschedule" in pressed:
            return gettext("Unscheduled. The post is a draft again.")
        if "_unpublish" in pressed:
            return gettext("Unpublished. The post is a draft again.")
        return {
            State.DRAFT: gettext("Draft saved."),
            State.PENDING: gettext("Saved. The post is in review."),
            State.SCHEDULED: gettext("Saved. Scheduled for %(when)s.") % when,
            State.LIVE: gettext("Updated. The post is live."),
        }[state]

    # Preview links: made and revoked from the form (POST, CSRF, permission).

    def new_preview_view(self, request, object_id):
        post = self.post_for_preview(request, object_id)
        if not self.has_change_permission(request, post) and not roles.can_publish(
            request.user
        ):
            raise PermissionDenied
        link = preview.create_link(post, request.user)
        self.message_user(
            request,
            gettext(
                "Preview link made: anyone with it can read the post until %(when)s."
            )
            % {"when": review.when(link.expires_at)},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self.change_url(post) + "#preview-links")

    def revoke_preview_view(self, request, object_id, link_id):
        post = self.post_for_preview(request, object_id)
        link = get_object_or_404(PreviewLink, pk=link_id, post=post)
        if not roles.can_publish(request.user):
            raise PermissionDenied
        preview.revoke(link)
        self.message_user(
            request,
            gettext("Preview link revoked: it no longer opens the post."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self.change_url(post) + "#preview-links")

    def post_for_preview(self, request, object_id):
        post = self.get_object(request, object_id)
        if post is None:
            raise Http404(gettext("No such post."))
        if not self.has_view_permission(request, post):
            raise PermissionDenied
        return post

    def change_url(self, post):
        return reverse("admin:articles_post_change", args=[post.pk])

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
            path(
                "<path:object_id>/preview-links/new/",
                self.admin_site.admin_view(require_POST(self.new_preview_view)),
                name="%s_%s_preview_new" % info,
            ),
            path(
                "<path:object_id>/preview-links/<int:link_id>/revoke/",
                self.admin_site.admin_view(require_POST(self.revoke_preview_view)),
                name="%s_%s_preview_revoke" % info,
            ),
            *self.agenda_urls(),
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
