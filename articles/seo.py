"""
What search engines and link previews read in a page's head: canonical
address, description, Open Graph and Twitter card tags, and the NewsArticle
JSON-LD of a post. Built only from what every reader may see (title,
description, image, labels), never from the premium part.
"""

import json

from django.templatetags.static import static
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import thumbnails
from .people import display_name

SHARE_SIZE = thumbnails.FULL
# Inside <script>, "<", ">" and "&" as JSON escapes: "</script>" in a title
# cannot end the element, and the data reads the same. The line separators
# U+2028 and U+2029 too: legal in JSON, they end a line in older script parsers.
_JSON_SCRIPT_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def absolute_url(request, path):
    """`path` (already quoted) on this site, with scheme and host, no query."""
    return "%s://%s%s" % (request.scheme, request.get_host(), path)


def canonical_url(request, path=None):
    """The page's address without its query (`?m=1`, tracking parameters)."""
    return absolute_url(request, escape_uri_path(path or request.path))


def share_image(request, image):
    """(absolute URL, width, height) of a post's share image, or None."""
    if not image:
        return None
    dimensions = image.dimensions(SHARE_SIZE) or (image.width, image.height)
    return absolute_url(request, image.url(SHARE_SIZE)), dimensions[0], dimensions[1]


def author_name(user):
    return display_name(user)


def meta_tags(pairs):
    """`<meta property|name=... content=...>` lines, every value escaped."""
    return format_html_join(
        "\n  ",
        '<meta {}="{}" content="{}">',
        ((kind, key, value) for kind, key, value in pairs if value not in ("", None)),
    )


def site_social_tags(request, site, description, url=None):
    url = url or canonical_url(request)
    return meta_tags(
        [
            ("property", "og:type", "website"),
            ("property", "og:site_name", site.name),
            ("property", "og:title", site.name),
            ("property", "og:description", description),
            ("property", "og:url", url),
            ("name", "twitter:card", "summary"),
            ("name", "twitter:title", site.name),
            ("name", "twitter:description", description),
        ]
    )


def post_social_tags(request, site, post):
    url = canonical_url(request, post.get_absolute_url())
    image = share_image(request, post.featured_image)
    pairs = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", site.name),
        ("property", "og:title", post.title),
        ("property", "og:description", post.description),
        ("property", "og:url", url),
    ]
    if image:
        pairs += [
            ("property", "og:image", image[0]),
            ("property", "og:image:width", image[1]),
            ("property", "og:image:height", image[2]),
            ("property", "og:image:alt", post.featured_image.alt_text),
        ]
    pairs += [
        ("property", "article:published_time", iso(post.published_at)),
        ("property", "article:modified_time", iso(modified(post))),
    ]
    pairs += [("property", "article:section", label.name) for label in post.label_list]
    pairs += [
        ("name", "twitter:card", "summary_large_image" if image else "summary"),
        ("name", "twitter:title", post.title),
        ("name", "twitter:description", post.description),
    ]
    if image:
        pairs.append(("name", "twitter:image", image[0]))
    return meta_tags(pairs)


def iso(moment):
    """A time as ISO 8601 in the site's time zone."""
    return timezone.localtime(moment).isoformat()


def modified(post):
    """
    A post changes at least when it goes live (a scheduled post saved earlier),
    and when a correction is made (`corrected_at`, annotated by the post's view).
    """
    moments = [post.updated_at, post.published_at, getattr(post, "corrected_at", None)]
    return max(moment for moment in moments if moment is not None)


def news_article(request, site, post):
    """The schema.org NewsArticle of a live post (Google's article fields)."""
    url = canonical_url(request, post.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": post.title,
        "description": post.description,
        "datePublished": iso(post.published_at),
        "dateModified": iso(modified(post)),
        "publisher": {
            "@type": "Organization",
            "name": site.name,
            "url": absolute_url(request, "/"),
            "logo": {
                "@type": "ImageObject",
                "url": absolute_url(request, static("favicon.svg")),
            },
        },
    }
    image = share_image(request, post.featured_image)
    if image:
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": image[0],
                "width": image[1],
                "height": image[2],
            }
        ]
    if post.author:
        data["author"] = [{"@type": "Person", "name": author_name(post.author)}]
    else:
        data["author"] = [{"@type": "Organization", "name": site.name}]
    sections = [label.name for label in post.label_list]
    if sections:
        data["articleSection"] = sections
    if post.premium_body:
        # Google's paywalled-content markup: the members' part is marked, its
        # text is never given.
        data["isAccessibleForFree"] = False
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".post-premium",
        }
    return data


def json_ld(data):
    """A `<script type="application/ld+json">` element that no value can break out of."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_SCRIPT_ESCAPES)),  # noqa: S308 - escaped for <script>
    )
