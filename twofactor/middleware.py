"""Staff pages (the admin, moderation) ask for the second factor first."""

from urllib.parse import urlencode, urlsplit

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from newsroom.conf import newsroom_setting

from . import policy

# Views outside the admin that only staff use, and the password change: a
# password alone must not be enough to lock the real owner out.
STAFF_VIEWS = {
    "comments:delete",
    "comments:approve",
    "password_change",
    "password_change_done",
}
# Admin views a signed-in but unverified user still needs.
OPEN_ADMIN_VIEWS = {"admin:login", "admin:logout"}


def is_guarded(match):
    """Whether the resolved view is a staff page (the admin or `STAFF_VIEWS`)."""
    if match is None or match.view_name in OPEN_ADMIN_VIEWS:
        return False
    extra = set(newsroom_setting("TWOFACTOR_STAFF_VIEWS"))
    return "admin" in match.namespaces or match.view_name in STAFF_VIEWS | extra


def next_url(request):
    """Where to go once verified: this page, or for a POST the page it came from."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + ("?" + parts.query if parts.query else "")
    return reverse("admin:index")


class RequireTwoFactorMiddleware:
    """
    After django-otp's OTPMiddleware: a staff user who is not verified in this
    session is sent to "enter your code" (with an app) or "set up two-factor"
    (without one, when the setting requires it) instead of a staff page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_guarded(request.resolver_match):
            return None
        user = getattr(request, "user", None)
        if not policy.is_staff(user) or policy.is_verified(user):
            return None
        if policy.has_app(user):
            target = "twofactor:verify"
        elif policy.required():
            target = "twofactor:setup"
        else:
            return None
        query = urlencode({"next": next_url(request)})
        return HttpResponseRedirect("%s?%s" % (reverse(target), query))
