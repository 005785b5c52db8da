from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from .models import LabeledPost, Post

        # Cached related lists end with any change that can reorder them.
        from .selectors import forget_related_posts

        for sender in (Post, LabeledPost):
            for signal in (post_save, post_delete):
                signal.connect(forget_related_posts, sender=sender, weak=False)
        for sender in (Post.related_pinned.through, Post.related_excluded.through):
            m2m_changed.connect(forget_related_posts, sender=sender, weak=False)
