from django import template
from django.utils.safestring import mark_safe

from .. import extensions

register = template.Library()


@register.simple_tag(takes_context=True)
def extension_templates(context, place):
    """
    {% extension_templates "post_end" %}: what other apps registered for this
    place of the page (articles/extensions.py), rendered like an {% include %}.
    """
    return mark_safe(extensions.render_templates(place, context))  # noqa: S308 - our own templates, escaped by the engine
