from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from articles.views import RobotsView
from newsroom.csrf import csrf_token_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("csrf-token", csrf_token_view, name="csrf_token"),
    path("", include("articles.feed_urls")),
    path("", include("articles.seo_urls")),
    path("", include("comments.urls")),
    path("", include("blogger.legacy")),
    path("accounts/", include("accounts.urls")),
    path("follow/", include("followers.urls")),
    path("", include("articles.urls")),
]

handler400 = "articles.views.bad_request_view"
