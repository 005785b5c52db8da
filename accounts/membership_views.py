"""
Become a member: a signed-in reader sees where they stand and asks to join
(accounts/membership.py tells the editors, who grant or decline on the
Members desk; the reader hears by e-mail). Readers not signed in are sent to
sign in and back.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from articles.roles import is_member

from . import membership


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def membership_view(request):
    user = request.user
    if request.method == "POST":
        try:
            membership.request(user, base_url=request.build_absolute_uri("/")[:-1])
        except PermissionDenied:
            pass  # an inactive account: the page says where it stands
        # Post/redirect/get: reloading the page asks nothing again.
        return redirect("membership")
    state = membership.state(user)
    record = getattr(user, "membership", None) if state is not None else None
    response = render(
        request,
        "accounts/membership.html",
        {
            "state": state or "",
            "record": record,
            # Editors, writers and staff read premium parts without membership.
            "runs_newsroom": state != membership.State.MEMBER and is_member(user),
            "robots": "noindex",
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
