from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("comments/post/<int:post_id>/", views.comment_create, name="post"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="delete"),
    path("comments/<int:pk>/approve/", views.comment_approve, name="approve"),
]
