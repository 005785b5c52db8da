import calendar
from datetime import datetime
from urllib.parse import urlencode

from django.core.exceptions import BadRequest
from django.db.models import Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView

from .models import Label, LabelRedirect, Page, Post, SiteSettings
from .paging import cursor_value, parse_max_results, parse_time

IGNORED_PARAMETERS = {"m"}


class PostListMixin:
    """Owns the live-post queryset, Blogger paging and the list heading."""

    model = Post
    context_object_name = "posts"
    template_name = "articles/post_list.html"
    heading = ""
    older_path = None

    def get_base_queryset(self):
        return Post.objects.published()

    def get_queryset(self):
        self.max_results = parse_max_results(self.request.GET.get("max-results"))
        self.cursor = parse_time(self.request.GET.get("updated-max"))
        queryset = self.get_base_queryset()
        if self.cursor is not None:
            queryset = queryset.filter(published_at__lt=self.cursor)
        return queryset.for_cards().newest_first()

    def get_context_data(self, **kwargs):
        # One extra row tells whether an older page exists, without a COUNT.
        rows = list(self.object_list[: self.max_results + 1])
        posts = rows[: self.max_results]
        older_url = None
        if len(rows) > self.max_results:
            params = {"updated-max": cursor_value(posts[-1].published_at)}
            if "max-results" in self.request.GET:
                params["max-results"] = self.max_results
            for key in ("q",):
                if self.request.GET.get(key):
                    params[key] = self.request.GET[key]
            older_url = "%s?%s" % (
                self.older_path or self.request.path,
                urlencode(params),
            )
        kwargs.update(
            posts=posts,
            heading=self.get_heading(),
            older_url=older_url,
            is_first_page=self.cursor is None,
        )
        return super().get_context_data(object_list=posts, **kwargs)

    def get_heading(self):
        return self.heading


class HomeView(PostListMixin, ListView):
    template_name = "articles/home.html"

    def get(self, request, *args, **kwargs):
        # "Older posts" continues at ALL POSTS, as on Blogger.
        self.older_path = reverse("articles:search")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site = SiteSettings.load()
        featured = (
            Post.objects.published()
            .filter(labeled_items__tag__name=site.featured_label)
            .for_cards()
            .newest_first()
            .first()
        )
        blocks = []
        for name in site.home_label_names:
            posts = list(
                Post.objects.published()
                .filter(labeled_items__tag__name=name)
                .for_cards()
                .newest_first()[:4]
            )
            if posts:
                blocks.append({"name": name, "posts": posts})
        context.update(featured=featured, label_blocks=blocks)
        return context


class SearchView(PostListMixin, ListView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        self.query = self.request.GET.get("q", "").strip()[:200]
        if self.query:
            for word in self.query.split():
                queryset = queryset.filter(
                    Q(title__icontains=word)
                    | Q(summary__icontains=word)
                    | Q(body__icontains=word)
                    | Q(labeled_items__tag__name__iexact=word)
                ).distinct()
        return queryset

    def get_heading(self):
        if self.query:
            return _("SEARCH: %(query)s") % {"query": self.query}
        return _("ALL POSTS")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query"] = self.query
        context["robots"] = "noindex, follow"
        return context


class LabelView(PostListMixin, ListView):
    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A renamed or merged-away label's old address moves for good.
            moved = self.moved_url()
            if moved is None:
                raise
            return HttpResponsePermanentRedirect(moved)

    def moved_url(self):
        names = [name for name in self.kwargs["names"].split("+") if name]
        if not names or len(names) > 5:
            return None
        current = dict(
            LabelRedirect.objects.filter(old_name__in=names).values_list(
                "old_name", "label__name"
            )
        )
        if not current:
            return None
        names = [current.get(name, name) for name in dict.fromkeys(names)]
        url = reverse("articles:label", args=["+".join(dict.fromkeys(names))])
        query = self.request.META.get("QUERY_STRING")
        return "%s?%s" % (url, query) if query else url

    def get_base_queryset(self):
        names = [name for name in self.kwargs["names"].split("+") if name]
        if not names or len(names) > 5:
            raise Http404(_("No such label."))
        labels = list(Label.objects.filter(name__in=names))
        found = {label.name for label in labels}
        if any(name not in found for name in names):
            raise Http404(_("No such label."))
        self.labels = sorted(labels, key=lambda label: names.index(label.name))
        queryset = super().get_base_queryset()
        for label in self.labels:
            queryset = queryset.filter(
                pk__in=label.labeled_posts.values("content_object_id")
            )
        return queryset

    def get_heading(self):
        return _("LABEL: %(name)s") % {
            "name": " + ".join(label.name for label in self.labels)
        }


class ArchiveView(PostListMixin, ListView):
    def get_base_queryset(self):
        year = int(self.kwargs["year"])
        month = self.kwargs.get("month")
        try:
            if month is None:
                start = datetime(year, 1, 1)
                end = datetime(year + 1, 1, 1)
            else:
                month = int(month)
                start = datetime(year, month, 1)
                end = datetime(year + (month == 12), month % 12 + 1, 1)
        except ValueError:
            raise Http404(_("No such archive."))
        self.period = (year, month)
        zone = timezone.get_current_timezone()
        return (
            super()
            .get_base_queryset()
            .filter(
                published_at__gte=timezone.make_aware(start, zone),
                published_at__lt=timezone.make_aware(end, zone),
            )
        )

    def get_heading(self):
        year, month = self.period
        if month is None:
            return _("ARCHIVE: %(period)s") % {"period": year}
        name = _(calendar.month_name[month])
        return _("ARCHIVE: %(period)s") % {"period": "%s %d" % (name, year)}


class PostDetailView(DetailView):
    template_name = "articles/post_detail.html"
    context_object_name = "post"

    def get_object(self, queryset=None):
        permalink = "/%s/%s/%s.html" % (
            self.kwargs["year"],
            self.kwargs["month"],
            self.kwargs["slug"],
        )
        post = get_object_or_404(
            Post.objects.published().select_related("author", "featured_image"),
            permalink=permalink,
        )
        # Labels are read only where a shared fragment is rendered, so they
        # are fetched (once) only when one is not already cached.
        post.ordered_labeled_items = SimpleLazyObject(
            lambda: list(
                post.labeled_items.select_related("tag").order_by("position", "id")
            )
        )
        return post


class PageDetailView(DetailView):
    template_name = "articles/page_detail.html"
    context_object_name = "page"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Page.objects.published().select_related("author"), slug=self.kwargs["slug"]
        )


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain"


def bad_request_view(request, exception=None):
    message = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "400.html", {"message": message}, status=400)
