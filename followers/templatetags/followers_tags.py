from django import template

from articles.models import SiteSettings
from pagecache.store import remember

from ..models import Follower

register = template.Library()


@register.inclusion_tag("followers/includes/follow_widget.html")
def follow_widget():
    """
    The Followers widget: the Follow form, and the follower count once it
    reaches the number editors set (SiteSettings.followers_shown_from).
    """
    count = remember(
        "follower-count", Follower.objects.confirmed().count, tags=["sidebar"]
    )
    return {
        "count": count,
        "show_count": count >= SiteSettings.load().followers_shown_from,
    }
