"""The post list's filters: state (draft, review, scheduled, live), label, month."""

from django.contrib import admin
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..models import (
    Label,
    Post,
)
from ..views import archive_bounds


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        # The list's state chips say the same words.
        return [
            ("draft", _("Draft")),
            ("pending", _("In review")),
            ("scheduled", _("Scheduled")),
            ("live", _("Live")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "draft":
            return queryset.drafts()
        if value == "pending":
            return queryset.pending()
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
