from django.urls import path, re_path

from . import preview, views, views_images

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search", views.SearchView.as_view(), name="search"),
    path("search/label/<path:names>", views.LabelView.as_view(), name="label"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<slug>[^/]+)\.html$",
        views.PostDetailView.as_view(),
        name="detail",
    ),
    re_path(r"^p/(?P<slug>[^/]+)\.html$", views.PageDetailView.as_view(), name="page"),
    re_path(r"^(?P<year>[0-9]{4})/$", views.ArchiveView.as_view(), name="archive_year"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$",
        views.ArchiveView.as_view(),
        name="archive_month",
    ),
    path("preview/<str:token>", preview.PostPreviewView.as_view(), name="preview"),
    path(
        "img/<str:key>/<str:size>/<str:filename>",
        views_images.image_view,
        name="image",
    ),
]
