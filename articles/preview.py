"""
Signed, expiring preview links: a draft or scheduled post, shown without a login.

Each link handed out is a PreviewLink row (its token id is in the signed
token), so the post form lists the links that exist with their expiry, and an
editor can revoke one. A link opens the preview while its signature is good,
its row exists, is not revoked and has not expired; anything else (including
tokens made before links were stored, which name no row) is a 404.
"""

from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView

from newsroom.conf import newsroom_setting

from .models import Post, PreviewLink

SALT = "articles.preview"


def preview_max_age():
    return newsroom_setting("PREVIEW_MAX_AGE")


def create_link(post, user=None):
    """A new preview link for `post`, valid for `preview_max_age()` from now."""
    now = timezone.now()
    return PreviewLink.objects.create(
        post=post,
        created_by=user if user is not None and user.is_authenticated else None,
        created_at=now,
        expires_at=now + preview_max_age(),
    )


def link_token(link):
    return signing.dumps(
        {"post": link.post_id, "link": link.token_id}, salt=SALT, compress=True
    )


def link_url(link):
    return reverse("articles:preview", args=[link_token(link)])


def make_preview_token(post, user=None):
    """The token of a new preview link for `post`."""
    return link_token(create_link(post, user))


def preview_url(post, user=None):
    """Address of a new preview link for `post`, valid for `preview_max_age()`."""
    return link_url(create_link(post, user))


def revoke(link):
    """End a link now: its address answers 404 from the next request."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def read_preview_token(token):
    """
    The post id of a valid token naming an active link; Http404 when it is
    tampered with, expired, revoked or of the old, unstored kind.
    """
    refused = Http404(_("This preview link is not valid or has expired."))
    try:
        data = signing.loads(token, salt=SALT, max_age=preview_max_age())
    except signing.BadSignature:
        # SignatureExpired is a BadSignature too.
        raise refused
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("post"), int)
        or not isinstance(data.get("link"), str)
    ):
        raise refused
    if (
        not PreviewLink.objects.active()
        .filter(post_id=data["post"], token_id=data["link"])
        .exists()
    ):
        raise refused
    return data["post"]


@method_decorator(never_cache, name="dispatch")
class PostPreviewView(DetailView):
    template_name = "articles/post_preview.html"
    context_object_name = "post"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # Expired, revoked, tampered with, or its post is gone: say so.
            response = render(request, "articles/preview_expired.html", status=404)
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response

    def get_object(self, queryset=None):
        pk = read_preview_token(self.kwargs["token"])
        return get_object_or_404(Post.objects.for_cards().defer(None), pk=pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["robots"] = "noindex, nofollow"
        context["is_preview"] = True
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
