"""Post history (django-reversion): compare two revisions, revert, recover."""

import difflib
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from .. import publishing, roles
from ..models import (
    Label,
    LabeledPost,
    Post,
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


class RevisionsMixin:
    """PostAdmin's history views: reverting keeps version numbers rising (and goes
    through publishing.revert), recovery is for editors, compare shows two revisions."""

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            stored = (
                Post.objects.filter(pk=object_id)
                .values_list("version", "status", "published_at")
                .first()
            )
            version = Version.objects.filter(pk=version_id).first()
            if stored is not None and version is not None:
                # Read before django-reversion writes the revision back.
                request._newsroom_revert = {
                    "version": version,
                    "was": publishing.state_after(*stored[1:]),
                    "version_floor": stored[0],
                }
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
