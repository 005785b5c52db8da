from django.urls import path

from . import views

app_name = "followers"

urlpatterns = [
    path("", views.FollowView.as_view(), name="follow"),
    path("sent/", views.SentView.as_view(), name="sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unfollow/<str:token>/", views.unfollow, name="unfollow"),
]
