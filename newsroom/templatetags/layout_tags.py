from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from pagecache.store import remember_for_path

register = template.Library()


@register.simple_tag(takes_context=True)
def language_switcher(context):
    """The footer's language form, returning the reader to this page."""
    request = context.get("request")
    path = request.path if request is not None else "/"
    html = remember_for_path(
        "language-switcher",
        path,
        lambda next_path: render_to_string(
            "includes/language_switcher.html", {"next": next_path}
        ),
    )
    return mark_safe(html)  # noqa: S308 - our own template; the path is URL-quoted
