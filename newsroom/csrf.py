"""
CSRF for public forms on cacheable pages.

Pages served to anonymous readers carry no per-reader token, so one cached copy
fits everyone. Their POST forms (`data-csrf="lazy"`) get a token from
`csrf_token_view` just before they are sent (static/js/csrf.js). Without
JavaScript the first POST is refused by Django's CSRF check; the failure view
then shows what was sent, with a fresh token, so one more click sends it and
nothing typed is lost.
"""

from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.cache import never_cache

# Fields never carried over to the confirmation form.
SKIPPED_FIELDS = {"csrfmiddlewaretoken"}
MAX_FIELDS = 30


@never_cache
def csrf_token_view(request):
    return JsonResponse({"token": get_token(request)})


def csrf_failure(request, reason=""):
    fields = []
    if request.method == "POST":
        for key in list(request.POST.keys())[:MAX_FIELDS]:
            if key in SKIPPED_FIELDS:
                continue
            for value in request.POST.getlist(key)[:5]:
                fields.append((key, value))
    shown = [(key, value) for key, value in fields if key in {"name", "text"} and value]
    return render(
        request,
        "403_csrf.html",
        {
            "action": request.path,
            "fields": fields,
            "shown": shown,
            "robots": "noindex",
            "can_resend": request.method == "POST" and bool(fields),
        },
        status=403,
    )
