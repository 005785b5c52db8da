"""
Sitemaps for search engines: /sitemap.xml (an index of paged sections for
posts, pages and labels) and the Google News sitemap of the last 48 hours.
Every section lists live content only, through `published()`.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sites.shortcuts import get_current_site
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import escape
from django.utils.http import http_date

from . import counts
from .models import CountsState, Page, Post

NEWS_WINDOW = timedelta(hours=48)
# Google News reads at most 1,000 addresses per news sitemap.
NEWS_LIMIT = 1000


def _changed(queryset):
    # A scheduled post saved earlier changes, for readers, when it goes live.
    return queryset.annotate(changed_at=Greatest("updated_at", "published_at"))


class NewestLivePosts:
    """
    Live posts, newest first, as the sitemap's paginator reads them: its
    length is the kept count (articles/counts.py), and a page is read from
    the nearer end of a month, found from the kept month counts: newest
    first from the end of the month holding its first row, or oldest first
    from the start of the month holding its last row (then turned round).
    A page reads at most half a month of posts besides its own, the last
    page none, instead of skipping every newer post (no OFFSET 999000).
    """

    ordered = True

    def __init__(self, queryset):
        self.queryset = queryset.order_by("-published_at", "-id")

    def count(self):
        return counts.live_post_count()

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("NewestLivePosts is read by slices.")
        months = counts.months_with_live_counts()
        total = sum(live for _zone, _start, _end, live in months)
        start = index.start or 0
        stop = total if index.stop is None else min(index.stop, total)
        if start >= stop:
            return []
        # (newer posts, the month) of the month holding the first row and of
        # the month holding the last row.
        newer, first, last = 0, None, None
        for month in months:
            live = month[3]
            if first is None and newer + live > start:
                first = (newer, month)
            if newer + live >= stop:
                last = (newer, month)
                break
            newer += live
        skip_newest = start - first[0]
        newer_than_last, (_zone, month_start, _end, live) = last
        skip_oldest = newer_than_last + live - stop
        if skip_newest <= skip_oldest:
            rows = self.queryset.filter(published_at__lt=first[1][2])
            return list(rows[skip_newest : skip_newest + stop - start])
        rows = self.queryset.filter(published_at__gte=month_start).reverse()
        return list(rows[skip_oldest : skip_oldest + stop - start])[::-1]


def latest_post_change():
    """
    When live posts last changed for readers: the kept time of the last
    change (a save, a deletion, an unpublished post), or the newest live
    post's time when a scheduled post went live since. One query, two
    index reads.
    """
    newest = Subquery(
        Post.objects.published().order_by("-published_at").values("published_at")[:1]
    )
    row = (
        CountsState.objects.filter(pk=1)
        .annotate(newest=newest)
        .values_list("changed_at", "newest")
        .first()
    )
    if row is None:  # nothing was ever published
        return None
    return max((moment for moment in row if moment is not None), default=None)


class PostSitemap(Sitemap):
    limit = 1000

    def items(self):
        return NewestLivePosts(
            _changed(Post.objects.published()).only(
                "permalink", "updated_at", "published_at"
            )
        )

    def lastmod(self, post):
        return post.changed_at

    def get_latest_lastmod(self):
        return latest_post_change()


class PageSitemap(Sitemap):
    """Static pages, and the home page (which changes with every new post)."""

    limit = 1000

    def items(self):
        # Read once: the index asks for the section's lastmod, then its pages.
        if not hasattr(self, "_items_read"):
            pages = _changed(Page.objects.published()).only(
                "slug", "updated_at", "published_at"
            )
            self._items_read = ["home", *pages.order_by("title", "id")]
        return self._items_read

    def location(self, item):
        return reverse("articles:home") if item == "home" else item.get_absolute_url()

    def lastmod(self, item):
        if item != "home":
            return item.changed_at
        if not hasattr(self, "_home_changed"):
            self._home_changed = PostSitemap().get_latest_lastmod()
        return self._home_changed


class LabelSitemap(Sitemap):
    """
    Labels with at least one live post, from the kept counts; changed when
    their page last did: the kept time, or a post of theirs that went live
    by its time alone since (articles/counts.py folds those in on saves).
    """

    limit = 1000

    def items(self):
        kept = F("kept_count__changed_at")
        went_live = counts.went_live(OuterRef("pk"))
        return (
            counts.labels_with_live_counts()
            .annotate(
                changed_at=Greatest(
                    Coalesce(kept, went_live), Coalesce(went_live, kept)
                )
            )
            .only("name")
            .order_by("name", "id")
        )

    def lastmod(self, label):
        return label.changed_at

    def get_latest_lastmod(self):
        return latest_post_change()


class NewsSitemap(Sitemap):
    """
    Google News: live posts published in the last 48 hours, newest first,
    without the posts (or labels) editors kept out of it.
    """

    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            _changed(Post.objects.published())
            .filter(published_at__gte=since, exclude_from_news_sitemap=False)
            .exclude(labeled_items__tag__exclude_from_news_sitemap=True)
            .only("permalink", "title", "updated_at", "published_at")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, post):
        return post.changed_at

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        language = settings.LANGUAGE_CODE.split("-")[0]
        for url in urls:
            url["news_language"] = language
        return urls


SITEMAPS = {
    "posts": PostSitemap,
    "pages": PageSitemap,
    "labels": LabelSitemap,
}


INDEX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)
INDEX_ENTRY = "<sitemap><loc>%s</loc>%s</sitemap>"


def index_response(request, section_url_name="sitemap-section"):
    """
    /sitemap.xml: what Django's sitemap index view and the
    articles/sitemap_index.xml template answer, byte for byte, written in one
    pass: a section's lastmod is formatted once for all its pages (1,000 of
    them at a million posts), where the template's date filter formatted it
    again for each page (31 ms of template at 1,000 pages, 1 ms this way).
    """
    domain = get_current_site(request).domain
    parts, latest, every_lastmod = [INDEX_HEAD], None, True
    for section, sitemap in SITEMAPS.items():
        sitemap = sitemap()
        protocol = request.scheme if sitemap.protocol is None else sitemap.protocol
        address = "%s://%s%s" % (
            protocol,
            domain,
            reverse(section_url_name, kwargs={"section": section}),
        )
        lastmod = sitemap.get_latest_lastmod()
        if lastmod is None:
            every_lastmod = False
        elif every_lastmod:
            latest = lastmod if latest is None else max(latest, lastmod)
        shown = ""
        if lastmod:
            shown = "<lastmod>%s</lastmod>" % format_date(
                timezone.localtime(lastmod), "c"
            )
        address = escape(address)  # "?p=N" needs no escaping
        parts.append(INDEX_ENTRY % (address, shown))
        parts.extend(
            INDEX_ENTRY % ("%s?p=%d" % (address, number), shown)
            for number in range(2, sitemap.paginator.num_pages + 1)
        )
    parts.append("\n</sitemapindex>\n")
    response = HttpResponse("".join(parts), content_type="application/xml")
    if every_lastmod and latest:
        response["Last-Modified"] = http_date(latest.timestamp())
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response
