"""
CSRF for public forms on cacheable pages, and what a refused POST is told.

Pages served to anonymous readers carry no per-reader token, so one cached copy
fits everyone. Their POST forms (`data-csrf="lazy"`) get a token from
`csrf_token_view` when the reader starts on them, or just before they are sent
(static/js/csrf.js). A comment form (`data-token-for="post-12"`) gets its
single-use form token from the same answer (`/csrf-token?for=post-12`), so its
issue time is when the reader began writing (comments/spam.py).

A reader without JavaScript therefore sends the first POST without a token and
Django's CSRF check refuses it. For the few reader forms listed in `RESENDABLE`
only (a comment, following by e-mail, the language switch), and only when the
browser says the POST came from a page of this site, the failure view shows
exactly what would be sent and where, with a fresh token, so one more click
sends it and nothing typed is lost (a share-to-unlock button pressed without
JavaScript, accounts/premium_views.py, is such a form too). A comment resent
this way carries a form token issued when the server saw that first attempt:
the minimum fill time is measured from it, so a reader takes a moment over the
confirmation while a bot that sends the confirmation at once is held as spam,
as one that posts twice quickly would be.

Every other refused POST (the admin, sign-in, accounts, moderation, anything
that arrives from another site) gets a plain 403 with nothing to resend: a
resend offered there would turn any cross-site POST into a one-click attack.
"""

from urllib.parse import urlsplit

from django.core.exceptions import DisallowedHost
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

# The URL names whose refused POST may be offered again, with what each sends.
RESENDABLE = {
    "comments:post": _("Your comment on this post"),
    "comments:page": _("Your comment on this page"),
    "followers:follow": _("Following this site by e-mail"),
    "set_language": _("Your choice of language"),
    "premium_shared": _("Sharing this post to unlock its premium part"),
}
# Fields shown with a readable label; any other field is shown by its name.
FIELD_LABELS = {
    "name": _("Name"),
    "email": _("E-mail"),
    "text": _("Comment"),
    "parent": _("In reply to comment"),
    "website": _("Leave this field empty"),
    "labels": _("Labels"),
    "language": _("Language"),
    "next": _("Then go to"),
    "via": _("Shared on"),
}
# Fields never carried over to the confirmation form.
SKIPPED_FIELDS = {"csrfmiddlewaretoken"}
# Carried over, but not listed on the page.
UNLISTED_FIELDS = {"token"}
MAX_FIELDS = 30
MAX_VALUES = 5
SAME_SITE_FETCH = {"same-origin", "none"}


# The URL names of the comment forms, whose resend gets a fresh form token.
COMMENT_FORMS = {"comments:post", "comments:page"}


@never_cache
def csrf_token_view(request):
    """
    The CSRF token, and with `?for=post-12` a fresh comment form token for that
    post's (or page's) form. Never cached, so each reader gets their own.
    """
    answer = {"token": get_token(request)}
    wanted = request.GET.get("for")
    if wanted:
        from comments.spam import token_for_name

        form_token = token_for_name(wanted)
        if form_token is not None:
            answer["form_token"] = form_token
    return JsonResponse(answer)


def _resolve(request):
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def _url_name(request):
    match = _resolve(request)
    return match.view_name if match is not None else None


def _comment_form_token(request):
    """A form token for the comment form this POST was sent to, issued now."""
    match = _resolve(request)
    if match is None or match.view_name not in COMMENT_FORMS:
        return None
    from comments.spam import make_token

    return make_token(match.kwargs["kind"], match.kwargs["pk"])


def _host(request):
    try:
        return request.get_host()
    except DisallowedHost:
        return None


def came_from_this_site(request):
    """
    Whether the browser says this POST was sent from one of this site's pages:
    Sec-Fetch-Site, else Origin, else Referer. A request that names none of
    them (an old browser, a privacy tool) is believed, as Django's own CSRF
    check believes it over plain HTTP.
    """
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site:
        return fetch_site in SAME_SITE_FETCH
    host = _host(request)
    for header in ("HTTP_ORIGIN", "HTTP_REFERER"):
        value = request.META.get(header)
        if value:
            return host is not None and urlsplit(value).netloc == host
    return True


def resend_destination(request):
    """What a refused POST would do if sent again, or None when it may not be."""
    if request.method != "POST" or not came_from_this_site(request):
        return None
    return RESENDABLE.get(_url_name(request))


def csrf_failure(request, reason=""):
    destination = resend_destination(request)
    fields = []
    form_token = None
    if destination is not None:
        form_token = _comment_form_token(request)
        skipped = SKIPPED_FIELDS | ({"token"} if form_token else set())
        for key in list(request.POST.keys())[:MAX_FIELDS]:
            if key in skipped:
                continue
            for value in request.POST.getlist(key)[:MAX_VALUES]:
                fields.append((key, value))
    if fields and form_token:
        # The comment form's token is made here, issued at this first attempt.
        fields.append(("token", form_token))
    host = _host(request)
    can_resend = bool(fields) and host is not None
    return render(
        request,
        "403_csrf.html",
        {
            "action": request.path,
            "address": "%s://%s%s" % (request.scheme, host, request.path)
            if can_resend
            else "",
            "destination": destination,
            "fields": fields,
            # What the reader can check: every field that carries a value,
            # but the signed form check, which means nothing to read.
            "listed": [
                (FIELD_LABELS.get(key, key), value)
                for key, value in fields
                if value and key not in UNLISTED_FIELDS
            ],
            "robots": "noindex",
            "can_resend": can_resend,
        },
        status=403,
    )
