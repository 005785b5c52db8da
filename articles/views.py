"""
The reader-facing pages of the content core: home, search, label pages,
archives, a post, a page, robots.txt and the 400 page. Lists share
`PostListMixin` (keyset paging by time, cards from `Post.objects.for_cards()`).
"""

import calendar
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.core.exceptions import BadRequest
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView

from newsroom.conf import newsroom_setting
from pagecache.store import remember, tag

from . import extensions, selectors
from .cards import CardBatch, LazyCard, lazy_cards
from .models import (
    Label,
    LabeledPost,
    LabelRedirect,
    Page,
    Post,
    SiteSettings,
    latest_correction_time,
)
from .paging import cursor_value, parse_max_results, parse_time
from .search import highlight, parse_query, ranked_page, search_posts
from .selectors import label_counts

FRAGMENT_HEADINGS = {"1": "h2", "h2": "h2", "h3": "h3"}
# Ranked search pages by offset: deep enough for any reader, bounded for the database.
MAX_SEARCH_START = 1000


def parse_start(value):
    """`start=N` of a ranked search page: 0 up to MAX_SEARCH_START; else BadRequest."""
    if value is None or value == "":
        return 0
    if not value.isdigit() or len(value) > 6:
        raise BadRequest("start must be a whole number from 0.")
    number = int(value)
    if number > MAX_SEARCH_START:
        raise BadRequest("start must be at most %d." % MAX_SEARCH_START)
    return number


def parse_end(value):
    """`end=N`, Load more's state on a ranked search page (results before N), or None."""
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 6:
        raise BadRequest("end must be a whole number from 0.")
    return int(value)


# A list page with `until=<time>` shows every post from its start down to that
# time, as the reader had them after pressing "Load more": at most this many
# pages of cards (the "Older posts" link carries on from the last one).
UNTIL_PAGES = 10
# The fragment's answer names the state that shows the list down to its last
# card, as query parameters: `until=<time>`, or `end=<n>` on ranked search.
STATE_HEADER = "Load-More-State"


def most_cards(page_size):
    """The most cards one list page shows for a state: UNTIL_PAGES pages."""
    return max(page_size, newsroom_setting("PAGE_SIZE")) * UNTIL_PAGES


def cards_until(queryset, until, page_size):
    """
    The posts of `queryset` (newest first) down to `until`, as lazy cards, and
    whether more follow: at least one page, at most `most_cards`, read in one
    query of ids and times.
    """
    limit = most_cards(page_size)
    rows = list(queryset.values_list("pk", "published_at")[: limit + 1])
    shown = [row for row in rows[:limit] if row[1] >= until]
    if len(shown) < page_size:
        shown = rows[:page_size]
    batch = CardBatch([pk for pk, _moment in shown])
    cards = [LazyCard(pk, moment, batch) for pk, moment in shown]
    return cards, len(rows) > len(shown)


class PostListMixin:
    """Owns the live-post queryset, Blogger paging and the list heading."""

    model = Post
    context_object_name = "posts"
    template_name = "articles/post_list.html"
    fragment_template_name = "articles/post_list_fragment.html"
    heading = ""
    older_path = None
    # Query parameters that "Older posts" carries on to the next page.
    kept_parameters = ()

    def get_base_queryset(self):
        # Older than the cursor in one time bound: see published(before=).
        return Post.objects.published(before=self.cursor)

    def get_queryset(self):
        self.parse_paging()
        queryset = self.get_base_queryset()
        # Only ids and times are read here (`lazy_cards`); cards load their
        # posts with everything they show only when one must be drawn.
        return queryset.newest_first()

    def parse_paging(self):
        self.max_results = parse_max_results(self.request.GET.get("max-results"))
        self.cursor = parse_time(self.request.GET.get("updated-max"))
        # Load more's state (static/js/loadmore.js): every card down to here.
        self.until = parse_time(self.request.GET.get("until"), "until")
        fragment = self.request.GET.get("fragment")
        if fragment is not None and fragment not in FRAGMENT_HEADINGS:
            raise BadRequest("fragment must be 1, h2 or h3.")
        self.fragment_heading = FRAGMENT_HEADINGS.get(fragment)

    def get_template_names(self):
        if self.fragment_heading:
            return [self.fragment_template_name]
        return super().get_template_names()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.fragment_heading:
            # Cards for "Load more", not a page of their own.
            response["X-Robots-Tag"] = "noindex"
            if context.get("load_more_state"):
                response[STATE_HEADER] = urlencode(context["load_more_state"])
        return response

    def page_rows(self):
        """This page's posts and whether more follow (one extra row, no COUNT)."""
        if self.until is not None:
            return cards_until(self.object_list, self.until, self.max_results)
        return lazy_cards(self.object_list, self.max_results)

    def load_more_state(self, posts):
        """
        The parameters that show this list and everything above it at once:
        `until` the last card's time.
        """
        if not posts:
            return None
        return {"until": cursor_value(posts[-1].published_at)}

    def older_params(self, posts):
        return {"updated-max": cursor_value(posts[-1].published_at)}

    def list_path(self):
        # request.path is decoded: quote it again (a label page has spaces).
        return escape_uri_path(self.older_path or self.request.path)

    # The page cache's tags of the list itself (its cards name their posts):
    # purged when a post enters or leaves it (articles/purges.py).
    list_tags = ("lists",)

    def get_context_data(self, **kwargs):
        tag(*self.list_tags)
        posts, more = self.page_rows()
        older_url = None
        if more:
            params = {}
            for key in self.kept_parameters:
                if self.request.GET.get(key):
                    params[key] = self.request.GET[key]
            params.update(self.older_params(posts))
            if "max-results" in self.request.GET:
                params["max-results"] = self.max_results
            older_url = "%s?%s" % (self.list_path(), urlencode(params))
        kwargs.update(
            posts=posts,
            heading=self.get_heading(),
            older_url=older_url,
            is_first_page=self.is_first_page(),
            newest_url=self.newest_url(),
            fragment_heading=self.fragment_heading,
            load_more_state=self.load_more_state(posts),
        )
        return super().get_context_data(object_list=posts, **kwargs)

    def is_first_page(self):
        return self.cursor is None

    def newest_url(self):
        path = escape_uri_path(self.request.path)
        params = {
            key: self.request.GET[key]
            for key in self.kept_parameters
            if self.request.GET.get(key)
        }
        return "%s?%s" % (path, urlencode(params)) if params else path

    def get_heading(self):
        return self.heading


class HomeView(PostListMixin, ListView):
    """
    The lead story, Latest, the label blocks and the sidebar, with no story
    twice: Latest leaves out the lead, each block leaves out the lead,
    Latest's posts and the blocks above it (selectors.home_blocks), and the
    home sidebar has no News Feed (Latest is that list here).
    """

    template_name = "articles/home.html"
    list_tags = ("home",)
    # Latest's length without `max-results`: with the lead and three blocks
    # the page stays within six screens of a phone; Load more brings the rest.
    latest_size = 10

    def get(self, request, *args, **kwargs):
        # "Older posts" continues at ALL POSTS, as on Blogger.
        self.older_path = reverse("articles:search")
        self.site = SiteSettings.load()
        # Read first: Latest and the blocks leave the lead out. Shared until
        # the next purge (saving the settings or a post purges).
        self.lead_id = remember(
            "home-lead", lambda: selectors.lead_post_id(self.site), tags=["home"]
        )
        return super().get(request, *args, **kwargs)

    def parse_paging(self):
        super().parse_paging()
        if not self.request.GET.get("max-results"):
            self.max_results = self.latest_size

    def get_base_queryset(self):
        return self.latest_queryset(self.cursor)

    def latest_queryset(self, cursor):
        queryset = Post.objects.published(before=cursor)
        if self.lead_id is not None:
            queryset = queryset.exclude(pk=self.lead_id)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        posts = context["posts"]
        shown = {self.lead_id} - {None}
        # Callables: the template reads them inside shared fragments, so
        # their queries run only when a fragment is not already cached.
        context.update(
            featured=self.featured_post,
            label_blocks=lambda: selectors.home_blocks(
                self.site.home_label_names, shown | {post.pk for post in posts}
            ),
            default_selection=self.is_default_selection(),
        )
        return context

    def featured_post(self):
        if self.lead_id is None:
            return None
        return Post.objects.published().filter(pk=self.lead_id).for_cards().first()

    def is_default_selection(self):
        """
        Whether Latest is the home page as most readers see it (the first
        `latest_size` posts): then the blocks under it are one shared
        fragment; a longer or older Latest (`max-results`, `updated-max`,
        Load more's `until`) gets blocks that leave out its own posts.
        """
        return (
            self.is_first_page()
            and self.until is None
            and not self.request.GET.get("max-results")
        )


# Letters and digits only, so escaping leaves it as it is.
SNIPPET_MARK = "newsroomSNIPPETmark%dx"


class SearchView(PostListMixin, ListView):
    """
    `/search?q=...`: ranked full-text results (title above body), paged by a
    bounded `start` offset; a query of labels only, or `/search` alone (ALL
    POSTS), lists newest first with the `updated-max` cursor.
    """

    kept_parameters = ("q",)
    # Snippet marker -> this search's highlighted snippet (ranked pages).
    snippets = None

    def get_queryset(self):
        self.parse_paging()
        self.query = self.request.GET.get("q", "").strip()[:200]
        parsed = parse_query(self.query)
        self.ranked = bool(parsed.terms)
        # Parsed always, so a malformed value is a 400 on any search page.
        self.start = parse_start(self.request.GET.get("start"))
        # Load more's state on ranked pages: every result up to `end`.
        self.end = parse_end(self.request.GET.get("end"))
        if not self.ranked:
            self.start = 0
        queryset = self.get_base_queryset()
        if self.query and not parsed:
            # Only punctuation: nothing to look for, so nothing is found.
            return queryset.none()
        self.parsed, self.base = parsed, queryset
        if self.query:
            # Ranked pages are read by ranked_page() (ids first), others as lazy cards.
            return search_posts(parsed, queryset)
        return queryset.newest_first()

    def page_rows(self):
        if not self.ranked:
            return super().page_rows()
        count = self.max_results
        if self.end is not None:
            count = min(max(self.end - self.start, count), most_cards(count))
        self.count = count
        end = self.start + count
        rows = ranked_page(self.parsed, self.base, self.start, count + 1)
        batch = CardBatch([pk for pk, _moment, _snippet in rows[:count]])
        posts = []
        self.snippets = {}
        for pk, moment, snippet in rows[:count]:
            card = LazyCard(pk, moment, batch)
            if snippet:
                # The card is a shared fragment with a marker where this
                # search's snippet goes (put in after rendering); a card
                # without one shows the post's summary, as everywhere.
                card.snippet_html = SNIPPET_MARK % pk
                self.snippets[card.snippet_html] = highlight(snippet)
            posts.append(card)
        more = len(rows) > count
        return posts, more and end <= MAX_SEARCH_START

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.snippets:
            response.add_post_render_callback(self.put_in_snippets)
        return response

    def put_in_snippets(self, response):
        content = response.content.decode()
        for mark, html in self.snippets.items():
            content = content.replace(mark, html)
        response.content = content

    def older_params(self, posts):
        if not self.ranked:
            return super().older_params(posts)
        params = {"start": self.start + self.count}
        if self.cursor is not None:
            params["updated-max"] = cursor_value(self.cursor)
        return params

    def is_first_page(self):
        return self.cursor is None and not self.start

    def load_more_state(self, posts):
        if not self.ranked or not posts:
            return super().load_more_state(posts)
        return {"end": self.start + len(posts)}

    def get_heading(self):
        if self.query:
            return _("SEARCH: %(query)s") % {"query": self.query}
        return _("ALL POSTS")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query"] = self.query
        context["robots"] = "noindex, follow"
        return context


# A label with this many live posts is read by walking the newest posts.
BIG_LABEL = 200


def live_label_counts():
    """{label name: live posts}, shared with the sidebar's label widget."""
    return {
        label.name: label.count
        for label in remember(
            "label-counts", lambda: list(label_counts()), tags=["sidebar"]
        )
    }


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
        self.list_tags = ["label:%d" % label.pk for label in self.labels]
        queryset = super().get_base_queryset()
        counts = live_label_counts()
        for label in self.labels:
            if counts.get(label.name, 0) >= BIG_LABEL:
                # Walk the newest posts and stop at the page's end: quick when
                # many posts carry the label (TOP STORY: thousands).
                queryset = queryset.filter(
                    Exists(
                        LabeledPost.objects.filter(
                            tag=label, content_object=OuterRef("pk")
                        )
                    )
                )
            else:
                # Few posts: read their ids once instead of walking them all.
                queryset = queryset.filter(
                    pk__in=label.labeled_posts.values("content_object_id")
                )
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if len(self.labels) == 1:
            context["feed_label"] = self.labels[0].name
        return context

    def get_heading(self):
        return _("LABEL: %(name)s") % {
            "name": " + ".join(label.name for label in self.labels)
        }


def archive_bounds(year, month=None, zone=None):
    """
    The aware `[start, end)` of an archive year or month in `zone` (the
    current time zone), or Http404 when the calendar cannot hold it (year 0,
    month 13, the year after 9999) or its bounds would leave the calendar in
    UTC, where the database compares (1 January of year 1 east of Greenwich).
    """
    zone = zone or timezone.get_current_timezone()
    try:
        if month is None:
            start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
        else:
            start = datetime(year, month, 1)
            end = datetime(year + (month == 12), month % 12 + 1, 1)
        bounds = (timezone.make_aware(start, zone), timezone.make_aware(end, zone))
        for moment in bounds:
            moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Http404(_("No such archive."))
    return bounds


class ArchiveView(PostListMixin, ListView):
    def get_base_queryset(self):
        year = int(self.kwargs["year"])
        month = self.kwargs.get("month")
        month = None if month is None else int(month)
        start, end = archive_bounds(year, month)
        self.period = (year, month)
        return (
            super()
            .get_base_queryset()
            .filter(published_at__gte=start, published_at__lt=end)
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
            Post.objects.published()
            .select_related("author", "featured_image")
            # The newest correction's time, for "Updated …" and dateModified
            # (the corrections themselves are read only when there is one).
            .annotate(corrected_at=latest_correction_time(OuterRef("pk"))),
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
        # What other apps show under a page reads its own annotations (the
        # comments app's "has comments"), in the same query.
        pages = Page.objects.published().select_related("author")
        return get_object_or_404(
            extensions.annotate_pages(pages), slug=self.kwargs["slug"]
        )


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain"

    def get(self, request, *args, **kwargs):
        tag("site")  # the site's own address only
        return super().get(request, *args, **kwargs)


def bad_request_view(request, exception=None):
    message = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "400.html", {"message": message}, status=400)
