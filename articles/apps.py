from django.apps import AppConfig
from django.db.models.signals import (
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        # The search index is derived data that must follow every save.
        from . import search
        from .models import Label, LabeledPost, Post

        post_save.connect(search.post_saved, sender=Post, dispatch_uid="search-post")
        post_delete.connect(
            search.post_deleted, sender=Post, dispatch_uid="search-post-del"
        )
        for signal in (post_save, post_delete):
            signal.connect(
                search.labeled_post_changed,
                sender=LabeledPost,
                dispatch_uid="search-labels-%s" % id(signal),
            )
        post_save.connect(search.label_saved, sender=Label, dispatch_uid="search-label")

        # A deleted image takes its files (original and sizes) with it; a
        # replaced original takes its own and the sizes made of it.
        from .models import Image
        from .thumbnails import image_deleted, image_saved, image_saving

        post_delete.connect(image_deleted, sender=Image, dispatch_uid="image-files")
        pre_save.connect(image_saving, sender=Image, dispatch_uid="image-replaced")
        post_save.connect(image_saved, sender=Image, dispatch_uid="image-replaced")

        # Cached related lists end with any change that can reorder them:
        # the page cache's tags (selectors.related_tags, articles/purges.py).

        # Kept counts follow every change of posts and their labels.
        from . import counts
        from .models import SiteSettings

        for signal, sender, receiver in (
            (pre_save, Post, counts.post_pre_save),
            (post_save, Post, counts.post_saved),
            (pre_delete, Post, counts.post_pre_delete),
            (post_delete, Post, counts.post_deleted),
            (pre_save, LabeledPost, counts.row_pre_save),
            (post_save, LabeledPost, counts.row_saved),
            (pre_delete, LabeledPost, counts.row_pre_delete),
            (post_delete, LabeledPost, counts.row_deleted),
            (post_save, SiteSettings, counts.site_saved),
        ):
            signal.connect(
                receiver,
                sender=sender,
                dispatch_uid="counts-%s" % receiver.__name__,
            )

        # Which cached pages a change purges (pagecache/registry.py).
        from . import purges

        purges.register()
