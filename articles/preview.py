"""Signed, expiring preview links: a draft or scheduled post, shown without a login."""

from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView

from newsroom.conf import newsroom_setting

from .models import Post

SALT = "articles.preview"


def preview_max_age():
    return newsroom_setting("PREVIEW_MAX_AGE")


def make_preview_token(post):
    return signing.dumps({"post": post.pk}, salt=SALT, compress=True)


def preview_url(post):
    """Address of the post's preview, valid for `preview_max_age()` from now."""
    return reverse("articles:preview", args=[make_preview_token(post)])


def read_preview_token(token):
    """The post id in a valid token; Http404 when it is tampered with or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=preview_max_age())
    except signing.BadSignature:
        # SignatureExpired is a BadSignature too.
        raise Http404(_("This preview link is not valid or has expired."))
    if not isinstance(data, dict) or not isinstance(data.get("post"), int):
        raise Http404(_("This preview link is not valid or has expired."))
    return data["post"]


@method_decorator(never_cache, name="dispatch")
class PostPreviewView(DetailView):
    template_name = "articles/post_preview.html"
    context_object_name = "post"

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
