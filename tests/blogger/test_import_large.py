"""A large export: progress on stderr, constant work per entry, counts that add up."""

from articles.models import Post
from articles.selectors import label_counts
from comments.models import Comment

from .conftest import run_import

HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'>
<id>tag:blogger.com,1999:blog-99.archive</id><title type='text'>Big Blog</title>
"""
KIND = "http://schemas.google.com/blogger/2008/kind#"
POST = """<entry><id>tag:blogger.com,1999:blog-99.post-{n}</id>
<published>2024-{month:02d}-10T10:00:00.000+05:30</published>
<updated>2024-{month:02d}-11T10:00:00.000+05:30</updated>
<category scheme='http://schemas.google.com/g/2005#kind' term='{kind}post'/>
<category scheme='http://www.blogger.com/atom/ns#' term='Label {label}'/>
<title type='text'>Story {n}</title><content type='html'>&lt;p&gt;Story {n}.&lt;/p&gt;</content>
<link rel='alternate' type='text/html' href='https://big.blogspot.com/2024/{month:02d}/story-{n}.html'/>
<author><name>Desk</name></author></entry>
"""
COMMENT = """<entry><id>tag:blogger.com,1999:blog-99.post-{c}</id>
<published>2024-{month:02d}-12T10:00:00.000+05:30</published>
<category scheme='http://schemas.google.com/g/2005#kind' term='{kind}comment'/>
<content type='html'>Comment on {n}</content><author><name>Reader</name></author>
<thr:in-reply-to ref='tag:blogger.com,1999:blog-99.post-{n}'/></entry>
"""


def test_a_large_export_reports_progress_and_imports_everything(
    db, frozen_now, tmp_path
):
    parts = [HEAD]
    for n in range(1, 601):
        month = n % 12 + 1
        parts.append(POST.format(n=n, month=month, label=n % 7, kind=KIND))
        parts.append(COMMENT.format(n=n, c=100000 + n, month=month, kind=KIND))
    parts.append("</feed>\n")
    path = tmp_path / "big.xml"
    path.write_text("".join(parts), encoding="utf-8")

    out, err = run_import(path)

    assert err.splitlines()[:2] == ["Read 500 entries...", "Read 1000 entries..."]
    assert "Read 1200 entries." in err
    assert "Saved 500 items..." in err and "Saved 1000 items..." in err
    assert Post.objects.published().count() == 600
    assert Comment.objects.approved().count() == 600
    assert sum(label.count for label in label_counts()) == 600
    assert Post.objects.get(blogger_id="77").comments.get().text == "Comment on 77"
