from django.utils.cache import patch_cache_control

from . import devices

# Set by a form or view that refused because of a rate limit (an
# accounts.limits.Refusal or a newsroom.ratelimit.Decision).
REFUSAL_ATTRIBUTE = "_newsroom_rate_limited"


def mark_refused(request, refusal):
    if request is not None:
        setattr(request, REFUSAL_ATTRIBUTE, refusal)


class PrivateForSignedInMiddleware:
    """
    Pages answered to a signed-in reader may hold what only they may see (a
    member's premium text): no shared cache, proxy or CDN may keep them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(response, "same_for_everyone", False):
            return response
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True)
        return response


class SignInMiddleware:
    """
    What a sign-in decided travels on the request to the response, also for
    the admin's sign-in view, whose response is Django's own:

    - a form redisplayed because a limit refused becomes 429 with Retry-After;
    - a successful sign-in gives the browser its device cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        refusal = getattr(request, REFUSAL_ATTRIBUTE, None)
        if refusal is not None and response.status_code in (200, 429):
            response.status_code = 429
            response["Retry-After"] = str(max(1, int(refusal.retry_after)))
        devices.write(request, response)
        return response
