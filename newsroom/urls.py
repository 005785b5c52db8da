from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from articles.views import RobotsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    # Without a CSRF token, so public pages stay the same for every reader and
    # cacheable: a forged request can only change the reader's language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]

handler400 = "articles.views.bad_request_view"
