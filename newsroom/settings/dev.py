from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# Readers of the demo (`make run`) meet the site's own 404 page, as in
# production, not Django's list of URL patterns; `?debug404` shows that list.
MIDDLEWARE = [*MIDDLEWARE, "newsroom.not_found.SiteNotFoundMiddleware"]  # noqa: F405
