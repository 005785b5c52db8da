"""Every size of Google's image-size grammar answers with an image, at bounded cost.

Widgets rewrite a feed's `s72-c` thumbnail to any size they like; /img/ answers
each with the size it snaps to (NEWSROOM_IMAGE_LADDER, NEWSROOM_IMAGE_ASPECTS),
so one image never has more than NEWSROOM_IMAGE_MAX_VARIANTS files.
"""

import io
import json
import math
import re

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage
from playwright.sync_api import expect

from articles import thumbnails
from articles.thumbnails import Request, canonical, parse_request, parse_size
from tests.factories import make_image, make_post

LADDER = (72, 150, 320, 640, 1024, 1600)
ASPECTS = [(1, 1), (4, 3), (3, 2), (16, 9), (2, 1), (3, 4), (2, 3), (9, 16), (1, 2)]
OUTPUT_OPTIONS = ["k", "rw", "no", "nu", "d"]


def body(response):
    return b"".join(response.streaming_content)


def served(response):
    picture = PILImage.open(io.BytesIO(body(response)))
    picture.load()
    return picture


def stored_sizes(image):
    """Every derived file of `image`, through the storage API."""
    folder = "images/%s/sizes/%s" % (image.key, thumbnails.PIPELINE)
    try:
        return default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


# Reading an address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s400", Request(side=400)),
        ("s72-c", Request(side=72, crop=True)),
        ("c-s72", Request(side=72, crop=True)),
        ("s72-p", Request(side=72, crop=True)),
        ("w200", Request(width=200)),
        ("h150", Request(height=150)),
        ("w200-h150", Request(width=200, height=150)),
        ("w200-h150-c", Request(width=200, height=150, crop=True)),
        ("c-h150-w200", Request(width=200, height=150, crop=True)),
        ("p-h150-w200-k-nu", Request(width=200, height=150, crop=True)),
        ("w200-c", Request(width=200)),  # one side: nothing to crop to
        ("s400-rw-no", Request(side=400, webp=True)),
        ("rw-s400", Request(side=400, webp=True)),
        ("s1600-d", Request(side=1600, download=True)),
        ("s0", Request(side=0)),
        ("d", Request(side=0, download=True)),
        ("k-rw", Request(side=0, webp=True)),
        ("s99999999999999999999", Request(side=99999999999999999999)),
    ],
)
def test_options_are_read_in_any_order(text, expected):
    assert parse_request(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "s",
        "s-1",
        "s032",
        "S320",
        "s320-x",
        "s320-",
        "-s320",
        "s320--c",
        " s320",
        "s320.jpg",
        "s72-c-c",  # each option at most once
        "s100-s200",
        "rw-s100-rw",
        "s100-w200",  # a side and a box
        "w0",
        "h0-w10",
        "s0-c",
        "c",  # a crop of nothing
        "p-rw",
        "e365",
        "s320-fSoften",
        "s" + "9" * 100,  # longer than any size
    ],
)
def test_what_is_not_a_size_is_refused(text):
    assert parse_request(text) is None


# What is made


def made(text, source):
    size = canonical(parse_request(text), *source)
    return size.key, thumbnails.output_size(size, *source)


@pytest.mark.parametrize(
    ("source", "text", "key", "dimensions"),
    [
        # Sizes snap up to the ladder.
        ((1600, 1200), "s400", "s640", (640, 480)),
        ((1600, 1200), "s600", "s640", (640, 480)),
        ((3000, 2000), "s1200", "s1600", (1600, 1067)),
        ((1600, 1200), "s100", "s150", (150, 112)),
        ((1600, 1200), "s1", "s72", (72, 54)),
        ((1600, 1200), "w200", "s320", (320, 240)),
        ((1200, 1600), "w200", "s320", (240, 320)),
        ((1600, 1200), "h150", "s320", (320, 240)),
        ((1600, 1200), "w400-h100", "s150", (150, 112)),
        # A larger size than the original gives the original (bounded).
        ((500, 400), "s640", "s1600", (500, 400)),
        ((500, 400), "w5000-h5000", "s1600", (500, 400)),
        ((500, 400), "s99999999", "s1600", (500, 400)),
        ((4000, 3000), "s0", "s1600", (1600, 1200)),
        ((4000, 3000), "s5000", "s1600", (1600, 1200)),
        # Crop aspects snap to the nearest of the set, portrait forms too.
        ((1600, 1200), "s150-c", "s150-c", (150, 150)),
        ((1600, 1200), "w200-h150-c", "w320-h240-c", (320, 240)),
        ((1600, 1200), "w150-h200-c", "w240-h320-c", (240, 320)),
        ((1600, 1200), "w640-h360-c", "w640-h360-c", (640, 360)),
        ((1600, 1200), "w630-h300-c", "w640-h320-c", (640, 320)),  # 2.1:1 -> 2:1
        ((1600, 1200), "w400-h390-c", "s640-c", (640, 640)),
        ((1600, 1200), "w100-h1000-c", "w512-h1024-c", (512, 1024)),  # 1:10 -> 1:2
        # A crop is no larger than the original's centre region of its aspect...
        ((500, 400), "s1600-c", "s400-c", (400, 400)),
        ((1600, 1200), "s1600-c", "s1200-c", (1200, 1200)),
        ((1600, 1200), "w1600-h900-c", "w1600-h900-c", (1600, 900)),
        ((900, 900), "w1600-h900-c", "w900-h506-c", (900, 506)),
        # ...but a thumbnail is never below the lowest rung (Blogger's s72-c).
        ((40, 30), "s72-c", "s72-c", (72, 72)),
        ((40, 30), "w300-h200-c", "w72-h48-c", (72, 48)),
    ],
)
def test_what_is_made_for_an_address(source, text, key, dimensions):
    assert made(text, source) == (key, dimensions)


SOURCES = [(1200, 675), (800, 600), (600, 800), (500, 500), (40, 30), (2000, 1500)]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", thumbnails.DEFAULT_SIZES)
def test_the_site_sizes_keep_their_dimensions(source, name):
    """s72-c, s320 ... s0 are served exactly as they were before the ladder."""
    literal = thumbnails.output_size(parse_size(name), *source)
    assert made(name, source)[1] == literal


@pytest.mark.parametrize("source", SOURCES)
def test_a_canonical_size_is_its_own_canonical_size(source):
    for aspect in ASPECTS:
        for rung in LADDER:
            key = thumbnails.crop_size(aspect, rung).name
            size = canonical(parse_request(key), *source)
            assert canonical(parse_request(size.key), *source) == size


# The grammar, walked


NUMBERS = st.one_of(
    st.integers(min_value=1, max_value=2000),
    st.integers(min_value=1, max_value=10**24),
)


@st.composite
def sizes(draw):
    """A size of the grammar, options in any order: (text, its parts)."""
    form = draw(st.sampled_from(["s", "s-c", "w", "h", "w-h", "w-h-c", "s0", ""]))
    options = []
    if form.startswith("s") and form != "s0":
        options.append("s%d" % draw(NUMBERS))
    if form == "s0":
        options.append("s0")
    if "w" in form:
        options.append("w%d" % draw(NUMBERS))
    if "h" in form:
        options.append("h%d" % draw(NUMBERS))
    if form.endswith("-c"):
        options.extend(draw(st.sampled_from([["c"], ["p"], ["c", "p"]])))
    options.extend(draw(st.lists(st.sampled_from(OUTPUT_OPTIONS), unique=True)))
    if not options:
        options = ["d"]
    return "-".join(draw(st.permutations(options)))


def number(text, letter):
    for option in text.split("-"):
        if option[:1] == letter and option[1:].isdigit():
            return int(option[1:])
    return None


def aspect_of(width, height):
    """The aspect of the set an output's shape is (within a pixel of rounding)."""
    for across, down in ASPECTS:
        if across >= down and abs(width - round(height * across / down)) <= 1:
            return across, down
        if down > across and abs(height - round(width * down / across)) <= 1:
            return across, down
    return None


def check_dimensions(text, source, size):
    """The rule a reader can see: bounded, snapped up, crops at a set aspect."""
    out_width, out_height = size
    bounded = thumbnails.output_size(parse_size("s1600"), *source)
    options = text.split("-")
    side, width, height = number(text, "s"), number(text, "w"), number(text, "h")
    if "c" in options or "p" in options:
        if side is None and (width is None or height is None):
            options = [option for option in options if option not in ("c", "p")]
    if "c" in options or "p" in options:
        aspect = aspect_of(out_width, out_height)
        assert aspect is not None, size
        ratio = aspect[0] / aspect[1]
        region = min(source[0], source[1] * ratio)
        region = region if ratio >= 1 else min(source[1], source[0] / ratio)
        longest = max(out_width, out_height)
        assert longest in LADDER or longest == math.floor(region), size
        assert longest <= max(LADDER[0], region), size
        asked = side or max(width, height)
        assert longest >= min(asked, LADDER[-1], math.floor(region)), size
        return
    # A fit: never larger than the original, the original's shape, snapped up
    # from what the box asked for.
    assert out_width <= bounded[0] and out_height <= bounded[1], size
    assert abs(out_width / out_height - source[0] / source[1]) < 0.05
    longest = max(out_width, out_height)
    assert longest in LADDER or (out_width, out_height) == bounded, size
    if side == 0 or (side is None and width is None and height is None):
        assert (out_width, out_height) == bounded, size
        return
    if side:
        scale = side / max(bounded)
    else:
        wanted = [(width, bounded[0]), (height, bounded[1])]
        scale = min(asked / have for asked, have in wanted if asked)
    scale = min(scale, 1)
    assert out_width >= bounded[0] * scale - 1, size
    assert out_height >= bounded[1] * scale - 1, size


@pytest.mark.django_db
def test_every_size_of_the_grammar_answers_with_an_image():
    source = (1000, 640)
    image = make_image(size=source)
    client = Client()

    @given(sizes())
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    def check(text):
        response = client.get(image.url(text))
        assert response.status_code == 200, text
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        picture = served(response)
        options = text.split("-")
        if "rw" in options:
            assert (picture.format, response["Content-Type"]) == ("WEBP", "image/webp")
        else:
            assert (picture.format, response["Content-Type"]) == ("JPEG", "image/jpeg")
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment" if "d" in options else "inline")
        check_dimensions(text, source, picture.size)
        assert picture.size == image.dimensions(text)

    check()
    assert len(stored_sizes(image)) <= thumbnails.max_variants()


@st.composite
def not_sizes(draw):
    """A size of the grammar with one thing wrong with it."""
    options = draw(sizes()).split("-")
    fault = draw(st.sampled_from(["unknown", "twice", "zero", "upper", "empty"]))
    if fault == "unknown":
        options.insert(
            draw(st.integers(0, len(options))),
            draw(st.sampled_from(["x", "e365", "fsoften", "v1", "ft", "s", "w", "cc"])),
        )
    elif fault == "twice":
        options.append(draw(st.sampled_from(options)))
    elif fault == "zero":
        options.append(draw(st.sampled_from(["w0", "h0", "s01", "w007"])))
    elif fault == "upper":
        index = draw(st.integers(0, len(options) - 1))
        options[index] = options[index].upper()
    else:
        options.insert(draw(st.integers(0, len(options))), "")
    return "-".join(options)


@pytest.mark.django_db
def test_what_is_not_a_size_answers_404():
    image = make_image(size=(300, 200))
    client = Client()

    @given(not_sizes())
    @settings(max_examples=150, deadline=None)
    def check(text):
        assert parse_request(text) is None, text
        assert client.get(image.url(text)).status_code == 404, text

    check()


# Bounded cost


def flood():
    """1,000 distinct sizes of every form, sides from 1 to 3,000 in any ratio."""
    forms = [
        "s{a}",
        "s{a}-c",
        "w{a}",
        "h{b}-rw",
        "w{a}-h{b}",
        "w{a}-h{b}-c",
        "c-h{b}-w{a}-k",
        "p-w{a}-h{b}-no",
    ]
    texts, seen, number = [], set(), 0
    while len(texts) < 1000:
        number += 1
        a, b = (number * 7919) % 3000 + 1, (number * 104729) % 2999 + 1
        text = forms[number % len(forms)].format(a=a, b=b)
        if text not in seen:
            seen.add(text)
            texts.append(text)
    return texts


def test_the_grammar_reaches_no_more_sizes_than_the_bound():
    """Count what a whole grid of addresses makes, for pictures of every shape."""
    sides = [*range(1, 2000, 23), 2400, 3200, 10**9]
    for source in [(4000, 3000), (3000, 4000), (1600, 1600), (700, 300), (40, 30)]:
        keys = set()
        for a in sides:
            keys.add(canonical(Request(side=a), *source).key)
            keys.add(canonical(Request(side=a, crop=True), *source).key)
            keys.add(canonical(Request(width=a), *source).key)
            keys.add(canonical(Request(height=a), *source).key)
            for b in sides:
                keys.add(canonical(Request(width=a, height=b), *source).key)
                keys.add(canonical(Request(width=a, height=b, crop=True), *source).key)
        for aspect in ASPECTS:
            for rung in LADDER:
                name = thumbnails.crop_size(aspect, rung).name
                keys.add(canonical(parse_request(name), *source).key)
        assert 2 * len(keys) <= thumbnails.variant_bound() <= thumbnails.max_variants()
        if source == (4000, 3000):
            # Every rung of every aspect and every fit rung (the top one is
            # the original here): the bound is nearly reached.
            assert len(keys) == 9 * 6 + 6, source


@pytest.mark.django_db
def test_a_flood_of_sizes_renders_at_most_k_times(monkeypatch):
    image = make_image(size=(1600, 1200))
    texts = flood()
    assert len(set(texts)) == 1000
    renders = []
    real = thumbnails.render

    def counted(fileobj, sizes, **kwargs):
        renders.extend(size.key for size in sizes)
        return real(fileobj, sizes, **kwargs)

    monkeypatch.setattr(thumbnails, "render", counted)
    client = Client()
    for text in texts:
        response = client.get(image.url(text))
        assert response.status_code == 200, text
        body(response)
    # Each size rendered once (both formats from one render), and the
    # whole flood within K files, however many addresses asked.
    assert len(renders) == len(set(renders))
    files = stored_sizes(image)
    assert len(files) == 2 * (len(renders) + 5)  # and the 5 made at upload
    assert len(files) <= thumbnails.max_variants()
    assert len(files) <= thumbnails.variant_bound()
    # A second flood makes nothing.
    for text in texts[::7]:
        assert client.get(image.url(text)).status_code == 200
    assert len(renders) == len(set(renders))


# Headers


@pytest.mark.django_db
def test_addresses_of_one_size_share_its_file_and_etag(client):
    image = make_image(size=(1600, 1200))
    first = client.get(image.url("w200-h150-c"))
    data = body(first)
    other = client.get(image.url("c-h140-w190-nu"))
    assert first["ETag"] == other["ETag"]
    assert body(other) == data
    assert PILImage.open(io.BytesIO(data)).size == (320, 240)
    again = client.get(image.url("h150-w200-c"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.django_db
def test_rw_gives_webp_whatever_the_browser_says(client):
    image = make_image(size=(800, 600))
    response = client.get(image.url("s400-rw"), HTTP_ACCEPT="image/jpeg")
    assert response["Content-Type"] == "image/webp"
    assert "Vary" not in response  # the same answer for every Accept
    assert served(response).size == (640, 480)
    negotiated = client.get(image.url("s400"), HTTP_ACCEPT="image/jpeg")
    assert negotiated["Content-Type"] == "image/jpeg"
    assert negotiated["Vary"] == "Accept"
    assert negotiated["ETag"] != response["ETag"]


@pytest.mark.django_db
def test_d_gives_a_download(client):
    image = make_image(size=(800, 600), filename="harbour.jpg")
    response = client.get(image.url("s1600-d"))
    assert response["Content-Disposition"] == 'attachment; filename="harbour.jpg"'
    assert served(response).size == (800, 600)
    inline = client.get(image.url("s1600"))
    assert inline["Content-Disposition"] == 'inline; filename="harbour.jpg"'
    webp = client.get(image.url("d-rw"))
    assert webp["Content-Disposition"] == 'attachment; filename="harbour.webp"'


@pytest.mark.django_db
def test_a_size_larger_than_the_original_is_the_original(client):
    image = make_image(size=(500, 400))
    original = client.get(image.url("s0"))
    for text in ("s1200", "s640", "w2000-h2000", "h401"):
        response = client.get(image.url(text))
        assert response["ETag"] == original["ETag"], text
        assert served(response).size == (500, 400)


@pytest.mark.django_db
def test_a_body_image_at_any_size_gets_the_dimensions_it_is_served_at(client):
    image = make_image(size=(1600, 1200))
    body_html = "".join(
        '<p><img src="%s" alt="Harbour"></p>' % image.url(text)
        for text in ("s400-rw", "w200", "c-h150-w200")
    )
    post = make_post(body=body_html)
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for text, dimensions in (
        ("s400-rw", (640, 480)),
        ("w200", (320, 240)),
        ("c-h150-w200", (320, 240)),
    ):
        tag = re.search(r'<img src="%s"[^>]*>' % re.escape(image.url(text)), html)
        assert tag, text
        assert 'width="%d" height="%d"' % dimensions in tag.group(0), text
        assert served(client.get(image.url(text))).size == dimensions


# In a browser: a widget rewrites the feed's thumbnail to the sizes it wants

WIDGET = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Widget</title>
<style>img { margin: 4px; border: 1px solid #999; vertical-align: top; }</style>
</head><body>
<h2>Popular posts</h2><div id="thumbs"></div>
<script>
function showThumbs(json) {
  var url = json.feed.entry[0].media$thumbnail.url;
  var sizes = %(sizes)s;
  var box = document.getElementById("thumbs");
  // One after another: the test server's in-memory SQLite connection is
  // shared by its threads, so parallel requests would race on it.
  function add(i) {
    if (i >= sizes.length) return;
    var img = document.createElement("img");
    img.onload = img.onerror = function () { add(i + 1); };
    img.src = url.replace("/s72-c/", "/" + sizes[i] + "/");
    img.alt = sizes[i];
    box.appendChild(img);
  }
  add(0);
}
</script>
<script src="%(feed)s"></script>
</body></html>
"""
WIDGET_SIZES = {
    "s72-c": (72, 72),
    "s150-c": (150, 150),
    "w200-h150-c": (320, 240),
    "s400": (640, 480),
    "s600-rw": (640, 480),
    "c-h100-w200-p": (320, 160),
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_widget_gets_every_size_it_rewrites_the_thumbnail_to(live_server, page):
    image = make_image(size=(1600, 1200), filename="harbour.jpg")
    make_post(title="Harbour at dawn", featured_image=image)
    feed = (
        live_server.url + "/feeds/posts/default?alt=json-in-script&callback=showThumbs"
    )
    page.set_content(WIDGET % {"feed": feed, "sizes": json.dumps(list(WIDGET_SIZES))})
    images = page.locator("#thumbs img")
    expect(images).to_have_count(len(WIDGET_SIZES))
    page.wait_for_function(
        "[...document.querySelectorAll('#thumbs img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    for number, (text, (width, height)) in enumerate(WIDGET_SIZES.items()):
        natural = images.nth(number).evaluate(
            "img => [img.naturalWidth, img.naturalHeight]"
        )
        assert natural == [width, height], text
