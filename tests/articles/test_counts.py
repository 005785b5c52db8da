"""
Kept counts (articles/counts.py): the label widget, the archive, the feeds'
total, the sitemaps and the label admin read counts kept up to date in each
change's transaction, never a scan of every post. Each test changes the site
one way and checks the kept counts against the posts themselves.
"""

import io
import json
import random
import re
from datetime import timedelta
from itertools import combinations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F
from django.db.models.functions import Greatest, TruncDay, TruncMonth
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import counts, publishing
from articles.labels import label_merge, label_rename
from articles.models import (
    Label,
    LabelCount,
    LabeledPost,
    MonthCount,
    Post,
    SiteSettings,
    Status,
    visible_q,
)
from articles.selectors import archive_months, label_counts
from tests.conftest import FROZEN_NOW
from tests.factories import make_draft, make_post, make_scheduled

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


def label_sets():
    """Each label alone, and each pair of labels (the feeds' `/-/A/B`)."""
    labels = list(Label.objects.order_by("pk"))
    return [[label] for label in labels] + [
        [first, second]
        for index, first in enumerate(labels)
        for second in labels[index + 1 :]
    ]


def together():
    """Each pair and each triple of labels (the feeds' `/-/A/B`, `/-/A/B/C`)."""
    labels = list(Label.objects.order_by("pk"))
    return [*combinations(labels, 2), *combinations(labels, 3)]


def carrying(labels):
    """Live posts carrying every one of `labels`."""
    posts = Post.objects.published()
    for label in labels:
        posts = posts.filter(
            pk__in=LabeledPost.objects.filter(tag=label).values("content_object_id")
        )
    return posts


def kept_days(by, labels):
    """
    [(day, live posts)] of `labels` (none: all) by `by`, newest first, from
    the kept day counts: each day a span of its own, in the zone they are
    counted in (the site's).
    """
    model, fields = counts._span_rows(
        (
            "day",
            None
            if not labels
            else labels[0].pk
            if len(labels) == 1
            else tuple(sorted(label.pk for label in labels)),
        )
    )
    days = []
    for start, end in (
        model.objects.filter(**fields, **{by + "__gt": 0})
        .order_by("-starts_at")
        .values_list("starts_at", "ends_at")
    ):
        live = counts.live_in_days(by, labels, [(start, end)])
        if live:
            day = timezone.localtime(start, counts.counting_zone())
            days.append((day.strftime("%Y-%m-%d"), live))
    return days


def kept():
    """What readers are shown, from the kept counts."""
    return {
        "labels": [(label.name, label.count) for label in label_counts()],
        "months": [
            (row["month"].strftime("%Y-%m"), row["count"]) for row in archive_months()
        ],
        "feed months": [
            (timezone.localtime(start).strftime("%Y-%m"), live)
            for _zone, start, _end, live in counts.months_with_live_counts("updated")
        ],
        "label months": {
            (tuple(label.name for label in labels), by): [
                (timezone.localtime(start).strftime("%Y-%m"), live)
                for _zone, start, _end, live in counts.months_with_live_counts(
                    by, labels
                )
            ]
            for labels in label_sets()
            for by in ("published", "updated")
        },
        "days": {
            (tuple(label.name for label in labels), by): kept_days(by, labels)
            for labels in [[], *label_sets()]
            for by in ("published", "updated")
        },
        "live": counts.live_post_count(),
        "together": {
            tuple(label.name for label in labels): counts.live_count_together(labels)
            for labels in together()
        },
        "all": {
            label.name: label.total
            for label in counts.with_kept_counts(Label.objects.all())
            if label.total
        },
    }


def scanned():
    """The same, counted from the posts themselves (what the kept counts replace)."""
    labels = (
        Label.objects.annotate(
            count=Count(
                "labeled_posts", filter=visible_q("labeled_posts__content_object__")
            ),
            total=Count("labeled_posts"),
        )
        .order_by("name")
        .values_list("name", "count", "total")
    )
    return {
        "labels": sorted(
            [(name, count) for name, count, _total in labels if count],
            key=lambda row: (row[0].lower(), row[0]),
        ),
        "months": [
            (row["month"].strftime("%Y-%m"), row["count"])
            for row in counts._scan_months(timezone.get_current_timezone())
        ],
        "feed months": [
            (row["month"].strftime("%Y-%m"), row["count"])
            for row in Post.objects.published()
            .annotate(
                month=TruncMonth(
                    Greatest("updated_at", "published_at"),
                    tzinfo=timezone.get_current_timezone(),
                )
            )
            .values("month")
            .annotate(count=Count("id"))
            .order_by("-month")
        ],
        "label months": {
            (tuple(label.name for label in labels), by): [
                (row["month"].strftime("%Y-%m"), row["count"])
                for row in carrying(labels)
                .annotate(
                    month=TruncMonth(moment, tzinfo=timezone.get_current_timezone())
                )
                .values("month")
                .annotate(count=Count("id"))
                .order_by("-month")
            ]
            for labels in label_sets()
            for by, moment in (
                ("published", F("published_at")),
                ("updated", Greatest("updated_at", "published_at")),
            )
        },
        "days": {
            (tuple(label.name for label in labels), by): [
                (row["day"].strftime("%Y-%m-%d"), row["count"])
                for row in carrying(labels)
                .annotate(day=TruncDay(moment, tzinfo=counts.counting_zone()))
                .values("day")
                .annotate(count=Count("id"))
                .order_by("-day")
            ]
            for labels in [[], *label_sets()]
            for by, moment in (
                ("published", F("published_at")),
                ("updated", Greatest("updated_at", "published_at")),
            )
        },
        "live": Post.objects.published().count(),
        "together": {
            tuple(label.name for label in labels): carrying(labels).count()
            for labels in together()
        },
        "all": {name: total for name, _count, total in labels if total},
    }


def assert_exact():
    assert kept() == scanned()
    return kept()


@pytest.fixture
def site(frozen_now):
    return {
        "live": make_post(labels=["TOP STORY", "KERALA"]),
        "old": make_post(
            labels=["TOP STORY"], published_at=FROZEN_NOW - timedelta(days=40)
        ),
        "draft": make_draft(labels=["TOP STORY", "Movie"]),
        "pending": make_draft(status=Status.PENDING, labels=["KERALA"]),
        "later": make_scheduled(delay=timedelta(days=1), labels=["TRAVEL"]),
    }


def test_counts_are_those_of_live_posts_only(site):
    shown = assert_exact()
    assert shown["labels"] == [("KERALA", 1), ("TOP STORY", 2)]
    assert shown["months"] == [("2026-03", 1), ("2026-01", 1)]
    assert shown["live"] == 2
    assert shown["all"] == {"TOP STORY": 3, "KERALA": 2, "Movie": 1, "TRAVEL": 1}


def test_publishing_scheduling_and_taking_down_move_the_counts(site):
    publishing.publish_now(post=site["draft"], user=None)
    assert ("Movie", 1) in assert_exact()["labels"]
    publishing.schedule(
        post=site["pending"], user=None, at=FROZEN_NOW + timedelta(hours=2)
    )
    assert ("KERALA", 1) in assert_exact()["labels"]
    publishing.unpublish(post=site["live"], user=None)
    assert assert_exact()["labels"] == [("Movie", 1), ("TOP STORY", 2)]
    publishing.unschedule(post=site["later"], user=None)
    publishing.reschedule(
        post=site["pending"], user=None, at=FROZEN_NOW + timedelta(days=90)
    )
    assert assert_exact()["live"] == 2


def test_a_new_publication_time_moves_the_post_between_months(site):
    post = site["old"]
    post.published_at = FROZEN_NOW - timedelta(days=70)
    post.save()
    assert assert_exact()["months"] == [("2026-03", 1), ("2025-12", 1)]
    post.published_at = FROZEN_NOW + timedelta(days=3)  # back to the future
    post.save()
    shown = assert_exact()
    assert shown["months"] == [("2026-03", 1)]
    assert shown["labels"] == [("KERALA", 1), ("TOP STORY", 1)]


def test_deleting_posts_one_and_many(site):
    site["live"].delete()
    assert assert_exact()["labels"] == [("TOP STORY", 1)]
    Post.objects.filter(pk__in=[site["old"].pk, site["draft"].pk]).delete()
    shown = assert_exact()
    assert shown["labels"] == []
    assert shown["all"] == {"KERALA": 1, "TRAVEL": 1}


COUNTED = re.compile(
    r"articles_(labelcount|labelpaircount|labeltriplecount|\w*monthcount|scheduledlabel)"
)


def counting_queries(queries):
    return [q["sql"] for q in queries if COUNTED.search(q["sql"])]


def test_a_delete_of_many_posts_or_label_rows_counts_them_once(frozen_now):
    """
    A queryset delete changes the counts once, whatever the number of posts
    and label rows it takes: the demo's 10,000 posts deleted at once made
    hundreds of thousands of queries, one round for each label row.
    """
    build(12)
    make_draft(labels=["KERALA", "L1"])
    sizes = {}
    for size, posts in (("few", 3), ("many", 9)):
        picked = list(
            Post.objects.order_by("pk").values_list("pk", flat=True)[: posts + 1]
        )
        with CaptureQueriesContext(connection) as captured:
            Post.objects.filter(pk__in=picked).delete()
        sizes[size] = len(counting_queries(captured.captured_queries))
        assert_exact()
    assert sizes["few"] == sizes["many"], sizes
    build(12, start=20)
    make_scheduled(labels=["L2", "TOP STORY"])
    for size, label in (("few", "L2"), ("many", "TOP STORY")):
        with CaptureQueriesContext(connection) as captured:
            LabeledPost.objects.filter(tag__name=label).delete()
        sizes[size] = len(counting_queries(captured.captured_queries))
        assert_exact()
    assert sizes["few"] == sizes["many"], sizes
    assert ("TOP STORY", 0) not in assert_exact()["labels"]
    # Labels deleted with their rows, one and several.
    shown = {name for name, _n in assert_exact()["labels"]}
    Label.objects.get(name="KERALA").delete()
    Label.objects.filter(name__in=["L5", "L6"]).delete()
    assert {name for name, _n in assert_exact()["labels"]} == shown - {
        "KERALA",
        "L5",
        "L6",
    }


def test_labels_added_removed_and_cleared(site):
    post = site["live"]
    post.set_labels(["KERALA", "business"])
    assert assert_exact()["labels"] == [
        ("business", 1),
        ("KERALA", 1),
        ("TOP STORY", 1),
    ]
    post.labels.add("SPORTS")
    post.labels.remove("KERALA")
    assert ("SPORTS", 1) in assert_exact()["labels"]
    post.labels.clear()
    assert assert_exact()["labels"] == [("TOP STORY", 1)]
    # A position change alone changes no count.
    site["old"].set_labels(["Movie", "TOP STORY"])
    assert_exact()


def test_label_merge_and_rename(site, frozen_now):
    kerala, top = Label.objects.get(name="KERALA"), Label.objects.get(name="TOP STORY")
    label_merge(sources=[kerala], target=top)
    shown = assert_exact()
    assert shown["labels"] == [("TOP STORY", 2)]
    assert shown["all"]["TOP STORY"] == 4  # the post with both keeps one
    label_merge(sources=[Label.objects.get(name="TRAVEL")], target=top)
    label_rename(label=top, new_name="Top story")
    assert assert_exact()["labels"] == [("Top story", 2)]
    Label.objects.get(name="Movie").delete()
    assert_exact()
    # The scheduled post moved to the merged label counts there at its time.
    frozen_now.shift(timedelta(days=1))
    assert assert_exact()["labels"] == [("Top story", 3)]


def test_a_scheduled_post_counts_at_its_time_with_no_save(site, frozen_now, client):
    feed = "/feeds/posts/default?alt=json&max-results=1"
    before = json.loads(client.get(feed).content)["feed"]
    assert before["openSearch$totalResults"]["$t"] == "2"
    assert [row["term"] for row in before["category"]] == ["KERALA", "TOP STORY"]
    frozen_now.shift(timedelta(days=1))
    shown = assert_exact()
    assert shown["labels"] == [("KERALA", 1), ("TOP STORY", 2), ("TRAVEL", 1)]
    assert shown["months"] == [("2026-03", 2), ("2026-01", 1)]
    after = json.loads(client.get(feed).content)["feed"]
    assert after["openSearch$totalResults"]["$t"] == "3"
    assert "TRAVEL" in [row["term"] for row in after["category"]]
    travel = json.loads(client.get("/feeds/posts/default/-/TRAVEL?alt=json").content)
    assert travel["feed"]["openSearch$totalResults"]["$t"] == "1"
    # The sitemaps list it, and the label's lastmod is its go-live time.
    labels = client.get("/sitemap-labels.xml").content.decode()
    assert HOST + "/search/label/TRAVEL" in labels
    went_live = timezone.localtime(site["later"].published_at).isoformat()
    assert "<lastmod>%s</lastmod>" % went_live in labels
    assert (
        site["later"].get_absolute_url()
        in client.get("/sitemap-posts.xml").content.decode()
    )
    # Then the next save folds it in: the label keeps that time.
    make_post(labels=["KERALA"])
    assert LabelCount.objects.get(label__name="TRAVEL").changed_at == (
        site["later"].published_at
    )


def test_the_bulk_path_and_its_label_rows(frozen_now):
    now = timezone.now()
    posts = publishing.create_many(
        [
            Post(title="Live %d" % n, status=Status.PUBLISHED, published_at=now)
            for n in range(3)
        ]
        + [
            Post(title="Draft", status=Status.DRAFT),
            Post(
                title="Later",
                status=Status.PUBLISHED,
                published_at=now + timedelta(days=40),
            ),
        ]
    )
    labels = [Label.objects.create(name=name) for name in ("A", "B")]
    LabeledPost.objects.bulk_create(
        LabeledPost(content_object=post, tag=labels[n % 2], position=0)
        for n, post in enumerate(posts)
    )
    shown = assert_exact()
    assert shown["labels"] == [("A", 2), ("B", 1)]
    assert shown["all"] == {"A": 3, "B": 2}
    frozen_now.shift(timedelta(days=40))
    assert assert_exact()["months"] == [("2026-04", 1), ("2026-03", 3)]


def test_add_batch_counts_an_insert_that_bypassed_bulk_create(frozen_now):
    """What a COPY insert calls: the rows are in, the counts follow."""
    post = make_post(labels=["A"])
    rows = [LabeledPost(content_object=post, tag=Label.objects.create(name="B"))]
    LabeledPost.objects.bulk_create(rows)
    assert assert_exact()["labels"] == [("A", 1), ("B", 1)]


def test_the_blogger_import_and_the_demo_loader(frozen_now, tmp_path):
    from articles.demo import MIN_POSTS, load_demo
    from tests.blogger.conftest import run_import
    from tests.blogger.test_import_bulk import export, post

    load_demo(io.StringIO(), posts=MIN_POSTS)
    shown = assert_exact()
    assert shown["live"] >= MIN_POSTS
    run_import(export(tmp_path, "backup.xml", [post(n) for n in range(5001, 5041)]))
    imported = assert_exact()
    assert imported["live"] == shown["live"] + 36  # every tenth is a draft
    assert len(imported["months"]) > len(shown["months"])  # 2024's months


def test_a_new_site_time_zone_counts_the_months_again(frozen_now):
    # 2026-01-31 20:00 UTC: January in London, already February in India.
    moment = timezone.make_aware(timezone.datetime(2026, 1, 31, 20), timezone.UTC)
    make_post(published_at=moment)
    assert kept()["months"] == [("2026-02", 1)]
    site = SiteSettings.load()
    site.time_zone = "Europe/London"
    site.save()
    assert set(MonthCount.objects.values_list("zone", flat=True)) == {"Europe/London"}
    with timezone.override("Europe/London"):
        assert assert_exact()["months"] == [("2026-01", 1)]
    # Read in another zone than the kept one, the archive is still right.
    assert assert_exact()["months"] == [("2026-02", 1)]


def test_recount_repairs_counts_changed_behind_their_back(site):
    # A queryset.update() sends no signal: the kept counts are now wrong
    # (the old post's month of publication and its feed month, its edit's,
    # the site's and its label's).
    Post.objects.filter(pk=site["old"].pk).update(status=Status.DRAFT)
    LabelCount.objects.filter(label__name="KERALA").update(published=7, total=9)
    assert kept() != scanned()
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert out.getvalue().strip() == (
        "Recounted: 2 label counts, 4 month counts and 4 day counts were wrong "
        "and are now right."
    )
    assert assert_exact()["labels"] == [("KERALA", 1), ("TOP STORY", 1)]
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "0 label counts, 0 month counts and 0 day counts" in out.getvalue()


def test_the_label_admin_shows_kept_counts(staff_client, site):
    html = staff_client.get("/admin/articles/label/?o=2").content.decode()
    for name, live, total in [("TOP STORY", 2, 3), ("KERALA", 1, 2), ("TRAVEL", 0, 1)]:
        row = html[html.index(">%s<" % name) :]
        row = row[: row.index("</tr>")]
        assert '<td class="field-live_count">%d</td>' % live in row
        assert '<td class="field-total_count">%d</td>' % total in row


def build(size, start=0):
    for index in range(start, start + size):
        make_post(
            labels=["TOP STORY", "KERALA", "L%d" % (index % 7)][: 1 + index % 3],
            published_at=FROZEN_NOW - timedelta(days=index * 3 + 1),
        )
    make_scheduled(labels=["TOP STORY"])


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/posts/default?max-results=1",
        "/feeds/posts/default/-/KERALA?alt=json&max-results=1",
        "/sitemap.xml",
        "/sitemap-posts.xml?p=3",
        "/sitemap-labels.xml",
    ],
)
def test_reads_cost_the_same_queries_at_two_sizes(
    client, frozen_now, monkeypatch, url, django_assert_num_queries
):
    monkeypatch.setattr("articles.sitemaps.PostSitemap.limit", 4)
    build(15)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    build(60, start=15)  # five times the posts over four times the months
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200
    assert len(small) <= 8


def test_the_sidebar_counts_cost_one_query_each_at_two_sizes(
    frozen_now, django_assert_num_queries
):
    build(10)
    with django_assert_num_queries(2):
        small = kept_sidebar()
    build(50, start=10)
    with django_assert_num_queries(2):
        large = kept_sidebar()
    assert len(large[1]) > len(small[1])
    assert_exact()


def kept_sidebar():
    return list(label_counts()), list(archive_months())


def test_sitemap_pages_by_months_list_every_live_post_once(
    client, frozen_now, monkeypatch
):
    monkeypatch.setattr("articles.sitemaps.PostSitemap.limit", 4)
    build(30)
    index = client.get("/sitemap.xml").content.decode()
    pages = [
        address.replace("&amp;", "&")
        for address in re.findall(r"<loc>([^<]*)</loc>", index)
        if "sitemap-posts" in address
    ]
    assert len(pages) == 8  # 30 live posts, 4 a page
    seen = []
    for address in pages:
        body = client.get(address.removeprefix(HOST)).content.decode()
        seen += re.findall(r"<loc>([^<]*)</loc>", body)
    expected = [
        HOST + post.get_absolute_url()
        for post in Post.objects.published().order_by("-published_at", "-id")
    ]
    assert seen == expected
    assert client.get("/sitemap-posts.xml?p=9").status_code == 404


def test_a_random_run_of_changes_keeps_every_count_exact(frozen_now):
    """
    Two hundred changes of every kind, in an order no one wrote by hand
    (a fixed seed, so a failure repeats), across months and with time
    passing: after each, every kept count equals the scan.
    """
    rng = random.Random(20)
    names = ["Coast", "Ferry", "Harbour", "Storm"]

    def some_labels():
        return rng.sample(names, rng.randint(0, 3))

    def a_time():
        return timezone.now() + timedelta(days=rng.randint(-90, 20), hours=rng.random())

    posts = [make_post(labels=some_labels(), published_at=a_time()) for _ in range(8)]
    posts = [post for post in posts if post.published_at <= timezone.now()] or posts

    def publish(post):
        post.status, post.published_at = Status.PUBLISHED, a_time()
        post.save()

    def unpublish(post):
        post.status = Status.DRAFT
        post.save()

    def edit(post):
        post.title += " (edited)"
        post.save()

    def relabel(post):
        post.set_labels(some_labels())

    def delete(post):
        post.delete()
        posts.remove(post)

    def new(_post):
        posts.append(make_post(labels=some_labels(), published_at=a_time()))

    def merge(_post):
        source, target = rng.sample(names, 2)
        found = Label.objects.filter(name=source).first()
        if found is not None:
            label_merge(
                sources=[found], target=Label.objects.get_or_create(name=target)[0]
            )

    def delete_some(_post):
        going = rng.sample(posts, min(len(posts), rng.randint(1, 3)))
        Post.objects.filter(pk__in=[post.pk for post in going]).delete()
        for post in going:
            posts.remove(post)

    def unlabel_some(_post):
        LabeledPost.objects.filter(
            tag__name=rng.choice(names),
            content_object__in=rng.sample(posts, min(len(posts), 3)),
        ).delete()

    changes = [
        *(publish, unpublish, edit, relabel, delete, new, new, merge),
        *(delete_some, unlabel_some),
    ]
    for _step in range(200):
        change = rng.choice(changes)
        change(rng.choice(posts) if posts else None)
        if not posts:
            new(None)
        frozen_now.shift(timedelta(hours=rng.randint(1, 200)))
        assert kept() == scanned(), change.__name__
