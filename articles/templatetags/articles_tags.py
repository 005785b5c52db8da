from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from ..models import Post
from ..selectors import archive_months, label_counts

register = template.Library()

DATE_FORMAT = "M d, Y"


@register.simple_tag
def post_time(moment):
    """A <time> element carrying the absolute date (`Mar 05, 2025`)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    absolute = formats.date_format(local, DATE_FORMAT)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        absolute,
        absolute,
    )


@register.filter
def image_url(image, size="s320"):
    """The address of an Image at a Blogger size, or "" without an image."""
    if not image:
        return ""
    return image.url(size)


@register.inclusion_tag("articles/includes/label_widget.html")
def label_widget():
    return {"labels": label_counts()}


@register.inclusion_tag("articles/includes/news_feed_widget.html")
def news_feed_widget(count=5):
    posts = (
        Post.objects.published().select_related("featured_image").newest_first()[:count]
    )
    return {"posts": posts}


@register.inclusion_tag("articles/includes/archive_widget.html")
def archive_widget():
    return {"months": archive_months()}
