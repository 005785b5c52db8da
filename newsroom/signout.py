"""
Signing out clears what this browser keeps for the site.

The admin keeps unsaved form text, premium part included, in localStorage
(static/js/admin_autosave.js). On a shared computer the next person in that
browser must not read it, so the sign-out responses, the admin's and the
readers', carry `Clear-Site-Data: "storage"`: the browser empties this
origin's localStorage, sessionStorage, IndexedDB and service workers. Cookies
are left to Django (the session cookie is deleted) and "cache" is not asked
for (private pages are never cached, and clearing the cache is slow).

Browsers that do not act on the header (it needs a secure context: HTTPS, or
localhost) are covered twice more: the admin's logged-out page runs the
autosave script, which removes every draft, and drafts are kept per user, so
another user never sees or restores them.
"""

from functools import wraps

CLEAR_SITE_DATA = '"storage"'


def clears_site_storage(view):
    """Wrap a logout view: a POST it answers without error clears site storage."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST" and response.status_code < 400:
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response

    return wrapped


def clearing_logout(urlpatterns, name="logout"):
    """The view `urlpatterns` names `name`, wrapped by clears_site_storage()."""
    view = next(pattern.callback for pattern in urlpatterns if pattern.name == name)
    return clears_site_storage(view)
