"""Sitemaps for search engines: /sitemap.xml (paginated) and the Google News sitemap."""

from django.contrib.sitemaps import views as sitemap_views
from django.core.exceptions import BadRequest
from django.urls import path

from pagecache.store import tag

from .sitemaps import SITEMAPS, NewsSitemap, index_response

# Sitemaps list posts, pages and labels with their times: every change of
# one purges `feeds` (articles/purges.py).
SHOWS = "feeds"


def _page_number(request):
    page = request.GET.get("p")
    if page is not None and (not page.isdigit() or len(page) > 6):
        raise BadRequest("p must be a page number.")


def sitemap_index(request):
    tag(SHOWS)
    # Django's index view and articles/sitemap_index.xml, written in one pass
    # (1,000 pages at a million posts: see sitemaps.index_response).
    return index_response(request, section_url_name="sitemap-section")


def sitemap_section(request, section):
    tag(SHOWS)
    _page_number(request)
    return sitemap_views.sitemap(
        request, SITEMAPS, section=section, template_name="articles/sitemap.xml"
    )


def news_sitemap(request):
    tag(SHOWS)
    _page_number(request)
    return sitemap_views.sitemap(
        request, {"news": NewsSitemap}, template_name="articles/news_sitemap.xml"
    )


urlpatterns = [
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap_section, name="sitemap-section"),
    path("news-sitemap.xml", news_sitemap, name="news-sitemap"),
]
