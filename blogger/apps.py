from django.apps import AppConfig


class BloggerConfig(AppConfig):
    name = "blogger"
    verbose_name = "Blogger compatibility"
