"""The classic Blogger backup (Settings › Back up content): every kind of entry."""

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import defusedxml.ElementTree as ET
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Page, Post, SiteSettings, Status
from articles.selectors import label_counts
from articles.text import blogger_slug
from comments.models import Comment, CommentSettings

from .conftest import CLASSIC, run_import

ATOM = "{http://www.w3.org/2005/Atom}"
KIND = "http://schemas.google.com/blogger/2008/kind#"
FIRST = "/2025/03/russian-us-diplomats-discuss-steps-in.html"


def file_entries(kind):
    tree = ET.parse(CLASSIC)
    for entry in tree.getroot().iter(ATOM + "entry"):
        terms = {c.get("term") for c in entry.findall(ATOM + "category")}
        if KIND + kind in terms:
            yield entry


def test_posts_keep_their_blogger_ids_and_original_addresses(classic, client):
    paths = dict(Post.objects.values_list("blogger_id", "permalink"))
    assert paths == {
        "1111111111111111111": FIRST,
        "2222222222222222222": "/2024/12/ben-jerrys-q.html",
        "3333333333333333333": "/2023/06/old-title.html",
        "4444444444444444444": None,
        "5555555555555555555": "/2030/01/new-year-plans.html",
    }
    response = client.get(FIRST)
    assert response.status_code == 200
    assert "Russian, US diplomats discuss steps in Istanbul talks" in response.text


def test_a_title_whose_slug_differs_from_the_path_keeps_the_path(classic, client):
    post = Post.objects.get(blogger_id="3333333333333333333")
    assert blogger_slug(post.title) == "the-title-was-edited-after-publishing"
    assert (post.slug, post.permalink) == ("old-title", "/2023/06/old-title.html")
    assert client.get("/2023/06/old-title.html").status_code == 200
    assert (
        client.get("/2023/06/the-title-was-edited-after-publishing.html").status_code
        == 404
    )


def test_drafts_stay_private_and_keep_no_address(classic, client):
    draft = Post.objects.get(blogger_id="4444444444444444444")
    assert draft.status == Status.DRAFT
    assert draft.permalink is None and draft.published_at is None
    assert [label.name for label in draft.label_list] == ["business"]
    assert not Post.objects.published().filter(pk=draft.pk).exists()
    draft_page = Page.objects.get(blogger_id="7777777777777777777")
    assert draft_page.status == Status.DRAFT
    assert client.get(draft_page.get_absolute_url()).status_code == 404


def test_a_scheduled_post_waits_for_its_time(classic, client, frozen_now):
    post = Post.objects.get(blogger_id="5555555555555555555")
    assert post.status == Status.PUBLISHED and post.is_scheduled()
    assert client.get("/2030/01/new-year-plans.html").status_code == 404
    frozen_now.move_to(datetime(2030, 1, 1, 4, 0, tzinfo=UTC))
    assert client.get("/2030/01/new-year-plans.html").status_code == 200


def test_html_entities_in_titles_are_decoded_once(classic, client):
    post = Post.objects.get(blogger_id="2222222222222222222")
    assert post.title == 'Ben & Jerry\'s "Q&A" <live>'
    html = client.get(post.permalink).text
    assert "Ben &amp; Jerry&#x27;s &quot;Q&amp;A&quot; &lt;live&gt;" in html
    assert "<live>" not in html


def test_labels_keep_spaces_non_ascii_and_order(classic, client):
    post = Post.objects.get(blogger_id="2222222222222222222")
    assert [label.name for label in post.label_list] == [
        "Kerala News",
        "केरल",
        "Café Société",
    ]
    first = Post.objects.get(permalink=FIRST)
    assert [label.name for label in first.label_list] == [
        "TOP STORY",
        "AROUND THE GLOBE",
    ]
    for quoted in (
        "Kerala%20News",
        "%E0%A4%95%E0%A5%87%E0%A4%B0%E0%A4%B2",
        "Caf%C3%A9%20Soci%C3%A9t%C3%A9",
    ):
        response = client.get("/search/label/" + quoted)
        assert response.status_code == 200, quoted
        assert "Ben &amp; Jerry" in response.text


def test_a_post_with_no_labels_has_none(classic):
    assert Post.objects.get(blogger_id="3333333333333333333").label_list == []


def test_label_counts_match_the_file(classic, frozen_now):
    now = datetime.now(UTC)
    expected = Counter()
    for entry in file_entries("post"):
        draft = entry.find(".//{http://purl.org/atom/app#}draft")
        published = datetime.fromisoformat(entry.findtext(ATOM + "published"))
        if draft is None and published <= now:
            for category in entry.findall(ATOM + "category"):
                if category.get("scheme") == "http://www.blogger.com/atom/ns#":
                    expected[category.get("term")] += 1
    assert {label.name: label.count for label in label_counts()} == dict(expected)
    # The draft's and the scheduled post's labels count for nothing yet.
    assert expected["TOP STORY"] == 1 and "business" not in expected


def test_times_keep_their_instant_whatever_the_offset(classic):
    post = Post.objects.get(blogger_id="2222222222222222222")
    assert post.published_at == datetime(2025, 1, 1, 0, 45, tzinfo=UTC)
    assert post.updated_at == datetime(2025, 1, 2, 16, 0, tzinfo=UTC)
    # 22:30 in New York on 30 June is already July in UTC and in India:
    # the address keeps Blogger's month.
    old = Post.objects.get(blogger_id="3333333333333333333")
    assert old.published_at == datetime(2023, 7, 1, 2, 30, tzinfo=UTC)
    assert old.permalink.startswith("/2023/06/")
    first = Post.objects.get(permalink=FIRST)
    assert first.published_at == datetime(2025, 3, 5, 4, 30, tzinfo=UTC)
    assert first.seo_description == "Diplomats met for six hours in Istanbul."


def test_comments_three_levels_deep_join_their_thread(classic):
    post = Post.objects.get(permalink=FIRST)
    first = Comment.objects.get(blogger_id="9000000000000000001")
    reply = Comment.objects.get(blogger_id="9000000000000000002")
    reply_to_reply = Comment.objects.get(blogger_id="9000000000000000003")
    assert first.parent is None and first.post == post
    assert reply.parent == first
    assert reply_to_reply.parent == first  # the thread's first comment
    assert first.text == (
        "First! Great report & photos.\nSee this (https://example.org/more)"
    )
    assert first.created_at == datetime(2025, 3, 5, 6, 30, tzinfo=UTC)
    assert reply.email == "arjun@example.org" and first.email == ""


def test_a_removed_comment_stays_removed(classic, client):
    removed = Comment.objects.get(blogger_id="9000000000000000004")
    assert removed.status == Comment.Status.REMOVED
    html = client.get(FIRST).text
    assert 'id="c9000000000000000001"' in html
    assert "Spammy Seller" not in html


def test_comment_counts_match_the_file(classic):
    for entry in file_entries("post"):
        total = entry.findtext("{http://purl.org/syndication/thread/1.0}total")
        if total is None:
            continue
        post = Post.objects.get(
            blogger_id=entry.findtext(ATOM + "id").rsplit("-", 1)[1]
        )
        assert post.comments.count() == int(total), post.permalink
    post = Post.objects.get(permalink=FIRST)
    assert post.comments.approved().count() == 3
    assert Comment.objects.count() == len(list(file_entries("comment")))


def test_pages_answer_at_their_old_address(classic, client):
    page = Page.objects.get(blogger_id="6666666666666666666")
    assert page.slug == "about-us"
    response = client.get("/p/about-us.html")
    assert response.status_code == 200
    assert "Who we are." in response.text
    # No comments on Blogger: the page takes none here either.
    assert not page.comments_open
    assert 'id="comment-form"' not in response.text


def test_settings_that_mean_something_here_are_kept(classic):
    out, _err = classic
    site = SiteSettings.objects.get()
    assert (site.name, site.blog_id, site.tagline) == (
        "Local Glob",
        "8255692317570297677",
        "All the news from around the globe",
    )
    moderation = CommentSettings.objects.get()
    assert moderation.moderation == CommentSettings.Moderation.OLDER
    assert moderation.moderation_days == 7
    assert "Blogger's time zone is America/New_York" in out
    assert "the site now shows dates and archives in America/New_York" in out
    assert site.time_zone == "America/New_York"


def test_authors_become_users_or_follow_the_author_map(db, frozen_now, tmp_path):
    User = get_user_model()
    User.objects.create_user("asha", "someone@example.com")
    author_map = tmp_path / "authors.csv"
    author_map.write_text(
        "blogger,username\nasha@localglob.example,asha\nRavi K,ravi\n"
    )
    run_import(CLASSIC, "--author-map", author_map)
    first = Post.objects.get(permalink=FIRST)
    assert first.author.username == "asha"
    ravi = Post.objects.get(blogger_id="3333333333333333333").author
    assert ravi.username == "ravi" and ravi.first_name == "Ravi K"
    assert not ravi.has_usable_password()
    desk = Page.objects.get(blogger_id="6666666666666666666").author
    assert (desk.username, desk.get_full_name()) == ("glob-desk", "Glob Desk")


def test_summary_table_and_progress(classic):
    out, err = classic
    assert "Read 18 entries." in err
    lines = out.splitlines()
    assert any(line.split() == ["posts", "5", "5", "0", "0"] for line in lines)
    assert any(line.split() == ["drafts", "1", "1", "0", "0"] for line in lines)
    assert any(line.split() == ["scheduled", "1", "1", "0", "0"] for line in lines)
    assert any(line.split() == ["pages", "2", "2", "0", "0"] for line in lines)
    assert any(line.split() == ["comments", "5", "5", "0", "0"] for line in lines)
    assert any(line.split() == ["labels", "6", "6", "0", "0"] for line in lines)
    assert any(line.split() == ["skipped", "1"] for line in lines)
    assert any(line.split() == ["authors", "3", "3", "0", "0"] for line in lines)
    # title, description, id, comment moderation, time zone: the title and
    # the id were already the site's, the other three are updated.
    assert any(line.split() == ["settings", "5", "0", "3", "2"] for line in lines)
    assert "theme template" in out


@pytest.mark.parametrize("query", ["?m=1", "?m=0"])
def test_mobile_parameter_is_ignored(classic, client, query):
    assert client.get(FIRST + query).status_code == 200
    assert client.get("/p/about-us.html" + query).status_code == 200


def test_old_comment_links_open_the_post(classic, client):
    response = client.get(FIRST + "?showComment=1741156200000")
    assert response.status_code == 200
    assert 'id="c9000000000000000002"' in response.text


def test_the_blogs_time_zone_shows_on_pages(classic, client):
    post = Post.objects.get(
        permalink="/2025/03/russian-us-diplomats-discuss-steps-in.html"
    )
    html = client.get(post.get_absolute_url()).content.decode()
    local = timezone.localtime(post.published_at, ZoneInfo("America/New_York"))
    assert 'datetime="%s"' % local.isoformat() in html
    assert local.isoformat().endswith(("-05:00", "-04:00"))


def test_a_time_zone_that_is_not_known_is_refused_in_the_form(db):
    from django.core.exceptions import ValidationError

    site = SiteSettings.load()
    site.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as refused:
        site.full_clean()
    assert "time_zone" in refused.value.message_dict
