"""
Signing in, and the signed-in user of each request, read in one query.

Django's ModelBackend reads the user, then on the first permission check two
more queries (the user's own permissions, their groups' permissions), and the
post page asks whether they are a member (a third). For a reader, who holds no
permission, every one of those answers is "nothing". AccountBackend reads the
user with three yes/no flags in the same query: whether they hold permissions
of their own, permissions through a group, and a group that reads premium
parts. Where a flag says "none", the permission cache ModelBackend keeps on
the user is filled with nothing, so no query is made; staff and editors, who
do hold permissions, are read exactly as before.

Sessions signed in before this backend name Django's ModelBackend, which stays
listed after it (settings AUTHENTICATION_BACKENDS) so those readers stay
signed in. It must never check a password a second time: a wrong one would
cost two hashes. So AccountBackend, the first, ends the sign-in when the
credentials are wrong (PermissionDenied stops Django's loop over backends; it
still sends `user_login_failed` once, as before).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Exists, OuterRef

from articles.roles import EDITORS, MEMBERS, WRITERS, is_member

# The groups articles.roles.is_member() reads: premium parts for all of them.
PREMIUM_GROUPS = [MEMBERS, EDITORS, WRITERS]

# Set on the user by AccountBackend.get_user(): whether they read premium parts.
READS_PREMIUM = "_newsroom_reads_premium"


class AccountBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username, password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied  # no other backend checks this password again
        return user

    def get_user(self, user_id):
        model = get_user_model()
        sql, params, at = _user_query(model)
        params = list(params)
        params[at] = model._meta.pk.get_db_prep_value(
            model._meta.pk.to_python(user_id), connections[model._default_manager.db]
        )
        user = next(iter(model._default_manager.raw(sql, params)), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        if not user.is_superuser:
            # ModelBackend's own caches: "nothing" needs no query to find out.
            if not user.has_own_permissions:
                user._user_perm_cache = set()
            if not user.has_group_permissions:
                user._group_perm_cache = set()
        setattr(
            user,
            READS_PREMIUM,
            bool(user.is_superuser or user.is_staff or user.in_premium_group),
        )
        return user


# Stands for the user's id while the query is compiled.
_ANY_ID = -7_340_001
_compiled = {}


def _user_query(model):
    """
    The SQL of the user with the three flags, its parameters and the index of
    the id among them: written by the ORM once per process (building and
    compiling it cost five times what running it does, on every request).
    """
    from django.contrib.auth.models import Group, Permission

    key = (model._meta.label, model._default_manager.db)
    if key not in _compiled:
        query = (
            model._default_manager.annotate(
                has_own_permissions=Exists(
                    Permission.objects.filter(user=OuterRef("pk"))
                ),
                has_group_permissions=Exists(
                    Permission.objects.filter(group__user=OuterRef("pk"))
                ),
                in_premium_group=Exists(
                    Group.objects.filter(user=OuterRef("pk"), name__in=PREMIUM_GROUPS)
                ),
            )
            .filter(pk=_ANY_ID)
            .query
        )
        sql, params = query.get_compiler(model._default_manager.db).as_sql()
        _compiled[key] = (sql, tuple(params), list(params).index(_ANY_ID))
    return _compiled[key]


def reads_premium(user):
    """
    articles.roles.is_member(user), without a query when the user was read by
    AccountBackend (every signed-in request's user).
    """
    known = getattr(user, READS_PREMIUM, None)
    if known is not None:
        return known
    return is_member(user)
