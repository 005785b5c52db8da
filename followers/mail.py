"""E-mails to followers, each with a one-click unfollow link and header (RFC 8058)."""

import email.policy

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from articles.models import SiteSettings
from newsroom.conf import newsroom_setting

from .tokens import make_unfollow_token


def absolute_url(path, request=None):
    """`path` on this site: from the request when there is one, else SITE_URL."""
    if request is not None:
        return request.build_absolute_uri(path)
    base = newsroom_setting("SITE_URL")
    return base.rstrip("/") + path


class FollowerEmail(EmailMessage):
    def message(self, *, policy=email.policy.default):
        # Folding at 78 columns would turn the long unfollow URL into RFC 2047
        # encoded words, which mail clients do not read as a URL; 998 is the
        # line limit of RFC 5322.
        return super().message(policy=policy.clone(max_line_length=998))


def send_to_follower(follower, subject, template_name, context, request=None):
    unfollow_url = absolute_url(
        reverse("followers:unfollow", args=[make_unfollow_token(follower)]), request
    )
    site = SiteSettings.load()
    body = render_to_string(
        template_name,
        {
            **context,
            "site": site,
            "home_url": absolute_url("/", request),
            "unfollow_url": unfollow_url,
        },
    )
    message = FollowerEmail(
        subject=subject,
        body=body,
        to=[follower.email],
        headers={
            "List-Unsubscribe": "<%s>" % unfollow_url,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.send()
