"""
The premium endpoints (docs/premium.md), all under /premium/ where the grant
cookie is sent, and none ever stored by a cache:

- `POST /premium/ID/shared` (`via`: whatsapp, facebook, x, email, copy): the
  reader pressed a share button of a share-to-unlock post. Their browser gets
  a grant for it; a script gets JSON (where the part is), a form without a
  script is sent to the post's premium page, which carries the share link.
- `GET /premium/ID/part`: the premium part alone, for the post page's script;
  403 to anyone who may not read it.
- `GET /premium/ID/`: a page with the premium part (or, refused, how to unlock
  it): the way in without JavaScript.

The post's own page never holds the premium text, so it stays one cached page
for everyone.
"""

from django.core.exceptions import BadRequest
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from articles.models import Post

from . import premium
from .sharing import UNLOCK_BUTTONS, unlock_buttons


def _premium_post(pk):
    """The live post with a premium part, or 404."""
    return get_object_or_404(
        Post.objects.published()
        .exclude(premium_body="")
        .only("pk", "title", "permalink", "premium_body", "premium_mode"),
        pk=pk,
    )


def _private(response):
    """Never kept by the browser, a proxy or the page cache; it varies by cookie."""
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _via(request):
    via = request.POST.get("via") or request.GET.get("via") or ""
    if via not in UNLOCK_BUTTONS:
        raise BadRequest(
            _("Say where the post was shared (via): one of %(choices)s.")
            % {"choices": ", ".join(UNLOCK_BUTTONS)}
        )
    return via


def _buttons(request, post):
    return unlock_buttons(
        request.build_absolute_uri(post.get_absolute_url()), post.title
    )


@require_POST
def shared(request, pk):
    via = _via(request)
    post = _premium_post(pk)
    if not premium.unlocks_by_sharing(post):
        message = _(
            "Sharing does not unlock this post: its premium part is for members."
        )
        if _wants_json(request):
            return _private(
                JsonResponse({"granted": False, "error": message}, status=403)
            )
        return _private(_page(request, post, status=403))
    target = dict((key, href) for key, _name, href in _buttons(request, post))[via]
    page = reverse("premium_page", args=[post.pk])
    if _wants_json(request):
        response = JsonResponse(
            {
                "granted": True,
                "part": reverse("premium_part", args=[post.pk]),
                "page": page,
                "share": target,
            }
        )
    else:
        # Not straight to the network: the post page's Content-Security-Policy
        # (form-action 'self') forbids a form to lead to another site. The
        # premium page carries the link to share with.
        response = HttpResponseRedirect("%s?via=%s" % (page, via), status=303)
    premium.add_grant(request, response, post)
    return _private(response)


@require_safe
def part(request, pk):
    post = _premium_post(pk)
    if not premium.may_read(request, post):
        response = HttpResponse(
            _("Share this post or become a member to read its premium part."),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
        return _private(response)
    html = render_to_string("accounts/includes/premium_part.html", {"post": post})
    return _private(HttpResponse(html))


@require_safe
def page(request, pk):
    post = _premium_post(pk)
    allowed = premium.may_read(request, post)
    return _private(_page(request, post, status=200 if allowed else 403))


def _page(request, post, *, status):
    allowed = status == 200
    via = request.GET.get("via") if allowed else None
    buttons = _buttons(request, post)
    shared_on = [button for button in buttons if button[0] == via]
    context = premium.box_context(request, post, member_view=False)
    context.update(
        allowed=allowed,
        shared_on=shared_on[0] if shared_on else None,
        post_url=request.build_absolute_uri(post.get_absolute_url()),
        robots="noindex",
    )
    return render(request, "accounts/premium_page.html", context, status=status)
