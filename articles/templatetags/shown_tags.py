"""
`{% shows post %}`: names what a template draws for the page cache, so a page
or shared part holding it is purged when it changes (articles/purges.py says
which tags an item has; pagecache/store.py keeps them).
"""

from django import template

from pagecache.store import tag

from ..purges import shown

register = template.Library()


@register.simple_tag
def shows(*items):
    """`{% shows post %}`, `{% shows label %}`, or a list's own tag: `{% shows "home" %}`."""
    for item in items:
        if item is None or item == "":
            continue
        if isinstance(item, str):
            tag(item)
        else:
            tag(*shown(item))
    return ""
