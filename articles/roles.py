"""
The newsroom's roles: which group may do what, and the checks the admin asks.

Writers write and submit their own drafts; Editors do everything about posts,
pages, labels and images; Members are readers with premium access and no admin.
Moderators (comments only) are defined by the comments app.
"""

from .models import Status

WRITERS = "Writers"
EDITORS = "Editors"
MODERATORS = "Moderators"
MEMBERS = "Members"

_EDITOR_MODELS = ["post", "page", "label", "labeledpost", "labelredirect", "image"]
_CRUD = ["add", "change", "delete", "view"]

# Codenames of the `articles` app's permissions, by group.
ROLE_PERMISSIONS = {
    WRITERS: [
        "add_post",
        "change_post",
        "delete_post",
        "view_post",
        "view_label",
        "add_image",
        "view_image",
    ],
    EDITORS: ["%s_%s" % (action, model) for model in _EDITOR_MODELS for action in _CRUD]
    + ["publish_post", "edit_any_post"]
    # Editors set the site's name, tagline and time zone (Site settings).
    + ["view_sitesettings", "change_sitesettings"],
    MEMBERS: [],
}


def sync_roles(group_model, permission_model):
    """
    Create the groups and give each exactly its permissions on articles'
    models. What other apps granted the same groups (comments, the Blogger
    404 log) is kept. Takes the models as arguments so a data migration can
    pass its historical ones.
    """
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=name)
        kept = group.permissions.exclude(content_type__app_label="articles")
        group.permissions.set(
            [
                *permission_model.objects.filter(
                    content_type__app_label="articles", codename__in=codenames
                ),
                *kept,
            ]
        )


def ensure_roles():
    """The groups as the migration made them (tests flush them; demo relies on them)."""
    from django.contrib.auth.models import Group, Permission

    sync_roles(Group, Permission)
    return {name: Group.objects.get(name=name) for name in ROLE_PERMISSIONS}


def can_publish(user):
    return user.has_perm("articles.publish_post")


def can_edit_any_post(user):
    return user.has_perm("articles.edit_any_post")


def can_change_post(user, post):
    """Editors change any post; writers only their own, until it is published."""
    if not user.has_perm("articles.change_post"):
        return False
    if post is None or can_edit_any_post(user):
        return True
    return post.author_id == user.pk and post.status != Status.PUBLISHED


def can_delete_post(user, post):
    if not user.has_perm("articles.delete_post"):
        return False
    if post is None or can_edit_any_post(user):
        return True
    return post.author_id == user.pk and post.status == Status.DRAFT


def is_member(user):
    """Readers with premium access (and everyone who runs the newsroom)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return user.groups.filter(name__in=[MEMBERS, EDITORS, WRITERS]).exists()
