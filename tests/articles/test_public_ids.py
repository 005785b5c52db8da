"""
Issue 16, point 5: posts and pages share one numbering (ContentId), so
`/feeds/ID/comments/default` names one of them only. Imported ones keep
Blogger's id; pages numbered anew answer their old comment-feed addresses
with a 301.
"""

from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import publishing
from articles.models import (
    LOCAL_ID_LIMIT,
    ContentId,
    NumberTaken,
    OldPublicId,
    Page,
    Post,
    SiteSettings,
    Status,
)
from tests.blogger.conftest import run_import
from tests.blogger.test_import_entries import entry, export
from tests.factories import make_comment, make_page, make_post

pytestmark = pytest.mark.django_db


def test_posts_and_pages_take_numbers_from_one_series():
    post = make_post()
    page = make_page()
    draft = make_post(status=Status.DRAFT, published_at=None)
    numbers = [post.public_id, page.public_id, draft.public_id]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert all(number < LOCAL_ID_LIMIT for number in numbers)
    # Saving again keeps the number.
    page.title = "Renamed"
    page.save()
    page.refresh_from_db()
    assert page.public_id == numbers[1]


def test_imported_ids_stay_and_new_numbers_stay_below_bloggers():
    imported = make_post(blogger_id="4512873310000000001")
    page = make_page(blogger_id="6000000000000000001")
    local = make_post()
    assert imported.public_id == 4512873310000000001
    assert page.public_id == 6000000000000000001
    assert local.public_id < LOCAL_ID_LIMIT


def test_a_page_never_gets_a_posts_number():
    post = make_post()
    with pytest.raises(NumberTaken, match="already belongs to post #%d" % post.pk):
        with transaction.atomic():
            make_page(public_id=post.public_id)
    with pytest.raises(NumberTaken):
        with transaction.atomic():
            make_page(blogger_id=str(post.public_id))
    assert not Page.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_a_shared_number():
    """Even written past the models, a page cannot point at a post's number."""
    post, page = make_post(), make_page()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Page.objects.filter(pk=page.pk).update(public_id=post.public_id)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            ContentId.objects.create(id=post.public_id + 100, post_number=7)
    assert Page.objects.get(pk=page.pk).public_id == page.public_id


def test_a_deleted_posts_number_is_never_given_again():
    gone = make_post()
    number = gone.public_id
    gone.delete()
    assert make_page().public_id == number + 1
    assert make_post().public_id == number + 2


def test_the_bulk_path_numbers_any_count_in_the_same_queries():
    def create(count):
        posts = [Post(title="Story %d" % n, status=Status.DRAFT) for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            publishing.create_many(posts)
        return posts, len(queries)

    SiteSettings.load()  # every site has its settings row (the counts read its zone)
    few, few_queries = create(3)
    many, many_queries = create(30)
    assert few_queries == many_queries
    numbers = [post.public_id for post in few + many]
    assert len(set(numbers)) == 33
    assert numbers == sorted(numbers)
    assert ContentId.objects.filter(post_number__in=numbers).count() == 33


def test_a_post_and_a_page_each_have_their_own_comment_feed(client):
    post = make_post(title="A post")
    page = make_page(title="A page", comments_open=True)
    make_comment(post, text="On the post")
    make_comment(page, text="On the page")
    for target, text in ((post, "On the post"), (page, "On the page")):
        response = client.get("/feeds/%d/comments/default" % target.public_id)
        assert response.status_code == 200
        assert text.encode() in response.content
        assert (b"On the post" in response.content) is (target is post)
    # Entry ids name the post by its public id.
    feed = client.get("/feeds/posts/default").content.decode()
    assert ".post-%d</id>" % post.public_id in feed


def test_the_import_refuses_a_blogger_id_another_item_has(frozen_now, tmp_path):
    post = make_post(title="Made here")
    path = export(
        tmp_path,
        entry(
            "page",
            post.public_id,
            "<link rel='alternate' href='https://x.blogspot.com/p/one.html'/>",
        ),
    )
    with pytest.raises(CommandError, match="already belongs to post #%d" % post.pk):
        run_import(path)
    assert not Page.objects.exists()


def test_a_reimport_keeps_the_numbers(frozen_now, tmp_path):
    path = export(
        tmp_path,
        entry("post", 4000000000000000001),
        entry(
            "page",
            4000000000000000002,
            "<link rel='alternate' href='https://x.blogspot.com/p/two.html'/>",
        ),
    )
    run_import(path)
    run_import(path)
    assert Post.objects.get().public_id == 4000000000000000001
    assert Page.objects.get().public_id == 4000000000000000002
    assert ContentId.objects.count() == 2


class TestOldPageNumbers:
    @pytest.fixture
    def moved(self):
        """A page renumbered from 900, with an approved comment."""
        page = make_page(title="About", comments_open=True)
        OldPublicId.objects.create(number=900, page=page)
        comment = make_comment(page, text="Hello from before")
        return page, comment

    def test_old_comment_feed_addresses_answer_301_to_the_new_ones(self, client, moved):
        page, comment = moved
        for old, new in [
            (
                "/feeds/900/comments/default?alt=json",
                "/feeds/%d/comments/default?alt=json" % page.public_id,
            ),
            (
                "/feeds/900/comments/summary",
                "/feeds/%d/comments/summary" % page.public_id,
            ),
            (
                "/feeds/900/comments/default/%d" % comment.pk,
                "/feeds/%d/comments/default/%d" % (page.public_id, comment.pk),
            ),
        ]:
            response = client.get(old)
            assert response.status_code == 301, old
            assert response["Location"] == new
            assert client.get(new).status_code == 200

    def test_no_redirect_once_a_post_has_the_old_number(self, client, moved):
        ContentId.objects.create(id=900, post_number=900)
        make_post(public_id=900, status=Status.DRAFT, published_at=None)
        assert client.get("/feeds/900/comments/default").status_code == 404

    def test_numbers_no_database_holds_are_plain_404s(self, client, moved):
        for number in ("0", "9" * 19, "9" * 40):
            response = client.get("/feeds/%s/comments/default" % number)
            assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_posts_and_pages(client):
    """
    Imported posts and pages keep Blogger's ids, posts made here their
    numbers; pages made here get new ones, and their old comment feeds move.
    """
    before, after = (
        ("articles", "0009_post_corrections"),
        ("articles", "0012_public_ids_required"),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old_apps = executor.loader.project_state([before]).apps
    OldPost = old_apps.get_model("articles", "Post")
    OldPage = old_apps.get_model("articles", "Page")
    now = timezone.now() - timedelta(hours=1)
    live = {"status": "published", "published_at": now}
    local_posts = [
        OldPost.objects.create(
            title="Post %d" % n, permalink="/2026/01/p%d.html" % n, **live
        )
        for n in range(3)
    ]
    imported_post = OldPost.objects.create(
        title="Imported",
        blogger_id="4512873310000000001",
        permalink="/2019/01/i.html",
        **live,
    )
    # Pages' own keys are given: sequences differ between databases.
    top = imported_post.pk
    about = OldPage.objects.create(
        pk=local_posts[0].pk, title="About", slug="about", **live
    )
    imported_page = OldPage.objects.create(
        pk=top + 100, title="Old", slug="old", blogger_id="6000000000000000001", **live
    )
    # A page whose number no post has: its old comment feed moves.
    lonely = OldPage.objects.create(pk=top + 50, title="Contact", slug="c", **live)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    numbers = dict(Post.objects.values_list("pk", "public_id"))
    assert [numbers[post.pk] for post in local_posts] == [p.pk for p in local_posts]
    assert numbers[imported_post.pk] == 4512873310000000001
    pages = dict(Page.objects.values_list("pk", "public_id"))
    assert pages[imported_page.pk] == 6000000000000000001
    # New numbers above every number in use and every old page number.
    assert [pages[about.pk], pages[lonely.pk]] == [top + 51, top + 52]
    assert set(OldPublicId.objects.values_list("number", "page")) == {
        (about.pk, about.pk),
        (lonely.pk, lonely.pk),
    }
    # About's old number is a post's: that post keeps it, no redirect.
    assert client.get("/feeds/%d/comments/default" % about.pk).status_code == 200
    response = client.get("/feeds/%d/comments/default" % lonely.pk)
    assert response.status_code == 301
    assert response["Location"] == "/feeds/%d/comments/default" % pages[lonely.pk]
    # New posts and pages go on from there.
    assert make_page().public_id == top + 53
