"""A related-posts widget pasted into some other blog works against our feeds unchanged."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_draft, make_image, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The kind of script people paste into a Blogger HTML gadget: a callback that
# walks `json.feed.entry` and writes a list, then the feed as a script.
WIDGET = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Another blog</title></head>
<body>
<h2>Related Posts</h2>
<script type="text/javascript">
function showRelated(json) {
  var entries = json.feed.entry || [];
  document.write('<ul id="related-posts">');
  for (var i = 0; i < entries.length; i++) {
    var entry = entries[i];
    var postUrl = '';
    for (var k = 0; k < entry.link.length; k++) {
      if (entry.link[k].rel == 'alternate') {
        postUrl = entry.link[k].href;
        break;
      }
    }
    var thumb = '%(blog)s/no-image.png';
    if ('media$thumbnail' in entry) {
      thumb = entry.media$thumbnail.url;
    }
    var date = entry.published.$t.substring(0, 10);
    document.write('<li><a href="' + postUrl + '"><img src="' + thumb +
      '" width="72" height="72" alt=""/>' + entry.title.$t + '</a> <span class="date">' +
      date + '</span></li>');
  }
  document.write('</ul><p id="total">' + json.feed.openSearch$totalResults.$t +
    ' posts</p>');
}
</script>
<script type="text/javascript" src="%(feed)s"></script>
</body></html>
"""


@pytest.fixture
def other_blog():
    """
    Someone else's blog on another origin (its own loopback server, outside
    our pages' Content-Security-Policy); set `.html` to the page it serves.
    """

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = server.html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    server.html = ""
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_pasted_related_posts_widget_lists_the_labels_posts(
    live_server, page, other_blog
):
    now = timezone.now()
    image = make_image(size=(640, 360), filename="harbour.jpg")
    posts = [
        make_post(
            title="Top story number %d" % number,
            labels=["TOP STORY"],
            published_at=now - timedelta(hours=number + 1),
            featured_image=image if number == 0 else None,
        )
        for number in range(7)
    ]
    make_post(title="Movie review elsewhere", labels=["Movie"])
    make_draft(title="Draft top story", labels=["TOP STORY"])
    feed = (
        live_server.url
        + "/feeds/posts/default/-/TOP%20STORY?alt=json-in-script"
        + "&callback=showRelated&max-results=5"
    )
    other_blog.html = WIDGET % {"feed": feed, "blog": other_blog.url}
    page.goto(other_blog.url + "/2026/03/some-post.html")
    assert not live_server.url.startswith(other_blog.url)

    items = page.locator("#related-posts li")
    expect(items).to_have_count(5)
    expect(items.locator("a")).to_have_text(
        ["Top story number %d" % number for number in range(5)]
    )
    for number, post in enumerate(posts[:5]):
        link = items.nth(number).locator("a")
        expect(link).to_have_attribute(
            "href", live_server.url + post.get_absolute_url()
        )
        expect(items.nth(number).locator(".date")).to_have_text(
            timezone.localtime(post.published_at).strftime("%Y-%m-%d")
        )
    expect(page.locator("#total")).to_have_text("7 posts")

    # The first post's picture is our 72x72 thumbnail, really served.
    thumbnail = items.first.locator("img")
    expect(thumbnail).to_have_attribute("src", live_server.url + image.url("s72-c"))
    page.wait_for_function(
        "document.querySelector('#related-posts img').naturalWidth === 72"
    )
    expect(items.nth(1).locator("img")).to_have_attribute(
        "src", other_blog.url + "/no-image.png"
    )

    # The links lead to the posts on the live site.
    items.nth(2).locator("a").click()
    expect(page).to_have_url(live_server.url + posts[2].get_absolute_url())
    expect(page.locator("h1")).to_have_text("Top story number 2")
