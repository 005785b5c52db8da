"""
The editors' desk costs the same number of queries whatever the amount of
data (issue 17, point 8): each page an editor or a moderator opens all day,
at two sizes of newsroom, with the exact count at both. Timings are in
bench/desk.py, not here.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import reversion
from django.contrib import admin
from django.utils import timezone

from accounts import membership
from articles import publishing, roles
from articles.admin.filters import newest_months
from articles.models import Label, Post, SiteSettings
from comments.models import Block, Comment, Report
from tests.articles.newsroom_admin import make_person
from tests.factories import (
    make_comment,
    make_draft,
    make_image,
    make_post,
    make_scheduled,
    make_user,
)

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
SIZES = [5, 40]


@pytest.fixture(autouse=True)
def site_zone(settings):
    settings.TIME_ZONE = "UTC"
    site = SiteSettings.load()
    site.time_zone = "Asia/Kolkata"
    site.save()


@pytest.fixture
def editor():
    return make_person(roles.EDITORS, first_name="Asha", last_name="Menon")


@pytest.fixture
def moderator():
    return make_person(roles.MODERATORS, first_name="Ravi", last_name="Kumar")


def newsroom(size, editor):
    """
    A newsroom of `size`: live posts over `size` days (so over one month or
    several) by `size // 5 + 1` writers, with labels and pictures; drafts,
    posts in review and scheduled ones; comments with replies, accounts,
    reports and a block; members; and the post the form and History open,
    with pins, an exclusion and `size // 5 + 1` saved revisions.
    """
    writers = [
        make_person(roles.WRITERS, first_name="Writer", last_name=str(n))
        for n in range(size // 5 + 1)
    ]
    labels = [Label.objects.create(name="Label %d" % n) for n in range(size // 2 + 2)]
    images = [make_image(size=(40, 30)) for _n in range(size)]
    now = datetime(2026, 3, 5, 12, 0, tzinfo=IST)
    posts = []
    for n in range(size):
        post = make_post(
            title="Live story %d" % n,
            author=writers[n % len(writers)],
            published_at=now - timedelta(days=n, hours=1),
            featured_image=images[n],
        )
        post.set_labels([labels[n % len(labels)].name, labels[0].name])
        posts.append(post)
    for n in range(size // 5 + 1):
        writer = writers[n % len(writers)]
        make_draft(title="Draft %d" % n, author=writer)
        make_draft(title="Mine %d" % n, author=editor)
        waiting = make_draft(title="Waiting %d" % n, author=writer)
        publishing.submit(post=waiting, user=writer, note="Please look.")
        make_scheduled(title="Soon %d" % n, delay=timedelta(hours=2 + 30 * n))
    story = posts[0]
    story.related_pinned.add(posts[-1])
    story.related_excluded.add(posts[1])
    for n in range(size // 5 + 1):
        with reversion.create_revision():
            story.seo_description = "Description %d" % n
            story.save()
            reversion.set_user(editor)
    parent = None
    for n in range(size):
        comment = make_comment(
            posts[n % len(posts)] if parent is None else None,
            parent=parent,
            status=Comment.Status.PENDING if n % 2 else Comment.Status.APPROVED,
            user=make_user() if n % 4 == 0 else None,
            email="reader%d@example.com" % n,
            ip_address="203.0.113.%d" % (n + 1),
        )
        parent = None if parent else comment
        if n % 5 == 0:
            Report.objects.create(
                comment=comment, reporter="addr:%d" % n, reason="spam"
            )
    Block.objects.create(kind="email", value="reader1@example.com")
    for n in range(size):
        reader = make_user(first_name="Reader", last_name=str(n))
        if n % 3:
            membership.grant(reader, editor)
        else:
            membership.request(reader)
    return story


# Each desk page, who opens it, and its queries: the same at every size.
# (The session comes from the cache, and a user's empty own permissions
# cost no query: accounts/backends.py.)
PAGES = {
    "dashboard": ("editor", "/admin/", 12),
    "dashboard for a moderator": ("moderator", "/admin/", 5),
    "post list": ("editor", "/admin/articles/post/", 13),
    "post list, scheduled": ("editor", "/admin/articles/post/?state=scheduled", 12),
    "post form": ("editor", "/admin/articles/post/{story}/change/", 20),
    "add post form": ("editor", "/admin/articles/post/add/", 6),
    "agenda": ("editor", "/admin/articles/post/agenda/", 5),
    "history": ("editor", "/admin/articles/post/{story}/history/", 16),
    "comment queue": ("moderator", "/admin/comments/comment/", 12),
    "image chooser": ("editor", "/admin/articles/post/image-picker/", 5),
    "members": ("editor", "/admin/accounts/membership/", 7),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("desk_page", list(PAGES))
def test_desk_page_costs_the_same_queries_at_every_size(
    desk_page, size, client, editor, moderator, frozen_now, django_assert_num_queries
):
    who, url, queries = PAGES[desk_page]
    story = newsroom(size, editor)
    client.force_login({"editor": editor, "moderator": moderator}[who])
    url = url.format(story=story.pk)
    for _warm in range(2):  # the session, permissions and cached lists
        assert client.get(url).status_code == 200
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_the_pages_show_the_larger_newsroom(client, editor, moderator, frozen_now):
    """The counts above hold while the pages really list what grew."""
    story = newsroom(40, editor)
    client.force_login(editor)
    posts = client.get("/admin/articles/post/").content.decode()
    assert posts.count('class="action-select"') == Post.objects.count()
    assert "Writer 8" in posts  # the ninth writer's name in the author column
    form = client.get("/admin/articles/post/%d/change/" % story.pk).content.decode()
    start = form.index("field-related_preview")
    related = form[start : form.index("</ol>", start)]
    assert related.count("<li>") == 6
    assert "Live story 39</a> (pinned)" in related
    assert "Live story 2</a> (shares Label 0)" in related
    assert "Live story 1<" not in related  # excluded
    chooser = client.get("/admin/articles/post/image-picker/").content.decode()
    assert chooser.count("Picture ") >= 40
    client.force_login(moderator)
    queue = client.get("/admin/comments/comment/").content.decode()
    assert queue.count('class="row-actions"') == 40


def test_month_filter_offers_the_months_that_hold_a_dated_post(editor, frozen_now):
    """Newest first in the site's zone, empty months skipped, at most 36."""
    with timezone.override(IST):
        check_newest_months()


def check_newest_months():
    def truncated(count):
        """What the filter offered before: every date truncated to its month."""
        return list(
            Post.objects.datetimes("published_at", "month", order="DESC", tzinfo=IST)[
                :count
            ]
        )

    make_post(published_at=datetime(2026, 3, 1, 0, 30, tzinfo=IST))  # 28 Feb UTC
    make_post(published_at=datetime(2025, 12, 31, 23, 0, tzinfo=IST))
    make_scheduled(published_at=datetime(2026, 5, 2, 9, 0, tzinfo=IST))
    make_draft()
    months = [(m.year, m.month) for m in newest_months(36)]
    assert months == [(2026, 5), (2026, 3), (2025, 12)]
    assert newest_months(36) == truncated(36)
    for year in range(2010, 2026):
        make_post(published_at=datetime(year, 6, 15, tzinfo=IST))
    months = [(m.year, m.month) for m in newest_months(36)]
    assert len(months) == 19
    assert months[-1] == (2010, 6)
    assert newest_months(36) == truncated(36)
    assert [(m.year, m.month) for m in newest_months(4)] == [
        (2026, 5),
        (2026, 3),
        (2025, 12),
        (2025, 6),
    ]


def test_month_filter_lists_months_in_the_post_list(client, editor, frozen_now):
    make_post(title="March story", published_at=datetime(2026, 3, 1, 0, 30, tzinfo=IST))
    make_post(title="Old story", published_at=datetime(2024, 7, 9, tzinfo=IST))
    client.force_login(editor)
    html = client.get("/admin/articles/post/").content.decode()
    assert "?month=2026-03" in html
    assert "?month=2024-07" in html
    assert "?month=2026-02" not in html
    listed = client.get("/admin/articles/post/?month=2026-03").content.decode()
    assert "March story" in listed and "Old story" not in listed


def test_row_checkbox_is_the_one_django_draws(editor):
    post = make_post(title='Rain & "floods" <today>')
    model_admin = admin.site._registry[Post]
    assert model_admin.action_checkbox(post) == admin.ModelAdmin.action_checkbox(
        model_admin, post
    )
