"""
Sitemaps for search engines: /sitemap.xml (an index of paged sections for
posts, pages and labels) and the Google News sitemap of the last 48 hours.
Every section lists live content only, through `published()`.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Count, Max
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from .models import Label, Page, Post, visible_q

NEWS_WINDOW = timedelta(hours=48)
# Google News reads at most 1,000 addresses per news sitemap.
NEWS_LIMIT = 1000


def _changed(queryset):
    # A scheduled post saved earlier changes, for readers, when it goes live.
    return queryset.annotate(changed_at=Greatest("updated_at", "published_at"))


class PostSitemap(Sitemap):
    limit = 1000

    def items(self):
        return (
            _changed(Post.objects.published())
            .only("permalink", "updated_at", "published_at")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, post):
        return post.changed_at

    def get_latest_lastmod(self):
        return _changed(Post.objects.published()).aggregate(latest=Max("changed_at"))[
            "latest"
        ]


class PageSitemap(Sitemap):
    """Static pages, and the home page (which changes with every new post)."""

    limit = 1000

    def items(self):
        pages = _changed(Page.objects.published()).only(
            "slug", "updated_at", "published_at"
        )
        return ["home", *pages.order_by("title", "id")]

    def location(self, item):
        return reverse("articles:home") if item == "home" else item.get_absolute_url()

    def lastmod(self, item):
        if item != "home":
            return item.changed_at
        if not hasattr(self, "_home_changed"):
            self._home_changed = PostSitemap().get_latest_lastmod()
        return self._home_changed


class LabelSitemap(Sitemap):
    """Labels with at least one live post; changed when their newest live post did."""

    limit = 1000

    def items(self):
        live = visible_q("labeled_posts__content_object__")
        return (
            Label.objects.annotate(
                live_count=Count("labeled_posts", filter=live),
                changed_at=Max(
                    Greatest(
                        "labeled_posts__content_object__updated_at",
                        "labeled_posts__content_object__published_at",
                    ),
                    filter=live,
                ),
            )
            .filter(live_count__gt=0)
            .only("name")
            .order_by("name", "id")
        )

    def lastmod(self, label):
        return label.changed_at

    def get_latest_lastmod(self):
        return PostSitemap().get_latest_lastmod()


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
