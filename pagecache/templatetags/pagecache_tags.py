from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from pagecache.store import remember

register = template.Library()


class SharedFragmentNode(template.Node):
    def __init__(self, name, vary_on, nodelist):
        self.name = name
        self.vary_on = vary_on
        self.nodelist = nodelist

    def render(self, context):
        parts = [self.name, get_language()]
        parts += [str(expression.resolve(context)) for expression in self.vary_on]
        name = "fragment:" + ":".join(parts)
        return mark_safe(remember(name, lambda: self.nodelist.render(context)))  # noqa: S308 - rendered by our own template


@register.tag
def shared_fragment(parser, token):
    """
    {% shared_fragment "name" [value ...] %}...{% endshared_fragment %}: HTML
    that is the same for every reader wherever it appears (the sidebar, a post's
    card), rendered once per purge of the page cache for each language and
    each combination of the values. Put nothing per-reader inside.
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("shared_fragment needs a name.")
    vary_on = [parser.compile_filter(bit) for bit in bits[2:]]
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(bits[1].strip("\"'"), vary_on, nodelist)
