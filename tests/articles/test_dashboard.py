"""
The dashboard on /admin/: lists of what needs attention, each with a count
and a link, in the site's time zone; moderators see their queue first; a
constant number of queries.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import publishing, roles
from articles.models import SiteSettings, Status
from tests.articles.newsroom_admin import make_person
from tests.factories import make_comment, make_draft, make_post, make_scheduled

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture(autouse=True)
def site_zone(settings):
    settings.TIME_ZONE = "UTC"
    site = SiteSettings.load()
    site.time_zone = "Asia/Kolkata"
    site.save()


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS, first_name="Asha", last_name="Menon")
    client.force_login(user)
    return user


def ist(*args):
    return datetime(*args, tzinfo=IST)


def lists(response):
    """{key: (count, link, [titles])} as the dashboard shows them."""
    return {
        part["key"]: (part["count"], part["url"], [i["title"] for i in part["items"]])
        for part in response.context["lists"]
    }


def test_lists_with_counts_and_links(client, editor, frozen_now):
    writer = make_person(roles.WRITERS, first_name="Kavya", last_name="Raman")
    make_draft(title="My draft", author=editor)
    make_draft(title="Their draft", author=writer)
    waiting = make_draft(title="Monsoon relief", author=writer)
    publishing.submit(post=waiting, user=writer)
    # Today ends at midnight IST (18:30 UTC): 23:50 is today, 00:10 is not.
    make_scheduled(title="Late edition", published_at=ist(2026, 3, 5, 23, 50))
    make_scheduled(title="Early edition", published_at=ist(2026, 3, 6, 0, 10))
    make_scheduled(title="Next Wednesday", published_at=ist(2026, 3, 11, 23, 0))
    make_scheduled(title="Next Thursday", published_at=ist(2026, 3, 12, 0, 30))
    make_post(title="This morning", published_at=ist(2026, 3, 5, 8, 0))
    make_post(title="Ten days ago", published_at=ist(2026, 2, 23, 8, 0))
    response = client.get("/admin/")
    agenda = "/admin/articles/post/agenda/"
    assert lists(response) == {
        "my_drafts": (
            1,
            "/admin/articles/post/?state=draft&author__id__exact=%d" % editor.pk,
            ["My draft"],
        ),
        "pending": (1, "/admin/articles/post/?state=pending", ["Monsoon relief"]),
        "today": (1, agenda, ["Late edition"]),
        "week": (2, agenda, ["Early edition", "Next Wednesday"]),
        "recent": (1, "/admin/articles/post/?state=live", ["This morning"]),
    }
    page = response.content.decode()
    assert "Kavya Raman, submitted 5 Mar 2026, 12:00 IST" in page
    assert "goes live 5 Mar 2026, 23:50 IST" in page
    assert (
        '<a href="/admin/articles/post/%d/change/">Monsoon relief</a>' % (waiting.pk)
        in page
    )
    assert 'href="/admin/articles/post/add/"' in page
    assert 'href="%s"' % agenda in page


def test_long_lists_show_five_and_say_how_many_more(client, editor, frozen_now):
    for number in range(7):
        make_draft(title="Draft %d" % number, author=editor)
    part = lists(client.get("/admin/"))["my_drafts"]
    assert part[0] == 7
    assert len(part[2]) == 5
    assert "and 2 more" in client.get("/admin/").content.decode()


def test_empty_lists_say_so(client, editor, frozen_now):
    page = client.get("/admin/").content.decode()
    assert "Nothing is waiting for review." in page
    assert "Nothing goes live today." in page


def test_writers_see_their_own_posts(client, frozen_now):
    writer = make_person(roles.WRITERS)
    client.force_login(writer)
    make_draft(title="Mine", author=writer)
    make_draft(title="Another writer's", author=make_person(roles.WRITERS))
    make_draft(title="Mine in review", author=writer, status=Status.PENDING)
    make_draft(title="Theirs in review", status=Status.PENDING)
    shown = lists(client.get("/admin/"))
    assert shown["my_drafts"][2] == ["Mine"]
    assert shown["pending"][2] == ["Mine in review"]


def test_moderators_see_their_queue_first(client, frozen_now):
    both = make_person(roles.EDITORS)
    from comments.roles import ensure_moderators

    both.groups.add(ensure_moderators())
    make_comment(make_post(), status="pending")
    client.force_login(both)
    page = client.get("/admin/").content.decode()
    assert page.index('id="comment-queue"') < page.index('id="newsroom-dashboard"')
    client.force_login(make_person(roles.EDITORS))
    page = client.get("/admin/").content.decode()
    assert 'id="comment-queue"' not in page  # editors have no comment permissions
    client.force_login(make_person(roles.MODERATORS))
    page = client.get("/admin/").content.decode()
    assert 'id="comment-queue"' in page
    assert 'id="newsroom-dashboard"' not in page


def test_superuser_sees_posts_then_comments(admin_client, frozen_now):
    make_comment(make_post(), status="pending")
    page = admin_client.get("/admin/").content.decode()
    assert page.index('id="newsroom-dashboard"') < page.index('id="comment-queue"')


def test_dashboard_costs_the_same_queries_for_few_and_many_posts(
    client, editor, frozen_now
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/").status_code == 200
        return len(queries)

    def add_posts(number):
        for _ in range(number):
            make_draft(author=editor)
            publishing.submit(post=make_draft(), user=None)
            make_scheduled(delay=timedelta(hours=2))
            make_scheduled(delay=timedelta(days=2))
            make_post(published_at=timezone.now() - timedelta(hours=3))

    add_posts(1)
    count()  # the session and site settings are read once
    few = count()
    add_posts(8)
    assert count() == few
