"""
The newsroom admin, one module per responsibility:

- posts: the post change form and list, workflow buttons, bulk publishing
  (every save and move goes through articles.publishing);
- revisions: history, compare two revisions, revert and recover;
- labels: the label admin and the bulk label actions on posts;
- images: the image library and the editor's image picker;
- pages: pages (/p/SLUG.html);
- filters: the post list's filters;
- site: the one-row site settings.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import images, labels, pages, posts, site  # noqa: F401 (registers the admins)

admin.site.site_header = _("Newsroom")
admin.site.site_title = _("Newsroom")
admin.site.index_title = _("Local Glob newsroom")
