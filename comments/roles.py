"""
The Moderators group: comment permissions only, nothing about posts. They
set the comment rules (Comment settings), block commenters and read reports.
"""

MODERATORS = "Moderators"

# Codenames of the `comments` app's permissions the group holds.
MODERATOR_PERMISSIONS = [
    "view_comment",
    "change_comment",
    "moderate_comment",
    "view_moderationevent",
    "view_commentsettings",
    "change_commentsettings",
    "view_block",
    "add_block",
    "delete_block",
    "view_report",
]


def sync_moderators(group_model, permission_model):
    """
    Create the group and give it exactly its permissions. Takes the models as
    arguments so a data migration can pass its historical ones.
    """
    group, _created = group_model.objects.get_or_create(name=MODERATORS)
    group.permissions.set(
        permission_model.objects.filter(
            content_type__app_label="comments", codename__in=MODERATOR_PERMISSIONS
        )
    )
    return group


def ensure_moderators():
    """The group as the migration made it (tests flush it; the demo relies on it)."""
    from django.contrib.auth.models import Group, Permission

    return sync_moderators(Group, Permission)
