"""
The page cache's tags for articles' rows, both ways: what drawing a post, page
or label shows (`shown`, named while a page or shared part is drawn), and which
tags a change of a row purges (pagecache/registry.py); and the next scheduled
publication, so no cached page outlives it.

An edit that leaves a post where it was (same state, same time, same labels)
purges only what shows that post: its page, its cards wherever they are, the
feeds. Publishing, unpublishing, rescheduling or relabelling it also purges
the lists it enters or leaves: the home page, its labels' pages, the archive
and search pages, the sidebar's counts.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_delete, pre_save

from pagecache import registry
from pagecache.store import expect

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


# Names a card shows besides its post's own (the byline, the first label, the
# picture): one tag for each kind, shared by every card, so checking a list of
# cards reads the versions of its posts and of these three. Renaming an author
# or a label, or editing a picture many posts use, purges every card.
CARD_NAMES = ["authors", "labels", "images"]
# A picture used by more posts than this purges `images` instead of each post.
MOST_POSTS_PER_IMAGE = 60


def shown(item):
    """The tags of what drawing `item` shows: a post (or a card standing for one), a page, a label."""
    if isinstance(item, Label):
        return ["label:%d" % item.pk, "labels"]
    if isinstance(item, Page):
        return ["page:%d" % item.pk]
    return ["post:%d" % item.pk, *CARD_NAMES]


def expect_cards(pks):
    """A list of cards is about to be drawn: read their posts' versions at once."""
    expect(["post:%d" % pk for pk in pks] + CARD_NAMES)


def _where(post):
    """What decides the lists a post is on: its state, its time, its labels."""
    labels = frozenset(
        LabeledPost.objects.filter(content_object_id=post.pk).values_list(
            "tag_id", flat=True
        )
    )
    return (post.status, post.published_at, labels)


# A post's own text that search reads (its labels' names too: they move it).
SEARCHED_FIELDS = ("title", "summary", "body")


def _text(post):
    return tuple(getattr(post, name) for name in SEARCHED_FIELDS)


def note_where_it_was(sender, instance, **kwargs):
    """Before a save or delete: where the post was, to tell an edit from a move."""
    if instance.pk is None:
        instance._pagecache_was = None
        return
    before = (
        Post.objects.filter(pk=instance.pk)
        .values_list("status", "published_at", *SEARCHED_FIELDS)
        .first()
    )
    if before is None:
        instance._pagecache_was = None
        return
    before, instance._pagecache_text = before[:2], before[2:]
    labels = frozenset(
        LabeledPost.objects.filter(content_object_id=instance.pk).values_list(
            "tag_id", flat=True
        )
    )
    instance._pagecache_was = (*before, labels)


def post_tags(post, *, created=False, deleted=False, **change):
    tags = ["post:%d" % post.pk, "feeds"]
    was = getattr(post, "_pagecache_was", None)
    if created or deleted or was is None:
        # New, gone, or saved where no one noted where it was (a bulk path):
        # it enters or leaves lists. (The sidebar's counts are on every list
        # page, so every label page is purged with them.)
        labels = was[2] if was else frozenset()
        moved = True
    else:
        now = _where(post)
        labels = now[2] | was[2]
        moved = was != now
    if moved:
        tags += POST_LISTS + ["label:%d" % pk for pk in sorted(labels)]
    elif getattr(post, "_pagecache_text", None) != _text(post):
        # Its searched text changed in place, a draft's too (drafts take
        # candidate places on PostgreSQL): kept search results end.
        tags.append("search")
    return tags


def labeled_post_tags(row, **change):
    # A LabeledPost row saved or deleted, or (taggit's add/set/remove) the
    # post whose labels changed.
    if isinstance(row, LabeledPost):
        return ["post:%d" % row.content_object_id, "label:%d" % row.tag_id, *POST_LISTS]
    return post_tags(row)


def related_tags(instance, **change):
    # Pinned or excluded related stories change the post's own page and its
    # related list: `add()` and `remove()` name the post, a row saved on its
    # own names it by id.
    pk = getattr(instance, "from_post_id", instance.pk)
    return ["post:%d" % pk, "related:%d" % pk]


def user_tags(user, *, update_fields=None, **change):
    # Signing in writes last_login (and may rehash the password): nothing shown.
    if update_fields and update_fields <= {"last_login", "password"}:
        return []
    return ["authors"]


def image_tags(image, *, created=False, **change):
    """A new picture shows nowhere yet; an edited one on the posts featuring it."""
    if created:
        return []
    featuring = list(
        Post.objects.filter(featured_image=image).values_list("pk", flat=True)[
            : MOST_POSTS_PER_IMAGE + 1
        ]
    )
    if len(featuring) > MOST_POSTS_PER_IMAGE:
        return ["image:%d" % image.pk, "images"]
    return ["image:%d" % image.pk, *("post:%d" % pk for pk in featuring)]


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
    pre_save.connect(note_where_it_was, sender=Post, dispatch_uid="pagecache-post-was")
    pre_delete.connect(
        note_where_it_was, sender=Post, dispatch_uid="pagecache-post-was-del"
    )
    registry.register(Post, post_tags)
    registry.register(
        Page, lambda page, **change: ["page:%d" % page.pk, "sidebar", "feeds"]
    )
    registry.register(
        Label,
        lambda label, **change: ["label:%d" % label.pk, "labels", "sidebar", "feeds"],
    )
    registry.register(LabeledPost, labeled_post_tags)
    registry.register(
        LabelRedirect, lambda redirect, **change: ["label:%d" % redirect.label_id]
    )
    registry.register(Image, image_tags)
    registry.register(Post.related_pinned.through, related_tags)
    registry.register(Post.related_excluded.through, related_tags)
    # The site's settings show on every page: `site` purges everything.
    registry.register(SiteSettings, ["site"])
    # A correction shows under its post ("Updated … — note") and in its JSON-LD.
    registry.register(Correction, lambda row, **change: ["post:%d" % row.post_id])
    # Authors' names show on posts.
    registry.register(get_user_model(), user_tags)
    registry.register_schedule(next_scheduled)
