from django.contrib import admin

from .models import Follower


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = ["email", "confirmed_at", "last_sent_at", "created_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), "labels"]
    search_fields = ["email"]
    filter_horizontal = ["labels"]
    readonly_fields = ["created_at"]
