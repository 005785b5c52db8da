"""/premium/…: the only addresses the share grant cookie is sent to (accounts/premium.py)."""

from django.urls import re_path

from . import premium_views

POST_ID = r"(?P<pk>[0-9]{1,18})"

urlpatterns = [
    re_path(r"^%s/shared$" % POST_ID, premium_views.shared, name="premium_shared"),
    re_path(r"^%s/part$" % POST_ID, premium_views.part, name="premium_part"),
    re_path(r"^%s/$" % POST_ID, premium_views.page, name="premium_page"),
]
