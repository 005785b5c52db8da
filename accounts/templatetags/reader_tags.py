from django import template
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from articles.people import display_name
from pagecache.store import remember, remember_for_path

from ..backends import reads_premium
from ..premium import box_context, unlocks_by_sharing
from ..sharing import share_links

register = template.Library()


def _is_member(request):
    """Asked once per request: the post page needs it for two tags."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    if not hasattr(request, "_newsroom_is_member"):
        request._newsroom_is_member = reads_premium(user)
    return request._newsroom_is_member


def _absolute(request, path):
    return request.build_absolute_uri(path) if request is not None else path


def _share_context(request, post, *, member):
    if post.premium_body and not member and unlocks_by_sharing(post):
        return {"share": []}  # the premium box carries the share buttons
    return {
        "share": share_links(_absolute(request, post.get_absolute_url()), post.title)
    }


def _render_reader_parts(request, post, *, member, inline=False):
    context = box_context(request, post, member_view=member)
    if inline:
        context["inline_html"] = post.premium_body
    return render_to_string(
        "accounts/includes/premium_section.html", context
    ) + render_to_string(
        "accounts/includes/share_buttons.html",
        _share_context(request, post, member=member),
    )


@register.simple_tag(takes_context=True)
def post_reader_parts(context, post):
    """
    Under a post's free text: the "THIS CONTENT IS PREMIUM" box, then the
    share links. The premium text itself is never on the page, not even a
    member's (docs/premium.md): the box fetches it from /premium/ID/part,
    which checks membership or the reader's share grant. So the page is one
    cached page for every reader who is not signed in, whatever grants they
    hold. A member's box (their pages are private) offers the part at once.
    A preview link, never cached, shows a member the part in place.
    """
    request = context.get("request")
    member = bool(post.premium_body) and _is_member(request)
    if member and context.get("is_preview"):
        # The premium text in place: never shared.
        html = _render_reader_parts(request, post, member=True, inline=True)
        return mark_safe(html)  # noqa: S308 - our own templates
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    # A member's box is the same for every member (it fetches the part), the
    # others' the same for every reader signed in, or not.
    key = "post-reader:%s:%s:%s:%d:%d:%d" % (
        get_language(),
        request.scheme if request is not None else "",
        request.get_host() if request is not None else "",
        post.pk,
        signed_in,
        member,
    )
    html = remember(
        key,
        lambda: _render_reader_parts(request, post, member=member),
        tags=["post:%d" % post.pk],
    )
    return mark_safe(html)  # noqa: S308 - our own templates


@register.simple_tag(takes_context=True)
def account_links(context):
    """Sign in / Sign up (back to this page), or the reader's name and Sign out."""
    request = context.get("request")
    user = getattr(request, "user", None)
    path = request.path if request is not None else "/"
    if user is not None and user.is_authenticated:
        # Shared by every signed-in reader; their name and the Sign out
        # form's CSRF token (theirs alone) are put in for each response.
        html = remember_for_path("account-links-signed-in", path, _signed_in_links)
        html = html.replace(TOKEN_MARK, get_token(request))
        # The name last, so no mark inside a name is ever replaced.
        html = html.replace(NAME_MARK, escape(display_name(user)))
        return mark_safe(html)  # noqa: S308 - our own template; the name is escaped
    html = remember_for_path(
        "account-links",
        path,
        lambda next_path: render_to_string(
            ACCOUNT_LINKS, {"user": None, "next": next_path}
        ),
    )
    return mark_safe(html)  # noqa: S308 - our own template; the path is URL-quoted


ACCOUNT_LINKS = "accounts/includes/account_links.html"

# Stand for the reader's display name and CSRF token in the shared links:
# plain letters and digits, which escaping leaves as they are.
NAME_MARK = "newsroomNAMEmark0"
TOKEN_MARK = "newsroomTOKENmark0"  # noqa: S105 - a placeholder, no secret


class _MarkedReader:
    """What the template reads of a signed-in reader, their name a mark."""

    is_authenticated = True

    def get_full_name(self):
        return NAME_MARK

    def get_username(self):
        return NAME_MARK


def _signed_in_links(next_path):
    # `next_path` (the path's mark) is not on a signed-in reader's links.
    return render_to_string(
        ACCOUNT_LINKS,
        {"user": _MarkedReader(), "next": next_path, "csrf_token": TOKEN_MARK},
    )
