"""Post bodies as readers see them: images sized by today's rules when shown."""

from django import template
from django.utils.safestring import mark_safe

from ..body_images import responsive_body_images

register = template.Library()


@register.filter
def body_html(value):
    """A stored body (sanitised at save) with its images sized to the column.

    Bodies saved before the rules changed are brought up to date here, when
    shown, rather than rewritten in the database.
    """
    return mark_safe(responsive_body_images(value or ""))  # noqa: S308 - sanitised at save
