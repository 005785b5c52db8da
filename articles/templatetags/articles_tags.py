import dataclasses
import functools
from typing import NamedTuple

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join, json_script
from django.utils.translation import get_language

from pagecache.store import remember, tag

from .. import thumbnails
from ..models import Page, Post
from ..people import display_name as _display_name
from ..purges import shown
from ..related import neighbours
from ..reltime import (
    DATE_SEPARATOR,
    absolute_date,
    relative_text,
    script_table,
    shows_date,
)
from ..selectors import archive_months, label_counts, related_posts

register = template.Library()


@register.filter
def display_name(user):
    """`{{ post.author|display_name }}`: full name, else username."""
    return _display_name(user)


@register.simple_tag
def post_time(moment):
    """
    A <time> element reading "3 hours ago", its title the absolute date
    (`Mar 05, 2025`); past a week the date follows it in a span ("2 weeks
    ago · Nov 20, 2026"), so a phone shows it without hovering while the
    element's text stays the seed's table. static/js/reltime.js keeps both
    current. The `datetime` is to the second: HTML allows at most three digits
    of a fraction, and a comment's time has six.
    """
    if moment is None:
        return ""
    date = absolute_date(moment)
    return format_html(
        '<time datetime="{}" title="{}" data-reltime>{}</time>{}',
        timezone.localtime(moment).isoformat(timespec="seconds"),
        date,
        relative_text(moment),
        shown_date(date) if shows_date(moment) else "",
    )


def shown_date(date):
    """The date beside a relative time; static/js/reltime.js builds the same."""
    return format_html(
        '<span class="reltime-date"><span aria-hidden="true">{}</span>{}</span>',
        DATE_SEPARATOR,
        date,
    )


register.filter("post_time", post_time, is_safe=True)


@register.simple_tag
def reltime_table():
    """The relative-time ladder for static/js/reltime.js, once per page."""
    return _reltime_table(get_language())


@functools.lru_cache(maxsize=32)
def _reltime_table(language):
    # The table depends only on the language (its translations are fixed
    # while the process runs): built once per language, not once per page.
    return json_script(script_table(), "reltime-table")


@register.filter
def image_url(image, size="s320"):
    """The address of an Image at a Blogger size, or "" without an image."""
    if not image:
        return ""
    return image.url(size)


@register.simple_tag
def responsive_image(image, size, sizes="", **attributes):
    """An <img> at `size` with its real width/height and a `srcset`: with
    `sizes`, for a longest-side size, width descriptors over the standard
    sizes; otherwise (a thumbnail, a crop) its 1x and 2x sources. Extra
    keyword arguments become attributes."""
    if not image:
        return ""
    dimensions = image.dimensions(size) or (image.width, image.height)
    parts = {
        "src": image.url(size),
        "alt": image.alt_text,
        "width": dimensions[0],
        "height": dimensions[1],
    }
    if sizes and not size.endswith("-c"):
        parts.update(srcset=image.srcset(), sizes=sizes)
    else:
        candidates = density_srcset(image, size)
        if candidates:
            parts["srcset"] = candidates
    parts.update((name.replace("_", "-"), value) for name, value in attributes.items())
    return format_html(
        "<img {}>",
        format_html_join(" ", '{}="{}"', parts.items()),
    )


def density_srcset(image, size):
    """
    `srcset` with the 1x and 2x sources of an image shown at `size`
    (`.../s72-c/... 1x, .../s150-c/... 2x`), or "" when the picture has
    nothing sharper to give. The 2x source is named as the server makes it:
    twice the size snaps up the ladder (`s144-c` is made as `s150-c`), so it
    is one of the image's bounded variants, and one address per file.
    """
    request = thumbnails.parse_request(size)
    if request is None or request.original or not image.width or not image.height:
        return ""
    twice = dataclasses.replace(
        request,
        side=request.side and request.side * 2,
        width=request.width and request.width * 2,
        height=request.height and request.height * 2,
    )
    made = thumbnails.canonical(twice, image.width, image.height)
    single = image.dimensions(size)
    double = thumbnails.output_size(made, image.width, image.height)
    if single is None or double[0] <= single[0]:
        return ""
    return "%s 1x, %s 2x" % (image.url(size), image.url(made.name))


class MenuPage(NamedTuple):
    """A page in the PAGES menu: `{{ page.title }}`, `{{ page.url }}` (or unpack)."""

    title: str
    url: str

    def get_absolute_url(self):
        return self.url


def _menu_pages():
    live = Page.objects.published().filter(show_in_menu=True).order_by("title", "pk")
    return [
        MenuPage(page.title, page.get_absolute_url())
        for page in live.only("title", "slug")
    ]


@register.simple_tag
def menu_pages():
    """
    `{% menu_pages as pages %}`: the live pages editors list in the PAGES menu
    (`Page.show_in_menu`), by title; one list shared by every page until the
    next purge (saving a page purges it; a scheduled page's time ends it).
    """
    return remember("menu-pages", _menu_pages, tags=["sidebar"])


@register.inclusion_tag("articles/includes/label_widget.html")
def label_widget():
    return {
        "labels": remember(
            "label-counts", lambda: list(label_counts()), tags=["sidebar"]
        )
    }


@register.inclusion_tag("articles/includes/news_feed_widget.html")
def news_feed_widget(count=5):
    def newest():
        live = Post.objects.published().select_related("featured_image")
        posts = list(live.newest_first()[:count])
        # The kept list holds the posts themselves (titles, pictures, times):
        # it shows each of them.
        for post in posts:
            tag(*shown(post))
        return posts

    return {"posts": remember("news-feed-%d" % count, newest, tags=["sidebar"])}


@register.inclusion_tag("articles/includes/archive_widget.html")
def archive_widget():
    return {
        "months": remember(
            "archive-months", lambda: list(archive_months()), tags=["sidebar"]
        )
    }


@register.inclusion_tag("articles/includes/related_posts.html")
def related_stories(post):
    """RECOMMENDED FOR YOU: thumbnails, titles and times of related live posts."""
    return {"posts": related_posts(post).select_related("featured_image")}


@register.inclusion_tag("articles/includes/post_pager.html")
def post_pager(post):
    """Links to the next newer and the next older live post (two index ranges)."""
    live = Post.objects.published().only("title", "permalink", "published_at")
    newer, older = neighbours(post, live)
    return {"newer": newer, "older": older}
