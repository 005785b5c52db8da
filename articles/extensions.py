"""
Where other apps add to articles' pages without articles importing them.

`articles` is the content core and imports no other app (docs/architecture.md).
An app that shows something on articles' pages registers it here from its
`AppConfig.ready()`: `comments` adds the comment count to post cards, its
section under posts and pages, its moderation queue to the admin dashboard and
its demo comments to `manage.py loaddemo`. Articles reads these registries and
never names the app that filled them.
"""

from collections.abc import Callable

from django.db.models import Expression, OuterRef

# name -> function(OuterRef("pk")) -> expression, annotated on `for_cards()`
# (a subquery in the list's own query, so it costs no extra query).
card_annotations: dict[str, Callable[[OuterRef], Expression]] = {}
# name -> function(OuterRef("pk")) -> expression, annotated on the page a
# page's view reads.
page_annotations: dict[str, Callable[[OuterRef], Expression]] = {}
# place -> template names rendered, in the page's own context, at that place:
# "card_meta" (end of a card's meta line, `post`), "post_end" (under a post,
# `post`), "page_end" (under a page, `page`).
templates: dict[str, list[str]] = {"card_meta": [], "post_end": [], "page_end": []}
# Functions(context) -> HTML added to the admin dashboard, after the posts.
dashboard_parts: list[Callable] = []
# Functions(out) -> bool ("something was loaded") run after articles' demo.
demo_loaders: list[Callable] = []


def add_card_annotation(name, expression):
    card_annotations[name] = expression


def add_page_annotation(name, expression):
    page_annotations[name] = expression


def add_template(place, template_name):
    if template_name not in templates[place]:
        templates[place].append(template_name)


def add_dashboard_part(render):
    if render not in dashboard_parts:
        dashboard_parts.append(render)


def add_demo_loader(load):
    if load not in demo_loaders:
        demo_loaders.append(load)


def annotate_cards(queryset):
    if not card_annotations:
        return queryset
    return queryset.annotate(
        **{name: make(OuterRef("pk")) for name, make in card_annotations.items()}
    )


def annotate_pages(queryset):
    if not page_annotations:
        return queryset
    return queryset.annotate(
        **{name: make(OuterRef("pk")) for name, make in page_annotations.items()}
    )


def render_templates(place, context):
    """The templates registered for `place`, each rendered in `context` (as {% include %})."""
    engine = context.template.engine
    parts = []
    for name in templates[place]:
        with context.push():
            parts.append(engine.get_template(name).render(context))
    return "".join(parts)
