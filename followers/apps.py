from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowersConfig(AppConfig):
    name = "followers"
    verbose_name = _("Followers")

    def ready(self):
        from pagecache import registry

        from .models import Follower

        registry.register(Follower, follower_tags)


def follower_tags(follower, *, deleted=False, update_fields=None, **change):
    """
    The sidebar's follower count shows confirmed followers only; a new
    confirmation code (a follow request, also by a confirmed follower) shows
    nowhere.
    """
    if update_fields is not None and set(update_fields) <= {"confirm_nonce"}:
        return []
    return ["sidebar"] if follower.confirmed_at or deleted else []
