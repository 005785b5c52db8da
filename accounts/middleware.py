from django.utils.cache import patch_cache_control


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
