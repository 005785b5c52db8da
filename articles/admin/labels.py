"""Labels: the label admin (counts, rename, merge) and the bulk label actions on posts."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import counts
from ..labels import label_merge, label_rename
from ..models import Label, LabelRedirect


class LabelActionForm(forms.Form):
    label = forms.ModelChoiceField(queryset=Label.objects.order_by("name"))


class LabelActionsMixin:
    """PostAdmin's bulk actions that add or remove one label on the chosen posts."""

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


class MergeLabelsForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Label.objects.order_by("name"), label=_("Merge into")
    )


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "live_count", "total_count"]
    search_fields = ["name"]
    # Alphabetical, in the list and in the post form's label search (whose pages
    # need a stable order).
    ordering = ["name"]
    readonly_fields = ["slug"]
    fields = ["name", "slug", "exclude_from_news_sitemap"]
    actions = ["merge_labels"]

    def get_queryset(self, request):
        # The kept counts (articles/counts.py), not a join of every label row.
        return counts.with_kept_counts(super().get_queryset(request))

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
