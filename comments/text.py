"""Reader comments are plain text: escaped, line breaks kept, web links made safe."""

import re

from django.utils.html import Urlizer, linebreaks
from django.utils.safestring import mark_safe

URL_DISPLAY_LIMIT = 60


class CommentUrlizer(Urlizer):
    """Links only explicit http(s) addresses, marked as user content for crawlers."""

    # Bare domains and e-mail addresses stay text: a reader's "example.com" or
    # address is not turned into a link nobody asked for.
    simple_url_2_re = re.compile(r"(?!)")
    url_template = '<a href="{href}" rel="nofollow ugc"{attrs}>{url}</a>'

    def is_email_simple(self, value):
        return False


_urlize = CommentUrlizer()


def comment_html(text):
    """The HTML shown for a comment's text: escaped, linked, paragraphs and <br>."""
    linked = _urlize(text or "", trim_url_limit=URL_DISPLAY_LIMIT, autoescape=True)
    return mark_safe(linebreaks(linked))  # noqa: S308 - every part is escaped above


def count_links(text):
    """How many links the comment would show."""
    return comment_html(text).count("<a ")
