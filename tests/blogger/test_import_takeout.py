"""Google Takeout's `feed.atom` (namespace blogger/2018) with its `settings.csv`."""

from datetime import UTC, datetime

from articles.models import Page, Post, SiteSettings, Status
from articles.selectors import label_counts
from comments.models import Comment, CommentSettings

MONSOON = "/2025/06/monsoon-arrives-in-kochi.html"


def test_live_posts_keep_filename_id_and_search_description(takeout, client):
    post = Post.objects.get(blogger_id="101")
    assert post.permalink == MONSOON and post.status == Status.PUBLISHED
    assert post.seo_description == "The monsoon reached Kochi on Monday."
    assert [label.name for label in post.label_list] == ["Kerala News", "മഴ"]
    assert post.published_at == datetime(2025, 6, 2, 4, 0, tzinfo=UTC)
    assert post.updated_at == datetime(2025, 6, 3, 4, 30, tzinfo=UTC)
    assert client.get(MONSOON).status_code == 200


def test_entities_time_zones_and_an_empty_trashed_mark(takeout, client):
    post = Post.objects.get(blogger_id="102")
    assert post.title == "Tom & Jerry's café reopens"
    assert post.label_list == []
    # 23:15 at UTC-5 on 30 November is 1 December in UTC: Blogger's month stays.
    assert post.published_at == datetime(2024, 12, 1, 4, 15, tzinfo=UTC)
    assert post.permalink == "/2024/11/tom-jerrys-cafe.html"
    assert client.get(post.permalink + "?m=1").status_code == 200


def test_drafts_scheduled_and_trashed_posts(takeout, client):
    draft = Post.objects.get(blogger_id="103")
    assert draft.status == Status.DRAFT and draft.permalink is None
    scheduled = Post.objects.get(blogger_id="104")
    assert scheduled.is_scheduled()
    assert scheduled.permalink == "/2031/08/onam-special.html"
    assert client.get(scheduled.permalink).status_code == 404
    assert not Post.objects.filter(blogger_id="105").exists()
    out, _err = takeout
    assert "post-105: in Blogger's trash" in out


def test_label_counts_match_the_file(takeout):
    # Kerala News: 101 is live; 103 is a draft and 104 scheduled.
    assert {label.name: label.count for label in label_counts()} == {
        "Kerala News": 1,
        "മഴ": 1,
    }


def test_pages(takeout, client):
    page = Page.objects.get(blogger_id="201")
    assert page.slug == "contact" and page.status == Status.PUBLISHED
    assert client.get("/p/contact.html").status_code == 200


def test_comment_threads_states_and_counts(takeout, client):
    first = Comment.objects.get(blogger_id="301")
    assert first.parent is None and first.name == "Meera"
    assert Comment.objects.get(blogger_id="302").parent == first
    assert Comment.objects.get(blogger_id="303").parent == first
    assert Comment.objects.get(blogger_id="304").status == Comment.Status.REMOVED
    assert Comment.objects.get(blogger_id="305").status == Comment.Status.PENDING
    monsoon = Post.objects.get(blogger_id="101")
    assert monsoon.comments.count() == 4
    assert monsoon.comments.approved().count() == 3
    html = client.get(MONSOON).text
    assert "Stay dry, Arjun." in html and "Cheap watches!" not in html
    assert (
        "Is it open on Sundays?" not in client.get("/2024/11/tom-jerrys-cafe.html").text
    )


def test_settings_csv_beside_the_feed(takeout):
    site = SiteSettings.objects.get()
    assert (site.name, site.tagline, site.blog_id) == (
        "Glob Weekly",
        "Kerala every week",
        "4242424242424242424",
    )
    assert CommentSettings.objects.get().moderation == CommentSettings.Moderation.NEVER
    out, _err = takeout
    # Asia/Calcutta is the old name of the site's Asia/Kolkata: nothing to do.
    assert "time zone" not in out
