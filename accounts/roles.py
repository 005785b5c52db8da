"""What editors may do about reader accounts: see members, grant and revoke."""

from articles.roles import EDITORS, MEMBERS

# Codenames of the `accounts` app's permissions the Editors group holds.
EDITOR_PERMISSIONS = ["view_membership", "view_membershipevent", "manage_membership"]


def sync_membership_managers(group_model, permission_model):
    """
    Give the Editors group the accounts app's permissions above, replacing
    only the accounts app's own (what other apps granted is kept), and make
    sure the Members group exists. Takes the models as arguments so a data
    migration can pass its historical ones.
    """
    group_model.objects.get_or_create(name=MEMBERS)
    editors, _created = group_model.objects.get_or_create(name=EDITORS)
    kept = editors.permissions.exclude(content_type__app_label="accounts")
    editors.permissions.set(
        [
            *permission_model.objects.filter(
                content_type__app_label="accounts", codename__in=EDITOR_PERMISSIONS
            ),
            *kept,
        ]
    )
    return editors


def ensure_membership_managers():
    """The grants as the migration made them (tests flush them; the demo relies on them)."""
    from django.contrib.auth.models import Group, Permission

    return sync_membership_managers(Group, Permission)
