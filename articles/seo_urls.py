"""Sitemaps for search engines: /sitemap.xml (paginated) and the Google News sitemap."""

urlpatterns = []
