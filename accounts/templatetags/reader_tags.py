from urllib.parse import urlencode

from django import template
from django.urls import reverse

from articles.roles import is_member

from ..sharing import share_links

register = template.Library()


def _absolute(request, path):
    return request.build_absolute_uri(path) if request is not None else path


@register.inclusion_tag("accounts/includes/premium_section.html", takes_context=True)
def premium_section(context, post):
    """
    The post's premium part for members; for everyone else only the
    "THIS CONTENT IS PREMIUM" box. The premium text itself is never put in a
    non-member's context, so no template can leak it.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    member = bool(post.premium_body) and user is not None and is_member(user)
    post_url = _absolute(request, post.get_absolute_url())
    back = urlencode({"next": post.get_absolute_url()})
    return {
        "has_premium": bool(post.premium_body),
        "premium_html": post.premium_body if member else "",
        "share": share_links(post_url, post.title) if not member else [],
        "login_url": "%s?%s" % (reverse("login"), back),
        "signup_url": "%s?%s" % (reverse("signup"), back),
        "is_authenticated": bool(user and user.is_authenticated),
    }


@register.inclusion_tag("accounts/includes/share_buttons.html", takes_context=True)
def share_buttons(context, post):
    request = context.get("request")
    return {
        "share": share_links(_absolute(request, post.get_absolute_url()), post.title)
    }


@register.inclusion_tag("accounts/includes/account_links.html", takes_context=True)
def account_links(context):
    request = context.get("request")
    return {
        "user": getattr(request, "user", None),
        "next": request.path if request is not None else "/",
    }
