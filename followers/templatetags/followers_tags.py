from django import template

from ..models import Follower

register = template.Library()


@register.inclusion_tag("followers/includes/follow_widget.html")
def follow_widget():
    return {"count": Follower.objects.confirmed().count()}
