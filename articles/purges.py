"""
Which cached pages a change of articles' rows purges (pagecache/registry.py),
and the next scheduled publication, so no cached page outlives it.
"""

from django.contrib.auth import get_user_model

from pagecache import registry

from .models import (
    Correction,
    Image,
    Label,
    LabeledPost,
    LabelRedirect,
    Page,
    Post,
    SiteSettings,
)

# Lists a post shows on: the home page, feeds and sitemaps, the sidebar's
# archive and recent posts, and archive and search pages.
POST_LISTS = ["home", "feeds", "sidebar", "lists"]


def post_tags(post, **change):
    return ["post:%d" % post.pk, *POST_LISTS]


def labeled_post_tags(row, **change):
    # A LabeledPost row saved or deleted, or (taggit's add/set/remove) the
    # post whose labels changed.
    if isinstance(row, LabeledPost):
        return ["post:%d" % row.content_object_id, "label:%d" % row.tag_id, *POST_LISTS]
    return post_tags(row)


def related_tags(instance, **change):
    # Pinned or excluded related stories change the post's own page: `add()`
    # and `remove()` name the post, a row saved on its own names it by id.
    return ["post:%d" % getattr(instance, "from_post_id", instance.pk)]


def user_tags(user, *, update_fields=None, **change):
    # Signing in writes last_login (and may rehash the password): nothing shown.
    if update_fields and update_fields <= {"last_login", "password"}:
        return []
    return ["author:%d" % user.pk]


def next_scheduled():
    moments = [
        model.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
        for model in (Post, Page)
    ]
    moments = [moment for moment in moments if moment is not None]
    return min(moments) if moments else None


def register():
    registry.register(Post, post_tags)
    registry.register(
        Page, lambda page, **change: ["page:%d" % page.pk, "sidebar", "feeds"]
    )
    registry.register(Label, lambda label, **change: ["label:%d" % label.pk, "sidebar"])
    registry.register(LabeledPost, labeled_post_tags)
    registry.register(
        LabelRedirect, lambda redirect, **change: ["label:%d" % redirect.label_id]
    )
    registry.register(Image, lambda image, **change: ["image:%d" % image.pk])
    registry.register(Post.related_pinned.through, related_tags)
    registry.register(Post.related_excluded.through, related_tags)
    registry.register(SiteSettings, ["settings"])
    # A correction shows under its post ("Updated … — note") and in its JSON-LD.
    registry.register(Correction, lambda row, **change: ["post:%d" % row.post_id])
    # Authors' names show on posts.
    registry.register(get_user_model(), user_tags)
    registry.register_schedule(next_scheduled)
