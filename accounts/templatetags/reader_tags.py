from urllib.parse import urlencode

from django import template
from django.urls import reverse

from articles.roles import is_member

from ..sharing import share_links

register = template.Library()


def _is_member(request):
    """Asked once per request: the post page needs it for two tags."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    if not hasattr(request, "_newsroom_is_member"):
        request._newsroom_is_member = is_member(user)
    return request._newsroom_is_member


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
    member = bool(post.premium_body) and _is_member(request)
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
    if post.premium_body and not _is_member(request):
        return {"share": []}  # the premium box carries the share links
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
