from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path(
        "comments/post/<int:pk>/",
        views.comment_create,
        {"kind": "post"},
        name="post",
    ),
    path(
        "comments/page/<int:pk>/",
        views.comment_create,
        {"kind": "page"},
        name="page",
    ),
    path("comments/<int:pk>/delete/", views.comment_delete, name="delete"),
    path("comments/<int:pk>/approve/", views.comment_approve, name="approve"),
    path("comments/<int:pk>/spam/", views.comment_spam, name="spam"),
    path("comments/<int:pk>/report/", views.comment_report, name="report"),
]
