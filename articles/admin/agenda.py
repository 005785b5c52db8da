"""
The agenda: scheduled posts and the last week's published ones, by day in the
site's time zone; editors move a scheduled post to another time from it.
"""

from collections import defaultdict
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import people, publishing, review, roles
from ..models import Post, scheduled_q, visible_q

# Days of published posts the agenda looks back over, today included.
RECENT_DAYS = 7
# At most this many posts of each kind on the page (a constant cost).
AGENDA_LIMIT = 300


class GoLiveInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RescheduleForm(forms.Form):
    go_live = forms.DateTimeField(label=_("New time"), widget=GoLiveInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["go_live"].widget.attrs["min"] = timezone.localtime().strftime(
            "%Y-%m-%dT%H:%M"
        )

    def clean_go_live(self):
        at = self.cleaned_data["go_live"]
        if at <= timezone.now():
            raise ValidationError(
                _("%(when)s has passed: choose a time in the future."),
                params={"when": review.when(at)},
            )
        return at


def day_start(moment):
    """Midnight of `moment`'s day in the current (site's) zone."""
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def by_day(posts):
    days = defaultdict(list)
    for post in posts:
        days[timezone.localtime(post.published_at).date()].append(post)
    return days


class AgendaMixin:
    agenda_template = "admin/articles/post/agenda.html"

    def agenda_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "agenda/",
                self.admin_site.admin_view(self.agenda_view),
                name="%s_%s_agenda" % info,
            )
        ]

    def agenda_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        may_reschedule = roles.can_publish(request.user)
        failed = None
        if request.method == "POST":
            if not may_reschedule:
                raise PermissionDenied
            post, form = self.reschedule(request)
            if form.is_valid():
                return HttpResponseRedirect(
                    reverse("admin:articles_post_agenda") + "#post-%d" % post.pk
                )
            failed = (post.pk, form)
        elif request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        return TemplateResponse(
            request,
            self.agenda_template,
            self.agenda_context(request, may_reschedule, failed),
        )

    def reschedule(self, request):
        """Move one scheduled post to the time in the form (POST)."""
        try:
            pk = int(request.POST.get("post", ""))
        except ValueError:
            raise BadRequest(gettext("The post to reschedule is missing."))
        post = get_object_or_404(Post, pk=pk)
        form = RescheduleForm(request.POST, auto_id="id_%s_" + str(post.pk))
        if form.is_valid():
            try:
                publishing.reschedule(
                    post=post, user=request.user, at=form.cleaned_data["go_live"]
                )
            except ValidationError as error:
                form.add_error(None, error)
                self.message_user(
                    request,
                    gettext("“%(title)s” was not rescheduled: %(reason)s")
                    % {"title": post.title, "reason": " ".join(error.messages)},
                    messages.ERROR,
                )
                return post, form
            self.log_change(request, post, gettext("Rescheduled."))
            self.message_user(
                request,
                gettext("“%(title)s” rescheduled for %(when)s.")
                % {"title": post.title, "when": review.when(post.published_at)},
                messages.SUCCESS,
            )
        return post, form

    def agenda_context(self, request, may_reschedule, failed):
        now = timezone.now()
        today = day_start(now)
        since = today - timedelta(days=RECENT_DAYS - 1)
        rows = (
            Post.objects.select_related("author")
            .defer("body", "premium_body")
            .order_by()
        )
        scheduled = list(
            rows.filter(scheduled_q(now=now)).order_by("published_at", "id")[
                :AGENDA_LIMIT
            ]
        )
        published = list(
            rows.filter(visible_q(now=now), published_at__gte=since).order_by(
                "-published_at", "-id"
            )[:AGENDA_LIMIT]
        )
        for post in scheduled + published:
            post.author_name = people.display_name(post.author)
            post.when = review.when(post.published_at)
            post.form = None
        for post in scheduled if may_reschedule else []:
            if failed is not None and failed[0] == post.pk:
                post.form = failed[1]
            else:
                post.form = RescheduleForm(
                    initial={"go_live": timezone.localtime(post.published_at)},
                    auto_id="id_%s_" + str(post.pk),
                )
        names = {
            today.date(): gettext("Today"),
            (today + timedelta(days=1)).date(): gettext("Tomorrow"),
            (today - timedelta(days=1)).date(): gettext("Yesterday"),
        }
        scheduled_days = by_day(scheduled)
        published_days = by_day(published)
        return {
            **self.admin_site.each_context(request),
            "title": gettext("Agenda"),
            "opts": self.opts,
            "scheduled_days": [
                (day, names.get(day, ""), scheduled_days[day])
                for day in sorted(scheduled_days)
            ],
            "published_days": [
                (day, names.get(day, ""), published_days[day])
                for day in sorted(published_days, reverse=True)
            ],
            "recent_days": RECENT_DAYS,
            "may_reschedule": may_reschedule,
            "zone_label": "%s, %s"
            % (timezone.get_current_timezone_name(), timezone.localtime(now).tzname()),
            "changelist_url": reverse("admin:articles_post_changelist"),
        }
