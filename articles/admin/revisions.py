"""
Post history (django-reversion): the history list with true summaries, a
readable compare, a restore that keeps the publication state unless the editor
chooses otherwise, recovery of deleted posts, and corrections.

- History: each revision with who, when and what changed, computed from the
  revisions themselves (articles/diffs.py), so it is true whatever the stored
  comment says; pick two to compare, or compare one with the current post.
- Compare: only the fields that changed; text as readers see it, word by word.
- Restore ("revert"): a page that names the post, shows what will change and
  keeps the current status and publication time, unless "Also restore its
  publication state" is ticked; a restore that would take a live post down
  (or move its live time) is refused until the editor confirms it.
- Corrections: an editor marks a revision made while the post was live as a
  correction with a note (articles/corrections.py); readers see it.
"""

import reversion
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from .. import corrections, diffs, publishing, roles
from ..models import Image, Label, LabeledPost, Post
from ..people import display_name

# Stored comments that only repeat Django's "Changed X." (the summary says it
# truly now); older revisions carry them, sometimes wrongly.
_DJANGO_MESSAGES = ("Changed ", "Added", "No fields changed", "Initial version")


def when(moment):
    return date_format(timezone.localtime(moment), "j M Y, H:i")


def version_snapshots(versions):
    """{version pk: snapshot} for versions of a post, labels included (one query for names)."""
    label_rows = {}
    tag_ids = set()
    for version in versions:
        rows = [
            other.field_dict
            for other in version.revision.version_set.all()
            if other._model is LabeledPost
            and other.field_dict.get("content_object_id") == int(version.object_id)
        ]
        rows.sort(key=lambda row: (row["position"], row["id"]))
        label_rows[version.pk] = rows
        tag_ids.update(row["tag_id"] for row in rows)
    names = (
        dict(Label.objects.filter(pk__in=tag_ids).values_list("pk", "name"))
        if tag_ids
        else {}
    )
    snapshots = {}
    for version in versions:
        data = dict(version.field_dict)
        # A label deleted since is gone from the site: it cannot come back.
        data["labels"] = [
            names[row["tag_id"]]
            for row in label_rows[version.pk]
            if row["tag_id"] in names
        ]
        snapshots[version.pk] = data
    return snapshots


def state_words(status, published_at):
    """A publication state in words: "Live since …", "Scheduled for …", "Draft"."""
    state = publishing.state_after(status, published_at)
    if state == publishing.State.LIVE:
        return gettext("Live since %(when)s") % {"when": when(published_at)}
    if state == publishing.State.SCHEDULED:
        return gettext("Scheduled for %(when)s") % {"when": when(published_at)}
    return str(state.label)


def plain_comment(comment):
    """The revision's own note (a restore, a workflow button), not Django's list of fields."""
    comment = (comment or "").strip()
    if not comment:
        return ""
    for start in _DJANGO_MESSAGES:
        if comment.startswith(start) or comment.startswith(gettext(start.strip())):
            return ""
    return comment


class RestoreForm(forms.Form):
    restore_state = forms.BooleanField(required=False)
    confirm = forms.BooleanField(required=False)
    seen_version = forms.IntegerField(widget=forms.HiddenInput)


class CorrectionForm(forms.Form):
    note = forms.CharField(
        label=_("Note for readers"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Say what was wrong and what is right now. Readers see it under the "
            "post with the time of this change."
        ),
    )


def restore_version(*, post_pk, version, snapshot, user, restore_state):
    """
    Bring the post back to `version`'s text, labels and settings, through
    publishing.save_post (the table of moves). The status and publication time
    stay as they are unless `restore_state`. Version numbers keep rising.
    """
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post_pk)
        was = publishing.state_of(post)
        floor = post.version
        for name, _label, kind in diffs.FIELDS:
            if name not in snapshot or name in diffs.STATE_FIELDS:
                continue
            value = snapshot[name]
            if kind == diffs.USER and value is not None:
                model = Post._meta.get_field("author").remote_field.model
                value = value if model.objects.filter(pk=value).exists() else None
            elif kind == diffs.IMAGE and value is not None:
                value = value if Image.objects.filter(pk=value).exists() else None
            if kind in (diffs.LABELS, diffs.POSTS):
                continue
            setattr(post, name, value)
        if restore_state:
            post.status = snapshot.get("status", post.status)
            post.published_at = snapshot.get("published_at", post.published_at)
        post.set_labels(snapshot.get("labels", []))
        for name in ("related_pinned", "related_excluded"):
            if name in snapshot:
                getattr(post, name).set(
                    Post.objects.filter(pk__in=snapshot[name] or []).exclude(pk=post.pk)
                )
        publishing.save_post(post=post, user=user, was=was, version_floor=floor)
    return post


class RevisionsMixin:
    """PostAdmin's history: list, compare, restore, recover and corrections."""

    recover_form_template = "admin/articles/post/recover_form.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/<int:version_id>/correction/",
                self.admin_site.admin_view(self.correction_view),
                name="%s_%s_correction" % info,
            ),
        ] + super().get_urls()

    # The stored change message: only what truly changed.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request._newsroom_changeform = True
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        post = super().get_object(request, object_id, from_field)
        if (
            post is not None
            and request.method == "POST"
            and getattr(request, "_newsroom_changeform", False)
        ):
            # The labels before this save, to tell whether the save changed them.
            post._labels_before = [label.name for label in post.label_list]
        return post

    def construct_change_message(self, request, form, formsets, add=False):
        """
        Django's message names every field whose posted text differs from the
        form's initial one (a body the editor re-serialises, labels a bound
        form has no initial for) and misses what a workflow button changed
        (Publish now sets the status). Name the fields whose saved value
        changed, whatever changed them.
        """
        if add:
            return super().construct_change_message(request, form, formsets, add)
        post = form.instance
        changed = []
        for name, formfield in form.fields.items():
            try:
                model_field = Post._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if name not in form.initial or name == "version":
                continue
            if model_field.many_to_many and name not in form.changed_data:
                continue  # only the form changes these; unchanged costs no query
            before = form.initial.get(name)
            after = model_field.value_from_object(post)
            if model_field.many_to_many:
                before = {getattr(item, "pk", item) for item in before or []}
                after = {getattr(item, "pk", item) for item in after or []}
            elif name in ("body", "premium_body"):
                if diffs.same_markup(before, after):
                    continue
            if (before or None) == (after or None):
                continue
            changed.append(formfield.label or name)
        before_labels = getattr(post, "_labels_before", None)
        if before_labels is not None and before_labels != [
            label.name for label in post.label_list
        ]:
            changed.append(form.fields["chosen_labels"].label)
        with translation.override(None):
            fields = [str(label) for label in changed]
        return [{"changed": {"fields": fields}}] if fields else []

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if isinstance(message, list) and reversion.is_active():
            # The history computes what changed; a comment only repeats it.
            reversion.set_comment("")
        return entry

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if isinstance(message, list) and reversion.is_active():
            reversion.set_comment("")
        return entry

    # Shared checks.

    def _history_post(self, request, object_id, *, change=False):
        post = get_object_or_404(Post, pk=_int_or_404(unquote(str(object_id))))
        allowed = (
            self.has_change_permission(request, post)
            if change
            else self.has_view_or_change_permission(request, post)
        )
        if not allowed:
            raise PermissionDenied
        return post

    def _context(self, request, post, **values):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": post,
            "object": post,
            **values,
        }

    # History.

    def history_view(self, request, object_id, extra_context=None):
        post = self._history_post(request, object_id)
        versions = list(
            Version.objects.get_for_object(post)
            .select_related("revision__user")
            .prefetch_related("revision__version_set")
        )
        snapshots = version_snapshots(versions)
        names = diffs.Names(snapshots.values())
        marked = {
            correction.version_id: correction
            for correction in post.corrections.exclude(version=None)
        }
        can_correct = corrections.may_mark(request.user)
        rows = []
        for index, version in enumerate(versions):
            data = snapshots[version.pk]
            previous = versions[index + 1] if index + 1 < len(versions) else None
            if previous is None:
                summary = [diffs.created_summary(data)]
            else:
                summary = [
                    change.summary
                    for change in diffs.compare(
                        snapshots[previous.pk], data, names=names
                    )
                ] or [gettext("No changes to the post's fields")]
            eligible = previous is not None and corrections.made_while_live(
                snapshots[previous.pk], data, version.revision.date_created
            )
            rows.append(
                {
                    "version": version,
                    "who": display_name(version.revision.user),
                    "summary": summary,
                    "comment": plain_comment(version.revision.comment),
                    "previous": previous,
                    "correction": marked.get(version.pk),
                    "can_correct": can_correct and eligible,
                }
            )
        context = {
            "rows": rows,
            "versions": versions,
            "has_change_permission": self.has_change_permission(request, post),
        }
        context.update(extra_context or {})
        return super().history_view(request, object_id, context)

    # Compare.

    def compare_view(self, request, object_id):
        """Two revisions, or a revision and the current post: only what changed."""
        post = self._history_post(request, object_id)
        raw_a, raw_b = request.GET.get("a", ""), request.GET.get("b", "")
        if not raw_a.isdigit() or not (raw_b.isdigit() or raw_b == "current"):
            return HttpResponseBadRequest(
                gettext("Choose two saved versions of this post to compare.")
            )
        versions = Version.objects.get_for_object(post).select_related("revision__user")
        first = get_object_or_404(versions, pk=int(raw_a))
        second = (
            None if raw_b == "current" else get_object_or_404(versions, pk=int(raw_b))
        )
        if second is not None and second.pk == first.pk:
            messages.error(
                request, gettext("Choose two different versions to compare.")
            )
            return HttpResponseRedirect(
                reverse("admin:articles_post_history", args=[post.pk])
            )
        if second is not None and second.pk < first.pk:
            first, second = second, first
        chosen = [first] + ([second] if second else [])
        snapshots = version_snapshots(
            Version.objects.filter(pk__in=[v.pk for v in chosen]).prefetch_related(
                "revision__version_set"
            )
        )
        old = snapshots[first.pk]
        new = snapshots[second.pk] if second else diffs.snapshot_of_post(post)
        changes = diffs.compare(old, new)
        context = self._context(
            request,
            post,
            title=gettext("Compare versions of “%(title)s”") % {"title": post.title},
            first=first,
            second=second,
            first_label=self._version_label(first),
            second_label=(
                self._version_label(second) if second else gettext("the current post")
            ),
            changes=changes,
        )
        return TemplateResponse(request, "admin/articles/post/compare.html", context)

    def _version_label(self, version):
        return gettext("the version of %(when)s by %(who)s") % {
            "when": when(version.revision.date_created),
            "who": display_name(version.revision.user) or gettext("someone"),
        }

    # Restore.

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Restore a revision: what will change, and the publication state kept."""
        post = self._history_post(request, object_id, change=True)
        version = get_object_or_404(
            Version.objects.get_for_object(post)
            .select_related("revision__user")
            .prefetch_related("revision__version_set"),
            pk=_int_or_404(version_id),
        )
        snapshot = version_snapshots([version])[version.pk]
        form = RestoreForm(
            request.POST if request.method == "POST" else None,
            initial={"seen_version": post.version},
        )
        state = self._restore_state(post, snapshot)
        if request.method == "POST" and form.is_valid():
            done = self._restore(request, post, version, snapshot, form, state)
            if done is not None:
                return done
            post.refresh_from_db()
            state = self._restore_state(post, snapshot)
        elif request.method == "POST":
            return HttpResponseBadRequest(gettext("The restore form was incomplete."))
        current = diffs.snapshot_of_post(post)
        changes = diffs.compare(
            current,
            snapshot,
            fields=[
                name for name, *_rest in diffs.FIELDS if name not in diffs.STATE_FIELDS
            ],
        )
        context = self._context(
            request,
            post,
            title=gettext("Restore an earlier version of “%(title)s”")
            % {"title": post.title},
            version=version,
            version_label=self._version_label(version),
            changes=changes,
            form=form,
            seen_version=post.version,
            **state,
        )
        context.update(extra_context or {})
        return TemplateResponse(
            request,
            "admin/articles/post/revision_form.html",
            context,
            status=400 if form.errors else 200,
        )

    def _restore_state(self, post, snapshot):
        now_live = publishing.state_of(post) == publishing.State.LIVE
        differs = (snapshot.get("status"), snapshot.get("published_at")) != (
            post.status,
            post.published_at,
        )
        target = publishing.state_after(
            snapshot.get("status"), snapshot.get("published_at")
        )
        return {
            "state_now": state_words(post.status, post.published_at),
            "state_then": state_words(
                snapshot.get("status"), snapshot.get("published_at")
            ),
            "state_differs": differs,
            "takes_down": now_live and differs and target != publishing.State.LIVE,
            "moves_live_time": now_live and differs and target == publishing.State.LIVE,
        }

    def _restore(self, request, post, version, snapshot, form, state):
        """Restore and redirect, or add the reason to the form and return None."""
        if form.cleaned_data["seen_version"] != post.version:
            form.add_error(
                None,
                gettext(
                    "The post was saved by someone else after you opened this page. "
                    "Check what would change now, then restore again."
                ),
            )
            return None
        restore_state = form.cleaned_data["restore_state"] and state["state_differs"]
        risky = state["takes_down"] or state["moves_live_time"]
        if restore_state and risky and not form.cleaned_data["confirm"]:
            form.add_error(
                "confirm",
                gettext(
                    "This would take the live post down or change its live time. "
                    "Tick the confirmation to do it, or untick “Also restore its "
                    "publication state”."
                ),
            )
            return None
        message = gettext("Restored the version of %(when)s.") % {
            "when": when(version.revision.date_created)
        }
        try:
            with transaction.atomic(), reversion.create_revision():
                reversion.set_user(request.user)
                restored = restore_version(
                    post_pk=post.pk,
                    version=version,
                    snapshot=snapshot,
                    user=request.user,
                    restore_state=restore_state,
                )
                self.log_change(request, restored, message)
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
            return None
        except PermissionDenied as error:
            form.add_error(None, str(error) or gettext("You may not do that."))
            return None
        self.message_user(
            request,
            gettext("“%(title)s” was restored to the version of %(when)s. %(state)s")
            % {
                "title": restored.title,
                "when": when(version.revision.date_created),
                "state": state_words(restored.status, restored.published_at) + ".",
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:articles_post_change", args=[restored.pk])
        )

    # Recover.

    def recoverlist_view(self, request, extra_context=None):
        if not roles.can_edit_any_post(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not roles.can_edit_any_post(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    # Corrections.

    def correction_view(self, request, object_id, version_id):
        """Mark a revision as a correction with a note, edit the note or remove it."""
        post = self._history_post(request, object_id)
        if not corrections.may_mark(request.user):
            raise PermissionDenied
        versions = list(
            Version.objects.get_for_object(post)
            .select_related("revision__user")
            .prefetch_related("revision__version_set")
        )
        index = next((i for i, v in enumerate(versions) if v.pk == version_id), None)
        if index is None:
            raise Http404
        version = versions[index]
        previous = versions[index + 1] if index + 1 < len(versions) else None
        chosen = [version] + ([previous] if previous else [])
        snapshots = version_snapshots(chosen)
        history_url = reverse("admin:articles_post_history", args=[post.pk])
        existing = post.corrections.filter(version=version).first()
        if previous is None or not corrections.made_while_live(
            snapshots[previous.pk], snapshots[version.pk], version.revision.date_created
        ):
            messages.error(
                request,
                gettext(
                    "Only a change to a post that was already live can be a correction."
                ),
            )
            return HttpResponseRedirect(history_url)
        if request.method == "POST" and "_remove" in request.POST:
            if existing is not None:
                existing.delete()
                messages.success(request, gettext("The correction was removed."))
            return HttpResponseRedirect(history_url)
        form = CorrectionForm(
            request.POST if request.method == "POST" else None,
            initial={"note": existing.note if existing else ""},
        )
        if request.method == "POST" and form.is_valid():
            corrections.mark(
                post=post,
                version=version,
                note=form.cleaned_data["note"],
                user=request.user,
            )
            messages.success(
                request,
                gettext("Readers now see this correction under the post."),
            )
            return HttpResponseRedirect(history_url)
        changes = diffs.compare(snapshots[previous.pk], snapshots[version.pk])
        context = self._context(
            request,
            post,
            title=(
                gettext("Edit the correction")
                if existing
                else pgettext("heading", "Mark as correction")
            ),
            version=version,
            version_label=self._version_label(version),
            changes=changes,
            form=form,
            existing=existing,
        )
        return TemplateResponse(
            request,
            "admin/articles/post/correction_form.html",
            context,
            status=400 if form.errors else 200,
        )


def _int_or_404(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
