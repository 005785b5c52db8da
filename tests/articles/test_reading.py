from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders

from tests.conftest import FROZEN_NOW
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_home_view_all_links_open_the_label_pages(client, frozen_now):
    make_post(title="Kochi film week", labels=["Movie"])
    make_post(title="Global markets", labels=["AROUND THE GLOBE"])
    # Newer stories fill Latest, so the two above are left for their blocks.
    for number in range(10):
        make_post(title="Filler %d" % number)
    html = client.get("/").content.decode()
    for href in ("/search/label/Movie", "/search/label/AROUND%20THE%20GLOBE"):
        assert '<a class="view-all" href="%s">VIEW ALL' % href in html
        assert client.get(href).status_code == 200


def test_post_page_shows_reading_time_and_label_chips(client, frozen_now):
    post = make_post(
        labels=["KERALA", "Movie"],
        body="<p>%s</p>" % ("word " * 650),
        published_at=FROZEN_NOW - timedelta(hours=1),
    )
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<span class="reading-time">3 min read</span>' in html
    chips = html[html.index('class="chips"') :]
    assert chips.index(">KERALA</a>") < chips.index(">Movie</a>")


def test_post_page_gives_code_boxes_their_messages_and_script(client, frozen_now):
    post = make_post(body="<pre><code>print(1)</code></pre>")
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'data-codebox-copy="Copy All Code"' in html
    assert 'data-codebox-select="Select All Code"' in html
    assert 'data-codebox-copied="All codes were copied to your clipboard"' in html
    assert (
        'data-codebox-refused="Can not copy the codes / texts, please press '
        '[CTRL]+[C] (or CMD+C with Mac) to copy"' in html
    )
    assert '<script src="/static/js/codebox.js" defer></script>' in html


def test_print_stylesheet_hides_navigation_and_keeps_the_date():
    with open(finders.find("css/site.css")) as stylesheet:
        css = stylesheet.read()
    printed = "".join(css.split("@media print")[1:])
    for selector in (".main-nav", ".sidebar", ".related", ".post-pager"):
        assert selector in printed
    assert 'time[title]::after { content: " (" attr(title) ")"; }' in printed
