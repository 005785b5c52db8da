from django import template

from pagecache.store import remember

from ..models import Follower

register = template.Library()


@register.inclusion_tag("followers/includes/follow_widget.html")
def follow_widget():
    return {"count": remember("follower-count", Follower.objects.confirmed().count)}
