"""
The admin's post list, search and form at any size: deep pages show the right
rows, counts stop counting, search goes through the full-text index, and
each page's query count does not grow with the data.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.admin import paging
from articles.admin.posts import PostAdmin
from articles.models import Post
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_post, make_user

pytestmark = pytest.mark.django_db

LIST = "/admin/articles/post/"


def hours_ago(hours):
    return FROZEN_NOW - timedelta(hours=hours)


def listed_titles(html):
    return re.findall(r'<th class="field-title"><a href="[^"]*">([^<]*)</a>', html)


def add_posts(count, start=0, **fields):
    return [
        make_post(title="Story %03d" % index, published_at=hours_ago(index), **fields)
        for index in range(start, start + count)
    ]


@pytest.fixture
def short_pages(monkeypatch):
    """Five posts a page and exact counts up to ten, so 23 posts are a big list."""
    monkeypatch.setattr(PostAdmin, "list_per_page", 5)
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 10)


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_deep_page_shows_its_rows_in_order(staff_client, frozen_now, short_pages):
    add_posts(23)
    html = get(staff_client, LIST + "?p=3")
    assert listed_titles(html) == ["Story %03d" % index for index in range(10, 15)]
    last = get(staff_client, LIST + "?p=5")
    assert listed_titles(last) == ["Story 020", "Story 021", "Story 022"]


def test_pages_past_the_end_and_bad_numbers_never_fail(
    staff_client, frozen_now, short_pages
):
    add_posts(12)
    for number in ("999", "-1", "x"):
        response = staff_client.get(LIST + "?p=" + number)
        assert response.status_code in (200, 302)


def test_a_long_list_is_counted_up_to_the_bound_then_estimated(
    staff_client, frozen_now, short_pages
):
    add_posts(23)
    paginator = paging.LargeListPaginator(Post.objects.order_by("-published_at"), 5)
    if connection.vendor == "postgresql":
        # The planner's estimate: never below what was counted.
        assert paginator.count >= 11
    else:
        assert paginator.count == 23
    small = paging.LargeListPaginator(Post.objects.filter(title__endswith="1"), 5)
    assert small.count == 3  # under the bound: exact everywhere
    assert [post.title for post in paginator.page(2)] == [
        "Story %03d" % index for index in range(5, 10)
    ]


def test_list_query_count_is_the_same_at_two_sizes(
    staff_client, frozen_now, short_pages
):
    add_posts(12)
    get(staff_client, LIST)  # the session and site settings warm up

    def queries(url):
        with CaptureQueriesContext(connection) as context:
            get(staff_client, url)
        return len(context.captured_queries)

    small = queries(LIST), queries(LIST + "?q=story")
    add_posts(40, start=12)
    large = queries(LIST), queries(LIST + "?q=story")
    assert large == small
    assert queries(LIST + "?p=6") == small[0]


def test_search_finds_words_anywhere_authors_and_ids(staff_client, frozen_now):
    author = make_user(username="rkumar", first_name="Ravi", last_name="Kumar")
    make_post(title="Harbour reopens", body="<p>Boats are back.</p>")
    make_post(title="Budget day", body="<p>The harbour fees rise.</p>")
    make_draft(title="Harbour draft", body="<p>Unfinished.</p>")
    make_post(title="By Ravi", body="<p>Nothing else.</p>", author=author)
    other = make_post(title="Unrelated", body="<p>Trains.</p>")
    found = listed_titles(get(staff_client, LIST + "?q=harbour"))
    assert sorted(found) == ["Budget day", "Harbour draft", "Harbour reopens"]
    assert listed_titles(get(staff_client, LIST + "?q=Kumar")) == ["By Ravi"]
    assert listed_titles(get(staff_client, LIST + "?q=%d" % other.pk)) == ["Unrelated"]
    assert listed_titles(get(staff_client, LIST + "?q=harbours+boats")) == [
        "Harbour reopens"
    ]
    assert listed_titles(get(staff_client, LIST + "?q=zeppelin")) == []
    # Punctuation only: the stock search, which finds nothing here either.
    assert get(staff_client, LIST + "?q=%21%21") is not None


def test_the_form_costs_the_same_queries_at_two_sizes(staff_client, frozen_now):
    post = make_post(title="Target", labels=["KERALA"])
    url = "/admin/articles/post/%d/change/" % post.pk
    get(staff_client, url)

    def queries():
        with CaptureQueriesContext(connection) as context:
            html = get(staff_client, url)
        assert "Readers see now" in html
        return len(context.captured_queries)

    add_posts(3, labels=["KERALA"])
    small = queries()
    add_posts(60, start=3, labels=["KERALA"])
    assert queries() == small


def test_the_author_select_offers_staff_and_people_who_sign_posts(
    staff_client, frozen_now
):
    stringer = make_user(username="stringer")
    make_post(title="Wire", author=stringer)
    reader = make_user(username="reader")
    html = get(staff_client, "/admin/articles/post/add/")
    select = html[html.index('name="author"') :]
    select = select[: select.index("</select>")]
    assert ">stringer</option>" in select
    assert ">boss</option>" in select
    assert ">%s</option>" % reader.username not in select
