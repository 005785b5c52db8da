"""Helpers for the newsroom admin tests: people in each role and form data."""

from django.utils import timezone

from articles import roles
from tests.factories import make_user

PASSWORD = "a-good-test-password"


def make_person(role, **overrides):
    """A user in `role` ("Writers", "Editors", "Moderators", "Members")."""
    if role == roles.MODERATORS:
        from comments.roles import ensure_moderators

        group = ensure_moderators()
    else:
        group = roles.ensure_roles()[role]
    overrides.setdefault("is_staff", role != roles.MEMBERS)
    user = make_user(password=PASSWORD, **overrides)
    user.groups.add(group)
    return user


def post_form_data(post=None, **overrides):
    """What the post change form sends back unchanged (or as a new post)."""
    data = {
        "title": "A new post",
        "body": "<p>Body text.</p>",
        "status": "draft",
        "excerpt": "",
        "seo_description": "",
        "comments_open": "on",
        "premium_body": "",
        "premium_mode": "members",
        "new_labels": "",
        "slug": "",
        "blogger_id": "",
        "featured_image": "",
        "published_at_0": "",
        "published_at_1": "",
    }
    if post is not None:
        data.update(
            title=post.title,
            body=post.body,
            status=post.status,
            excerpt=post.excerpt,
            seo_description=post.seo_description,
            premium_body=post.premium_body,
            premium_mode=post.premium_mode,
            slug=post.slug,
            blogger_id=post.blogger_id,
            edit_version=post.version,
            author=post.author_id or "",
        )
        if not post.comments_open:
            del data["comments_open"]
        if post.published_at:
            local = timezone.localtime(post.published_at)
            data["published_at_0"] = local.strftime("%Y-%m-%d")
            data["published_at_1"] = local.strftime("%H:%M:%S")
        data["chosen_labels"] = [label.pk for label in post.label_list]
    data.update(overrides)
    return data


def change_url(post):
    return "/admin/articles/post/%d/change/" % post.pk
