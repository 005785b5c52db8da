"""Test data: make_* helpers that state only what a test cares about."""

import io
from datetime import timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Image, Page, Post, Status
from comments.models import Comment
from comments.roles import ensure_moderators

_numbers = count(1)


def make_user(**overrides):
    number = next(_numbers)
    overrides.setdefault("username", "user%d" % number)
    overrides.setdefault("email", "user%d@example.com" % number)
    password = overrides.pop("password", "a-good-test-password")
    return get_user_model().objects.create_user(password=password, **overrides)


def make_post(labels=(), **overrides):
    """A live post published an hour ago unless told otherwise."""
    number = next(_numbers)
    overrides.setdefault("title", "Post number %d" % number)
    overrides.setdefault("body", "<p>Body of post %d.</p>" % number)
    overrides.setdefault("status", Status.PUBLISHED)
    if overrides["status"] == Status.PUBLISHED:
        overrides.setdefault("published_at", timezone.now() - timedelta(hours=1))
    post = Post.objects.create(**overrides)
    if labels:
        post.set_labels(labels)
    return post


def make_draft(**overrides):
    overrides.setdefault("status", Status.DRAFT)
    overrides.setdefault("published_at", None)
    return make_post(**overrides)


def make_scheduled(delay=timedelta(hours=1), **overrides):
    overrides.setdefault("published_at", timezone.now() + delay)
    return make_post(**overrides)


def make_page(**overrides):
    number = next(_numbers)
    overrides.setdefault("title", "Page %d" % number)
    overrides.setdefault("body", "<p>Page body %d.</p>" % number)
    overrides.setdefault("status", Status.PUBLISHED)
    return Page.objects.create(**overrides)


def jpeg_bytes(size=(800, 600), colour=(200, 30, 30), **save_options):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "JPEG", **save_options)
    return buffer.getvalue()


def make_image(size=(800, 600), **overrides):
    number = next(_numbers)
    overrides.setdefault("filename", "picture-%d.jpg" % number)
    overrides.setdefault("alt_text", "Picture %d" % number)
    image = Image(**overrides)
    image.file.save(overrides["filename"], ContentFile(jpeg_bytes(size)), save=False)
    image.width, image.height = size
    image.save()
    return image


def make_comment(target=None, **overrides):
    """
    An approved comment on `target`, a post or a page (for a reply: on its
    parent's; else on a new post).
    """
    number = next(_numbers)
    overrides.setdefault("name", "Reader %d" % number)
    overrides.setdefault("text", "Comment number %d." % number)
    overrides.setdefault("status", Comment.Status.APPROVED)
    if target is None:
        parent = overrides.get("parent")
        target = parent.target if parent is not None else make_post()
    field = "page" if isinstance(target, Page) else "post"
    return Comment.objects.create(**{field: target}, **overrides)


def make_moderator(**overrides):
    """A staff account in the Moderators group (comment permissions only)."""
    overrides.setdefault("is_staff", True)
    user = make_user(**overrides)
    user.groups.add(ensure_moderators())
    return user
