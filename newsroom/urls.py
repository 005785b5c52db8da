from django.contrib import admin
from django.urls import include, path

from articles.views import RobotsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]

handler400 = "articles.views.bad_request_view"
