"""`manage.py loaddemo --posts N`: the demo at another size, loaded in batches."""

import io
import math

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from articles import demo, publishing
from articles.demo import label_counts
from articles.models import Image, LabeledPost, Post, Status
from articles.search import PostSearchDocument, search_posts

pytestmark = pytest.mark.django_db

POSTS = 300
BATCH = 100


# Tests without the loaded demo come first: the module's demo stays loaded
# from its first test to the end of the module.


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5", "", "9"])
def test_a_bad_count_is_refused_before_anything_is_written(value):
    for call in (
        lambda: call_command("loaddemo", "--posts", value, stdout=io.StringIO()),
        lambda: call_command("loaddemo", posts=value, stdout=io.StringIO()),
    ):
        with pytest.raises(CommandError, match="posts"):
            call()
    assert not Post.objects.exists()


def test_create_batches_numbers_addresses_across_batches():
    """The same title in several batches gets _1, _2... as in one list."""
    now = timezone.now()
    posts = (
        Post(title="Same story", status=Status.PUBLISHED, published_at=now)
        for _ in range(5)
    )
    with transaction.atomic():
        saved = [
            post
            for batch in publishing.create_batches(posts, batch_size=2)
            for post in batch
        ]
    local = timezone.localtime(now)
    prefix = "/%04d/%02d/" % (local.year, local.month)
    assert [post.permalink for post in saved] == [
        prefix + "same-story.html",
        *(prefix + "same-story_%d.html" % n for n in range(1, 5)),
    ]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """
    A 300-post demo in batches of 100, loaded once for this module; with a
    COPY threshold of 50, so on PostgreSQL the COPY path is the one run.
    Returns the command's output and the size of each batch as it was saved.
    """
    patch = pytest.MonkeyPatch()
    patch.setattr(demo, "BATCH_SIZE", BATCH)
    patch.setattr(publishing, "COPY_FROM", 50)
    made, seen = [], []
    new_post = demo._new_post

    def counting_new_post(*args, **kwargs):
        made.append(1)
        return new_post(*args, **kwargs)

    create_batches = publishing.create_batches

    def watched(*args, **kwargs):
        for batch in create_batches(*args, **kwargs):
            # How many posts had been made when this batch was saved.
            seen.append((len(batch), len(made)))
            yield batch

    patch.setattr(demo, "_new_post", counting_new_post)
    patch.setattr(publishing, "create_batches", watched)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            out = io.StringIO()
            call_command("loaddemo", posts=POSTS, stdout=out)
            patch.undo()
            yield out.getvalue(), seen
            transaction.set_rollback(True)
    finally:
        patch.undo()


def test_the_posts_drafts_and_scheduled_posts_are_all_there(loaded):
    assert Post.objects.published().count() == POSTS
    assert Post.objects.filter(status__in=[Status.DRAFT, Status.PENDING]).count() == (
        demo.DRAFTS
    )
    assert Post.objects.scheduled().count() == demo.SCHEDULED
    # Every post has its search row, and search finds what the demo wrote.
    assert PostSearchDocument.objects.count() == Post.objects.count()
    assert search_posts("police").exists()


def test_the_label_widget_shows_the_seeds_proportions(loaded, client):
    counts = label_counts(POSTS)
    # The seed's 10,000-post counts scaled to 300, every label kept.
    assert counts["TOP STORY"] == 200 and counts["AROUND THE GLOBE"] == 178
    assert counts["s"] == 1 and counts["TRAVEL"] == 1
    html = client.get("/").content.decode()
    for name, count in counts.items():
        assert (
            '<span class="label-name">%s</span> <span class="label-count">%d</span>'
            % (name, count)
        ) in html


def test_the_images_come_from_one_pool_whatever_the_count(loaded):
    assert Image.objects.count() == demo.IMAGES + 1
    assert Post.objects.filter(featured_image__isnull=True).exists()


def test_posts_are_made_and_saved_one_batch_at_a_time(loaded):
    """Memory holds a batch: no batch is larger, and none was made far ahead."""
    _out, seen = loaded
    total = POSTS + demo.DRAFTS + demo.SCHEDULED
    assert [size for size, _made in seen][:-1] == [BATCH] * (
        math.ceil(total / BATCH) - 1
    )
    assert sum(size for size, _made in seen) == total
    saved = 0
    for size, made in seen:
        saved += size
        # The generator had made this batch's posts and at most one more.
        assert made <= saved + 1


def test_the_output_shows_progress_and_the_total(loaded):
    out, _seen = loaded
    assert "100 / 342 posts" in out and "342 / 342 posts (100%)" in out
    assert "Loaded 300 live posts" in out


def test_published_times_spread_over_years_newest_minutes_ago(loaded):
    live = Post.objects.published().newest_first()
    newest, oldest = live.first(), live.last()
    assert (newest.published_at - oldest.published_at).days > 2 * 365
    assert newest.premium_body  # the demo's premium post is the newest
    times = list(live.values_list("published_at", flat=True))
    assert len(set(times)) == len(times)


def test_pages_render(loaded, client):
    post = Post.objects.published().newest_first()[5]
    local = post.published_at
    for address in [
        "/",
        post.get_absolute_url(),
        "/search/label/TOP%20STORY",
        "/%04d/%02d/" % (local.year, local.month),
        "/search?q=police",
        "/feeds/posts/default",
    ]:
        response = client.get(address)
        assert response.status_code == 200, address


def test_ids_continue_after_the_load(loaded):
    """The id sequences are past the loaded rows: the next save just works."""
    top = Post.objects.order_by("-pk").first().pk
    post = Post(title="After the load", status=Status.PUBLISHED)
    publishing.publish_now(post=post, user=None)
    assert post.pk > top
    label_top = LabeledPost.objects.order_by("-pk").first().pk
    post.set_labels(["TOP STORY"])
    assert LabeledPost.objects.get(content_object=post).pk > label_top


def test_a_second_run_changes_nothing_and_says_so(loaded):
    before = Post.objects.count()
    out = io.StringIO()
    call_command("loaddemo", posts=500, stdout=out)
    assert "already loaded; nothing to do" in out.getvalue()
    assert Post.objects.count() == before
