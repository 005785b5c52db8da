from django import template
from django.utils.html import format_html

from .. import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context, path=None):
    return seo.canonical_url(context["request"], path)


@register.simple_tag(takes_context=True)
def site_social_tags(context, description=""):
    request = context["request"]
    site = context["site"]
    return seo.site_social_tags(request, site, description or site.tagline)


@register.simple_tag(takes_context=True)
def post_head(context, post):
    """Open Graph, Twitter card and NewsArticle JSON-LD of a post page."""
    request = context["request"]
    site = context["site"]
    return format_html(
        "{}\n  {}",
        seo.post_social_tags(request, site, post),
        seo.json_ld(seo.news_article(request, site, post)),
    )
