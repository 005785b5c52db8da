from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from accounts import urls as accounts_urls
from articles.views import RobotsView
from newsroom.csrf import csrf_token_view
from newsroom.health import healthz
from newsroom.signout import clearing_logout
from newsroom.site_files import favicon, web_manifest

urlpatterns = [
    # The same sign-out views, also emptying the browser's storage for the site.
    path("admin/logout/", clearing_logout(admin.site.get_urls())),
    path("accounts/logout/", clearing_logout(accounts_urls.urlpatterns)),
    path("admin/", admin.site.urls),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    path("favicon.ico", favicon, name="favicon"),
    path("site.webmanifest", web_manifest, name="web_manifest"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("csrf-token", csrf_token_view, name="csrf_token"),
    # A load balancer's probe: database and cache answer (newsroom/health.py).
    path("healthz", healthz, name="healthz"),
    path("two-factor/", include("twofactor.urls")),
    path("", include("blogger.feed_urls")),
    path("", include("articles.seo_urls")),
    path("", include("comments.urls")),
    path("", include("blogger.legacy")),
    path("accounts/", include("accounts.urls")),
    path("premium/", include("accounts.premium_urls")),
    path("follow/", include("followers.urls")),
    path("", include("articles.urls")),
]

handler400 = "articles.views.bad_request_view"
