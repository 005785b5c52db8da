from comments.text import comment_html, count_links


def test_text_is_escaped_and_line_breaks_kept():
    html = comment_html("<b>bold</b> & more\nsecond line\n\nnew paragraph")
    assert html == (
        "<p>&lt;b&gt;bold&lt;/b&gt; &amp; more<br>second line</p>\n\n"
        "<p>new paragraph</p>"
    )


def test_web_links_are_nofollow_ugc():
    html = comment_html("See https://example.com/a?b=1&c=2.")
    assert html == (
        '<p>See <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc">'
        "https://example.com/a?b=1&amp;c=2</a>.</p>"
    )


def test_javascript_and_other_schemes_are_not_links():
    for text in [
        "javascript:alert(1)",
        '<a href="javascript:alert(1)">click</a>',
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "mail me at someone@example.com or visit example.com",
    ]:
        html = comment_html(text)
        assert "<a " not in html, text
        assert "<script" not in html


def test_attribute_breakout_stays_text():
    html = comment_html('http://ok.example/"onmouseover="alert(1)')
    assert 'href="http://ok.example/"' in html
    assert 'onmouseover="' not in html
    assert "&quot;onmouseover=&quot;alert(1)" in html


def test_count_links():
    assert count_links("no links here, not even example.com") == 0
    assert count_links("http://a.example https://b.example http://c.example") == 3
