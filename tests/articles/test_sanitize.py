"""Whatever the browser sends, a post's HTML is sanitised with nh3 on save."""

import pytest

from articles.sanitize import sanitize_html
from tests.articles.newsroom_admin import make_person, post_form_data
from tests.factories import make_post

# What the rich-text editor makes: it must survive byte for byte.
EDITOR_HTML = (
    "<h2>Funding, property, air travel</h2>"
    "<p><strong>Bold</strong>, <em>italic</em>, <s>struck</s> and "
    '<a href="https://example.com/story" target="_blank" rel="noopener">a link</a>.</p>'
    "<ul><li><p>One</p></li><li><p>Two</p></li></ul>"
    '<ol start="3"><li><p>Three</p></li></ol>'
    "<blockquote><p>A quote.</p></blockquote>"
    "<pre><code>if a &lt; b:\n    print(&quot;&amp;&quot;)</code></pre>"
    '<figure class="figure"><img src="/img/KEY/s640/photo.jpg" alt="A photo">'
    "<figcaption>The caption</figcaption></figure>"
    "<hr>"
    '<iframe src="https://www.youtube.com/embed/abc" width="560" height="315">'
    "</iframe>"
)


def test_allowed_markup_survives_unchanged():
    assert sanitize_html(EDITOR_HTML) == EDITOR_HTML.replace("&quot;", '"')


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hi</p><script>alert(1)</script>", "<p>Hi</p>"),
        ('<img src="/x.jpg" onerror="alert(1)" alt="x">', '<img src="/x.jpg" alt="x">'),
        ('<p onclick="steal()">Tap</p>', "<p>Tap</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener">x</a>'),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener">x</a>'),
        (
            '<iframe src="https://evil.example/x" width="560"></iframe><p>a</p>',
            "<p>a</p>",
        ),
        ('<iframe src="http://www.youtube.com/embed/x"></iframe>', ""),
        ("<iframe>inside <b>x</b></iframe><p>after</p>", "<p>after</p>"),
        ('<p style="width: expression(alert(1))">x</p>', "<p>x</p>"),
        ('<div style="background:url(javascript:x)">y</div>', "<div>y</div>"),
        ("<object data='x.swf'></object><p>k</p>", "<p>k</p>"),
    ],
)
def test_dangerous_markup_is_removed(dirty, clean):
    assert sanitize_html(dirty) == clean


@pytest.mark.django_db
def test_model_save_sanitises_whatever_arrives():
    post = make_post(body='<p onmouseover="x()">Hi</p><script>alert(1)</script>')
    post.refresh_from_db()
    assert post.body == "<p>Hi</p>"


@pytest.mark.django_db
def test_admin_post_is_sanitised_on_save(client):
    from articles.models import Post

    client.force_login(make_person("Editors"))
    body = (
        '<h2>Head</h2><p><a href="javascript:alert(1)">x</a></p>'
        '<img src="/img/K/s640/a.jpg" alt="a" onerror="alert(1)">'
        "<script>document.cookie</script>"
        '<iframe src="https://evil.example/"></iframe>'
        '<p style="color: expression(alert(1))">styled</p>'
        "<pre><code>x = 1</code></pre>"
    )
    response = client.post(
        "/admin/articles/post/add/", post_form_data(title="Dirty", body=body)
    )
    assert response.status_code == 302
    assert Post.objects.get(title="Dirty").body == (
        '<h2>Head</h2><p><a rel="noopener">x</a></p>'
        '<img src="/img/K/s640/a.jpg" alt="a">'
        "<p>styled</p><pre><code>x = 1</code></pre>"
    )
