"""1x and 2x sources for pictures shown at a fixed size (issue 18, point 5a):
`responsive_image` without `sizes`, or at a crop, names the size the server
makes for twice the size (s144-c is made as s150-c), never a new variant."""

import re

import pytest
from django.template import Context, Template

from articles import thumbnails
from tests.factories import make_image, make_post

pytestmark = pytest.mark.django_db


def render(image, size, **attributes):
    extra = "".join(' %s="%s"' % item for item in attributes.items())
    template = Template(
        '{%% load articles_tags %%}{%% responsive_image image "%s"%s %%}'
        % (size, extra)
    )
    return template.render(Context({"image": image}))


def attribute(html, name):
    match = re.search(r'\b%s="([^"]*)"' % name, html)
    return match.group(1) if match else None


def test_a_72_px_thumbnail_has_the_150_px_crop_as_its_2x_source():
    image = make_image(size=(800, 600))
    html = render(image, "s72-c", alt="", loading="lazy")
    assert attribute(html, "src") == image.url("s72-c")
    assert attribute(html, "srcset") == "%s 1x, %s 2x" % (
        image.url("s72-c"),
        image.url("s150-c"),
    )
    assert (attribute(html, "width"), attribute(html, "height")) == ("72", "72")
    assert attribute(html, "alt") == ""
    assert attribute(html, "sizes") is None


def test_a_card_size_without_sizes_has_the_in_article_size_as_2x():
    image = make_image(size=(800, 600))
    html = render(image, "s320")
    assert attribute(html, "srcset") == "%s 1x, %s 2x" % (
        image.url("s320"),
        image.url("s640"),
    )
    assert (attribute(html, "width"), attribute(html, "height")) == ("320", "240")


def test_a_small_picture_gives_its_largest_crop_or_nothing():
    small = make_image(size=(100, 100))
    assert attribute(render(small, "s72-c"), "srcset") == "%s 1x, %s 2x" % (
        small.url("s72-c"),
        small.url("s100-c"),
    )
    # Nothing sharper than the thumbnail itself: no srcset.
    tiny = make_image(size=(40, 30))
    assert attribute(render(tiny, "s72-c"), "srcset") is None


def test_with_sizes_a_longest_side_keeps_its_width_candidates():
    image = make_image(size=(2000, 1500))
    html = render(image, "s320", sizes="(max-width: 600px) 112px, 260px")
    assert attribute(html, "srcset") == image.srcset()
    assert " 640w" in attribute(html, "srcset")


@pytest.mark.parametrize("size", ["s72-c", "s320", "s640", "w320-h180-c"])
def test_the_2x_source_is_a_size_the_server_makes_under_its_own_name(size):
    image = make_image(size=(2000, 1500))
    srcset = attribute(render(image, size), "srcset")
    double = srcset.split(", ")[1].split(" ")[0].split("/")[3]
    made = thumbnails.served_size(double, image.width, image.height)
    assert made.name == double
    single = image.dimensions(size)
    assert image.dimensions(double)[0] >= 2 * single[0]


def test_news_feed_and_related_stories_have_2x_sources(client):
    image = make_image(size=(800, 600))
    posts = [
        make_post(title="Story %d" % index, labels=["News"], featured_image=image)
        for index in range(3)
    ]
    html = client.get(posts[0].get_absolute_url()).content.decode()
    feed = html[html.index('class="widget news-feed"') :]
    feed = feed[: feed.index("</section>")]
    assert feed.count("<img ") == 3
    assert (
        feed.count('srcset="%s 1x, %s 2x"' % (image.url("s72-c"), image.url("s150-c")))
        == 3
    )
    related = html[html.index('class="related"') :]
    related = related[: related.index("</section>")]
    assert related.count("<img ") == 2
    assert (
        related.count('srcset="%s 1x, %s 2x"' % (image.url("s320"), image.url("s640")))
        == 2
    )
