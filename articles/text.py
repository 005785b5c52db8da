"""Text rules Blogger applies to titles and bodies: slugs and excerpts."""

import html
import re

from anyascii import anyascii

SLUG_MAX_LENGTH = 40
EXCERPT_LENGTH = 150
DROPPED_WORDS = frozenset({"a", "an", "the"})
DEFAULT_SLUG = "blog-post"

_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")
_BLOCK_END_RE = re.compile(
    r"</(p|h[1-6]|li|blockquote|pre|div|figcaption|tr)>|<br\s*/?>", re.I
)


def blogger_slug(title, max_length=SLUG_MAX_LENGTH):
    """
    Return Blogger's slug for a title: lowercase ASCII words joined by "-",
    interior "a", "an" and "the" dropped, cut on a word boundary.
    """
    words = re.findall(r"[a-z0-9]+", anyascii(title or "").lower())
    words = [
        word
        for index, word in enumerate(words)
        if index in (0, len(words) - 1) or word not in DROPPED_WORDS
    ]
    slug = ""
    for word in words:
        candidate = "%s-%s" % (slug, word) if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:max_length]
    return slug or DEFAULT_SLUG


def html_to_text(value):
    """Plain text of an HTML fragment, with block ends as spaces."""
    text = _BLOCK_END_RE.sub(" ", value or "")
    text = html.unescape(_TAG_RE.sub("", text))
    return _SPACE_RE.sub(" ", text).strip()


def make_excerpt(value, length=EXCERPT_LENGTH):
    """Cut plain text on a word boundary near `length` characters, adding "..."."""
    text = _SPACE_RE.sub(" ", value or "").strip()
    if len(text) <= length:
        return text
    # MagOne's rule: take `length` characters, then drop the last (possibly
    # partial) word, which gives the seed's "...as well as suggested...".
    cut = text[:length]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "..."


def word_count(value):
    return len(html_to_text(value).split())
