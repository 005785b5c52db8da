"""
Kept counts, so no request counts a million rows (issue 20): live posts per
label, per pair and per triple of labels (a feed of labels together,
`/-/A/B` and `/-/A/B/C`), and per month and per day, the whole site's, each
label's and each pair's, by publication (the archive) and by feed time (the
later of the last change and the publication: feeds' updated- bounds,
whose totals count only the two part days at their ends); all posts per
label, the number of live posts, and when live posts and each label's page
last changed (the sitemaps' lastmod).

What is kept counts *published* posts, live or scheduled. Readers' counts
take off the few published posts whose time is still to come (an indexed
range of the post table), so a scheduled post joins every count at its time,
with no job and no write (DESIGN.md 4.2).

Each change that can alter a count updates it in the change's own
transaction: saves and deletes of posts and label rows (the receivers below,
connected in apps.py: publishing, unpublishing, a new time, an edit moving
the feed time to another day, labels added, removed or moved by a merge, a
revert; a post with k labels is in k(k-1)/2 pairs and k(k-1)(k-2)/6
triples), bulk inserts (the querysets' bulk_create, and add_batch() for an
insert that bypasses it), update times written without a signal (the
Blogger import's: times_stamped()), and a change of the site's time zone
(months and days are counted in it). A queryset.update() of a post's status or times sends no signal:
`manage.py recount` rebuilds every count from the rows, and says how many
were wrong.
"""

from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import reduce
from itertools import combinations, groupby
from operator import itemgetter, or_
from zoneinfo import ZoneInfo

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Lower, TruncDay, TruncMonth
from django.utils import timezone

from . import going
from .models import (
    CountsState,
    DayCount,
    Label,
    LabelCount,
    LabelDayCount,
    LabeledPost,
    LabelMonthCount,
    LabelPairCount,
    LabelPairDayCount,
    LabelPairMonthCount,
    LabelTripleCount,
    MonthCount,
    Post,
    ScheduledLabel,
    SiteSettings,
    Status,
    scheduled_q,
    visible_q,
)

# Reading ---------------------------------------------------------------------


def _count_of(queryset):
    """A scalar subquery counting `queryset`'s rows (NULL when there are none)."""
    counted = queryset.order_by().values(group=Value(1)).annotate(n=Count("pk"))
    return Subquery(counted.values("n"), output_field=IntegerField())


def _still_to_come(label_ref):
    """
    Published posts of the label `label_ref` whose time has not come, from
    the few ScheduledLabel rows (an index range per label).
    """
    return _count_of(
        ScheduledLabel.objects.filter(label=label_ref, published_at__gt=timezone.now())
    )


def labels_with_live_counts():
    """
    Labels annotated with `count`, their live posts, from the kept counts:
    one query, whatever the number of posts.
    """
    return (
        Label.objects.filter(kept_count__published__gt=0)
        .annotate(
            count=F("kept_count__published")
            - Coalesce(_still_to_come(OuterRef("pk")), 0)
        )
        .filter(count__gt=0)
    )


def with_kept_counts(labels):
    """
    `labels` annotated with `live` (live posts) and `total` (all posts) from
    the kept counts: the label admin's columns, in the list's one query.
    """
    return labels.annotate(
        live=Coalesce(F("kept_count__published"), 0)
        - Coalesce(_still_to_come(OuterRef("pk")), 0),
        total=Coalesce(F("kept_count__total"), 0),
    )


def label_counts():
    """Labels with live posts and `count`, in case-insensitive alphabetical order."""
    return labels_with_live_counts().order_by(Lower("name"), "name")


def live_label_count(label):
    """The live posts carrying `label`, in one query."""
    return (
        LabelCount.objects.filter(label=label)
        .annotate(live=F("published") - Coalesce(_still_to_come(label.pk), 0))
        .values_list("live", flat=True)
        .first()
        or 0
    )


def live_count_together(labels):
    """
    The live posts carrying every one of `labels` (two or three, each once),
    in one query: the kept pair or triple count less its posts still to
    come (ScheduledLabel rows of the first label whose time is to come, an
    index range, with rows of the others).
    """
    ids = sorted(label.pk for label in labels)
    model = GROUP_MODELS[len(ids)]
    to_come = ScheduledLabel.objects.filter(
        label_id=ids[0], published_at__gt=timezone.now()
    )
    for other in ids[1:]:
        to_come = to_come.filter(
            post_id__in=ScheduledLabel.objects.filter(label_id=other).values("post_id")
        )
    return (
        model.objects.filter(**_group_fields(ids))
        .annotate(live=F("published") - Coalesce(_count_of(to_come), 0))
        .values_list("live", flat=True)
        .first()
        or 0
    )


def live_post_count():
    """The number of live posts, in one query (the feeds' openSearch total)."""
    to_come = _count_of(Post.objects.filter(scheduled_q()))
    return (
        MonthCount.objects.aggregate(
            live=Coalesce(Sum("published"), 0) - Coalesce(to_come, 0)
        )["live"]
        or 0
    )


def months_with_live_counts(by="published", labels=()):
    """
    [(zone, month start, month end, live posts)], newest month first, from
    the kept counts (in the zone they were counted in): `by` "published",
    the posts published in each month; "updated", those whose feed time
    (feed_time()) is in it; the whole site's (one query), or the posts
    carrying `labels` (one label or two; two queries, as for "updated").
    """
    if by != "published" or labels:
        return _months_less_to_come(by, labels)
    to_come = _count_of(
        Post.objects.filter(
            scheduled_q(),
            published_at__gte=OuterRef("starts_at"),
            published_at__lt=OuterRef("ends_at"),
        )
    )
    rows = (
        MonthCount.objects.filter(published__gt=0)
        .annotate(live=F("published") - Coalesce(to_come, 0))
        .order_by("-starts_at")
        .values_list("zone", "starts_at", "ends_at", "live")
    )
    return [(zone, start, end, live) for zone, start, end, live in rows if live > 0]


def _to_come(by, labels):
    """
    The times (`by`) of the posts carrying `labels` still to come, and the
    key of their kept spans (_span_rows()). The posts still to come are few
    and read by their time's index; a subquery per month or day would read
    each one's posts by feed time instead.
    """
    to_come = Post.objects.filter(scheduled_q())
    for label in labels:
        to_come = to_come.filter(
            pk__in=ScheduledLabel.objects.filter(label=label).values("post_id")
        )
    ids = sorted(getattr(label, "pk", label) for label in labels)
    key = None if not ids else ids[0] if len(ids) == 1 else tuple(ids)
    moment = F("published_at")
    if by == "updated":
        moment = Greatest("updated_at", "published_at")
    return list(to_come.annotate(moment=moment).values_list("moment", flat=True)), key


def live_in_days(by, labels, spans):
    """
    The live posts carrying `labels` (one or two; none: all) whose time
    (`by`, as for months_with_live_counts()) is in the whole days of
    `spans` ([start, end) of day starts in the counting zone): the kept day
    counts less the posts still to come, in two queries (none without a
    span). With the months, a range of years counts at most its two part
    days, whatever the site's size.
    """
    spans = [(start, end) for start, end in spans if start < end]
    if not spans:
        return 0
    moments, key = _to_come(by, labels)
    model, fields = _span_rows(("day", key))
    kept = model.objects.filter(
        reduce(
            or_, (Q(starts_at__gte=start, starts_at__lt=end) for start, end in spans)
        ),
        zone=zone_name(counting_zone()),
        **fields,
    ).aggregate(n=Sum(by))["n"]
    return (kept or 0) - sum(
        any(start <= moment < end for start, end in spans) for moment in moments
    )


def _months_less_to_come(by, labels):
    moments, key = _to_come(by, labels)
    model, fields = _span_rows(("month", key))
    months = []
    for zone, start, end, kept in (
        model.objects.filter(**fields, **{by + "__gt": 0})
        .order_by("-starts_at")
        .values_list("zone", "starts_at", "ends_at", by)
    ):
        live = kept - sum(start <= moment < end for moment in moments)
        if live > 0:
            months.append((zone, start, end, live))
    return months


def archive_months():
    """
    (month start, live post count) pairs, newest month first, in the current
    time zone: from the kept counts when they were counted in it (the
    site's zone, always, on a reader's page), else counted from the posts.
    """
    zone = timezone.get_current_timezone()
    months = months_with_live_counts()
    if any(name != zone_name(zone) for name, _start, _end, _live in months):
        return list(_scan_months(zone))
    return [
        {"month": timezone.localtime(start, zone), "count": live}
        for _zone, start, _end, live in months
    ]


def _scan_months(zone):
    return (
        Post.objects.published()
        .annotate(month=TruncMonth("published_at", tzinfo=zone))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )


def state():
    """The one CountsState row (made the first time it is asked for)."""
    return CountsState.objects.get_or_create(pk=1)[0]


def went_live(label_ref):
    """
    The newest time at which a post of the label `label_ref` went live by
    its time alone, not yet folded into the label's `changed_at`.
    """
    return Subquery(
        ScheduledLabel.objects.filter(label=label_ref, published_at__lte=timezone.now())
        .order_by("-published_at")
        .values("published_at")[:1]
    )


# Keeping ---------------------------------------------------------------------


def zone_name(zone):
    return getattr(zone, "key", None) or str(zone)


def counting_zone():
    """The zone months are counted in: the site's, else the server's."""
    return SiteSettings.load().zone or ZoneInfo(settings.TIME_ZONE)


def feed_time(published_at, updated_at):
    """A post's time for feeds' updated- bounds: the later of its two times."""
    return max(moment for moment in (published_at, updated_at) if moment is not None)


def month_of(moment, zone):
    """The aware [start, end) of the month of `moment` in `zone`."""
    local = timezone.localtime(moment, zone)
    start = datetime(local.year, local.month, 1)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1)
    return timezone.make_aware(start, zone), timezone.make_aware(end, zone)


def day_of(moment, zone):
    """The aware [start, end) of the day of `moment` in `zone`."""
    local = timezone.localtime(moment, zone)
    start = datetime(local.year, local.month, local.day)
    end = start + timedelta(days=1)
    return timezone.make_aware(start, zone), timezone.make_aware(end, zone)


# The spans each published post is counted in: its months, and its days.
PERIODS = {"month": month_of, "day": day_of}


def _published(status, published_at):
    return status == Status.PUBLISHED and published_at is not None


def _live(status, published_at, now):
    return _published(status, published_at) and published_at <= now


def _later(field, moment):
    """`field` moved to `moment` when that is later (NULL counts as never)."""
    return Greatest(Coalesce(field, Value(moment)), Value(moment))


def _update_labels(changes):
    """
    Apply {label id: [total change, published change, changed_at or None]}
    in two queries: make the missing rows, then one UPDATE with CASEs.
    """
    changes = {
        pk: change
        for pk, change in changes.items()
        if change[0] or change[1] or change[2] is not None
    }
    if not changes:
        return
    # Rows are made for labels gaining posts only: a label being deleted
    # loses its rows after its count row went.
    gaining = [pk for pk, change in changes.items() if change[0] > 0 or change[1] > 0]
    if gaining:
        have = set(
            LabelCount.objects.filter(label_id__in=gaining).values_list(
                "label_id", flat=True
            )
        )
        LabelCount.objects.bulk_create(
            [LabelCount(label_id=pk) for pk in gaining if pk not in have],
            ignore_conflicts=True,
        )

    def case(index, default):
        whens = [
            When(label_id=pk, then=Value(change[index]))
            for pk, change in changes.items()
            if change[index] != default
        ]
        return whens

    fields = {}
    for name, index in (("total", 0), ("published", 1)):
        whens = case(index, 0)
        if whens:
            fields[name] = F(name) + Case(
                *whens, default=Value(0), output_field=IntegerField()
            )
    moments = {pk: change[2] for pk, change in changes.items() if change[2]}
    if moments:
        fields["changed_at"] = Case(
            *[
                When(label_id=pk, then=_later(F("changed_at"), moment))
                for pk, moment in moments.items()
            ],
            default=F("changed_at"),
        )
    LabelCount.objects.filter(label_id__in=list(changes)).update(**fields)


def _pairs(labels):
    """The pairs (smaller id first) of the label ids `labels`."""
    return combinations(sorted(set(labels)), 2)


# The kept totals of labels together, by how many labels: a group of label
# ids in order is a row of its model, named by the first fields of
# GROUP_FIELDS.
GROUP_MODELS = {2: LabelPairCount, 3: LabelTripleCount}
GROUP_FIELDS = ("first_id", "second_id", "third_id")


def _group_fields(group):
    return dict(zip(GROUP_FIELDS[: len(group)], group, strict=True))


def _groups(labels):
    """The pairs and triples (ids in order) of the label ids `labels`."""
    ids = sorted(set(labels))
    return [*combinations(ids, 2), *combinations(ids, 3)]


def _groups_with(tag, others):
    """The pairs and triples (_groups()) of label `tag` with some of `others`."""
    others = sorted(set(others) - {tag})
    return [
        tuple(sorted((tag, *rest)))
        for size in (1, 2)
        for rest in combinations(others, size)
    ]


def _only_pairs(groups):
    """The pairs among `groups`: the groups whose months are kept too."""
    return [group for group in groups if len(group) == 2]


def _update_groups(changes):
    """
    Apply {group: published change} to the pairs and triples (_groups()):
    those gaining posts by _upsert(), the others 200 at a time in one
    UPDATE with a CASE.
    """
    by_size = defaultdict(list)
    for group, n in sorted(changes.items()):
        if n:
            by_size[len(group)].append((group, n))
    for size, items in by_size.items():
        model, fields = GROUP_MODELS[size], GROUP_FIELDS[:size]
        # Groups gaining posts: made where missing (a label being deleted
        # loses its groups' rows before its label rows go).
        gaining = [(*group, n) for group, n in items if n > 0]
        if gaining:
            _upsert(model, [*fields, "published"], list(fields), gaining)
        losing = [(group, n) for group, n in items if n < 0]
        for start in range(0, len(losing), 200):
            chunk = dict(losing[start : start + 200])
            where = reduce(or_, (Q(**_group_fields(group)) for group in chunk))
            model.objects.filter(where).update(
                published=F("published")
                + Case(
                    *[
                        When(**_group_fields(group), then=Value(n))
                        for group, n in chunk.items()
                    ],
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )


def _month_changes(zone, gone=(), came=()):
    """
    {((period, key), start, end): [published, updated]} in `zone` for
    published posts that left the counts (`gone`) and joined them (`came`),
    each as (published_at, updated_at, keys): `keys` whose months and days
    it is counted in (_span_rows(): None for the whole site's, a label id,
    a pair of label ids). A post counts in the month and the day of its
    publication, and in those of its feed time (feed_time()).
    """
    changes = defaultdict(lambda: [0, 0])
    bounds = {}

    def spans(moment):  # (period, start, end), made once a day (a batch has thousands)
        local = timezone.localtime(moment, zone)
        day = (local.year, local.month, local.day)
        if day not in bounds:
            bounds[day] = [
                (period, *span_of(moment, zone)) for period, span_of in PERIODS.items()
            ]
        return bounds[day]

    for sign, posts in ((-1, gone), (1, came)):
        for published_at, updated_at, keys in posts:
            published = spans(published_at)
            feed = spans(feed_time(published_at, updated_at))
            for key in keys:
                for period, start, end in published:
                    changes[((period, key), start, end)][0] += sign
                for period, start, end in feed:
                    changes[((period, key), start, end)][1] += sign
    return changes


SPAN_MODELS = {
    ("month", "site"): MonthCount,
    ("month", "label"): LabelMonthCount,
    ("month", "pair"): LabelPairMonthCount,
    ("day", "site"): DayCount,
    ("day", "label"): LabelDayCount,
    ("day", "pair"): LabelPairDayCount,
}


def _span_rows(key):
    """
    The kept spans a key of _month_changes() is counted in, and the fields
    naming its rows: (period, what), period "month" or "day"; what None,
    the whole site's; a label id, the label's; a pair of label ids (smaller
    first), the pair's.
    """
    period, what = key
    if what is None:
        return SPAN_MODELS[period, "site"], {}
    if isinstance(what, tuple):
        return SPAN_MODELS[period, "pair"], {"first_id": what[0], "second_id": what[1]}
    return SPAN_MODELS[period, "label"], {"label_id": what}


def _update_months(changes, zone):
    """
    Apply {(key, start, end): [published, updated] change} (_month_changes())
    to the months and days of `zone`.
    """
    changes = {key: n for key, n in changes.items() if any(n)}
    if not changes:
        return
    name = zone_name(zone)
    if MonthCount.objects.exclude(zone=name).exists():
        # Counted in another zone (the server's changed): count them again.
        recount_months(zone)
        return
    by_model = defaultdict(list)
    for key, n in changes.items():
        by_model[_span_rows(key[0])[0]].append((key, n))
    for model, some in by_model.items():
        # A few hundred months at a time, by key: a query's parameters stay
        # within SQLite's limit, and its rows near the months that change.
        some.sort(key=lambda item: item[0][:2])
        for first in range(0, len(some), 300):
            _add_to_months(model, dict(some[first : first + 300]), name)


def _add_to_months(model, changes, zone):
    """
    Add {(key, start, end): [published, updated]} to `model`'s rows (months
    or days) of `zone`. Rows are made for keys gaining posts only: a label
    being deleted loses its rows before its label rows go.
    """
    gaining = {key: n for key, n in changes.items() if max(n) > 0}
    if gaining:
        _add_making_rows(model, gaining, zone)
    losing = {key: n for key, n in changes.items() if max(n) <= 0}
    if losing:
        _add_to_rows(model, losing, zone)


def _add_making_rows(model, changes, zone):
    """Add the changes to their rows, made with them where missing (_upsert())."""
    names = list(_span_rows(next(iter(changes))[0])[1])
    _upsert(
        model,
        [*names, "zone", "starts_at", "ends_at", "published", "updated"],
        [*names, "zone", "starts_at"],
        [
            (*_span_rows(key)[1].values(), zone, start, end, published, updated)
            for (key, start, end), (published, updated) in changes.items()
        ],
    )


def _upsert(model, columns, unique, rows):
    """
    Insert `rows` (values of `columns`) into `model`'s table, a row whose
    `unique` columns are taken adding its other counted columns (all but
    `unique` and ends_at) to that row's instead: INSERT ... ON CONFLICT DO
    UPDATE (SQLite and PostgreSQL alike), a few hundred parameters a query.
    Atomic, so two transactions making the same new row both count, and
    new rows cost one query, not a look-up, an insert and an update.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    added = [column for column in columns if column not in unique + ["ends_at"]]
    row = "(%s)" % ", ".join(["%s"] * len(columns))
    per = max(1, 900 // len(columns))  # SQLite's limit is 999 parameters
    for first in range(0, len(rows), per):
        chunk = rows[first : first + per]
        params = [
            connection.ops.adapt_datetimefield_value(value)
            if isinstance(value, datetime)
            else value
            for values in chunk
            for value in values
        ]
        # Names from the model, quoted; every value is a bound parameter.
        sql = "INSERT INTO %s (%s) VALUES %s ON CONFLICT (%s) DO UPDATE SET %s" % (  # noqa: S608 # nosec B608
            table,
            ", ".join(quote(column) for column in columns),
            ", ".join([row] * len(chunk)),
            ", ".join(quote(column) for column in unique),
            ", ".join(
                "{c} = {t}.{c} + excluded.{c}".format(c=quote(column), t=table)
                for column in added
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _add_to_rows(model, changes, zone):
    """Add the changes to rows that are there, in one UPDATE with CASEs."""
    names = list(_span_rows(next(iter(changes))[0])[1])
    # Every row of these keys' values and months (a CASE adds 0 to the
    # others): no OR of each key, which would nest too deep for SQLite.
    found = model.objects.filter(
        zone=zone, starts_at__in={start for _key, start, _end in changes}
    )
    for field in names:
        values = {_span_rows(key)[1][field] for key, _start, _end in changes}
        found = found.filter(**{field + "__in": values})

    def added(index):
        return Case(
            *[
                When(Q(starts_at=start, **_span_rows(key)[1]), then=Value(n[index]))
                for (key, start, _end), n in changes.items()
                if n[index]
            ],
            default=Value(0),
            output_field=IntegerField(),
        )

    update = {}
    for index, field in enumerate(("published", "updated")):
        if any(n[index] for n in changes.values()):
            update[field] = F(field) + added(index)
    found.update(**update)


@transaction.atomic
def _fold(changed_at=None):
    """
    Fold posts that went live by their time alone into their labels'
    `changed_at` (their ScheduledLabel rows go), and move CountsState on
    (its `changed_at` to `changed_at` when later). The row is locked:
    folds take turns.
    """
    now = timezone.now()
    row = CountsState.objects.select_for_update().get_or_create(pk=1)[0]
    passed = ScheduledLabel.objects.filter(published_at__lte=now)
    went = dict(
        passed.order_by()
        .values("label")
        .annotate(at=Max("published_at"))
        .values_list("label", "at")
    )
    if went:
        _update_labels({pk: [0, 0, moment] for pk, moment in went.items()})
        passed.delete()
    newest = [m for m in (row.changed_at, changed_at) if m is not None]
    row.changed_at = max(newest) if newest else None
    row.folded_until = now
    row.save(update_fields=["changed_at", "folded_until"])


def _post_labels(post_id):
    return list(
        LabeledPost.objects.filter(content_object_id=post_id).values_list(
            "tag_id", flat=True
        )
    )


def post_changed(post_id, before, after, moment):
    """
    A post's status and times went from `before` to `after` ((status,
    published_at, updated_at), None when it did not exist): its labels' and
    months' counts follow; `moment` is when readers saw it change.
    """
    now = timezone.now()
    was = before is not None and _published(*before[:2])
    is_ = after is not None and _published(*after[:2])
    shown = (before is not None and _live(*before[:2], now)) or (
        after is not None and _live(*after[:2], now)
    )
    delta = int(is_) - int(was)
    to_come_before = was and before[1] > now
    to_come = is_ and after[1] > now
    labels = (
        _post_labels(post_id) if delta or shown or to_come or to_come_before else []
    )
    if delta or shown:
        _update_labels({pk: [0, delta, moment if shown else None] for pk in labels})
    if delta:
        _update_groups(dict.fromkeys(_groups(labels), delta))
    if to_come_before:
        ScheduledLabel.objects.filter(post_id=post_id).delete()
    if to_come and labels:
        ScheduledLabel.objects.bulk_create(
            ScheduledLabel(post_id=post_id, label_id=pk, published_at=after[1])
            for pk in labels
        )
    zone = counting_zone()
    gone = [(*before[1:], [None])] if was else []
    came = [(*after[1:], [None])] if is_ else []
    moved = {
        (period, start, end): n
        for ((period, _key), start, end), n in _month_changes(zone, gone, came).items()
        if any(n)
    }
    if moved:
        # Moved between months or days (or in or out of them): its labels'
        # and pairs' by as much as the site's.
        if not (delta or shown or to_come or to_come_before):
            labels = _post_labels(post_id)
        keys = [None, *labels, *_pairs(labels)]
        _update_months(
            {
                ((period, key), start, end): n
                for key in keys
                for (period, start, end), n in moved.items()
            },
            zone,
        )
    _fold(moment if shown else None)


def times_stamped(rows):
    """
    Posts' updated_at written without a signal (the Blogger import keeps
    the backup's times): `rows` of (post id, status, published_at,
    updated_at before, after). Their feed months follow, their labels' and
    pairs' too.
    """
    rows = [row for row in rows if _published(*row[1:3])]
    if not rows:
        return
    labels = defaultdict(list)
    for post, tag in LabeledPost.objects.filter(
        content_object_id__in=[row[0] for row in rows]
    ).values_list("content_object_id", "tag_id"):
        labels[post].append(tag)
    keys = {pk: [None, *labels[pk], *_pairs(labels[pk])] for pk, *_rest in rows}
    zone = counting_zone()
    _update_months(
        _month_changes(
            zone,
            gone=[(p, before, keys[pk]) for pk, _s, p, before, _a in rows],
            came=[(p, after, keys[pk]) for pk, _s, p, _b, after in rows],
        ),
        zone,
    )


def _other_labels(post_id, row_id):
    """The labels of a post's rows other than the row `row_id`."""
    return set(
        LabeledPost.objects.filter(content_object_id=post_id)
        .exclude(pk=row_id)
        .values_list("tag_id", flat=True)
    )


def row_changed(tag_id, post_id, sign, now=None, *, row_id=None, others=None):
    """
    A label row (label `tag_id` on post `post_id`) was added (+1) or removed
    (-1). Its pairs and triples are with `others`, the post's other labels
    (read, but for the row `row_id`, when not given), for a published post.
    """
    now = now or timezone.now()
    found = Post.objects.filter(pk=post_id).values_list(
        "status", "published_at", "updated_at"
    )
    status, published_at, updated_at = found.first() or (None, None, None)
    published = _published(status, published_at)
    live = _live(status, published_at, now)
    _update_labels({tag_id: [sign, sign * int(published), now if live else None]})
    if published:
        if others is None:
            others = _other_labels(post_id, row_id)
        elif callable(others):
            others = others()
        groups = _groups_with(tag_id, others)
        _update_groups(dict.fromkeys(groups, sign))
        zone = counting_zone()
        times = [(published_at, updated_at, [tag_id, *_only_pairs(groups)])]
        _update_months(
            _month_changes(zone, *((times, []) if sign < 0 else ([], times))), zone
        )
    if published and not live:
        if sign > 0:
            ScheduledLabel.objects.create(
                post_id=post_id, label_id=tag_id, published_at=published_at
            )
        else:
            ScheduledLabel.objects.filter(post_id=post_id, label_id=tag_id).delete()


def _read_posts(post_ids, known=()):
    """
    The label rows ((id, label, post)) of the posts `post_ids`, and the
    {post: (status, published_at, updated_at)} of those not in `known`: two
    queries a 500 posts, each by an index of one table (a join's plan can
    scan a whole table mid-load, when the planner's row counts predate the
    load's transaction).
    """
    rows, states = [], {}
    ids = sorted(post_ids)
    for first in range(0, len(ids), 500):
        some = ids[first : first + 500]
        rows.extend(
            LabeledPost.objects.filter(content_object_id__in=some).values_list(
                "pk", "tag_id", "content_object_id"
            )
        )
        missing = [pk for pk in some if pk not in known]
        if missing:
            states.update(
                (pk, tuple(state))
                for pk, *state in Post.objects.filter(pk__in=missing).values_list(
                    "pk", "status", "published_at", "updated_at"
                )
            )
    return rows, states


@contextmanager
def deleting(posts=None, rows=None):
    """
    Around one queryset.delete() of `posts` (a Post queryset) or of label
    `rows` (a LabeledPost queryset): the counts change once, from what is
    read before the delete (the posts, their label rows, the posts of the
    rows), where the receivers would change them once for each row and post
    (tens of queries each: deleting the demo's 10,000 posts made hundreds of
    thousands). The receivers pass over what this counts.
    """
    with transaction.atomic():
        going_posts = (
            set(posts.values_list("pk", flat=True)) if posts is not None else set()
        )
        gone = []
        if rows is not None:
            gone = list(rows.values_list("pk", "tag_id", "content_object_id"))
        label_rows, facts = _read_posts(
            {post for _pk, _tag, post in gone} | going_posts
        )
        had = defaultdict(set)
        for pk, tag, post in label_rows:
            had[post].add(tag)
            if post in going_posts:
                gone.append((pk, tag, post))
        with going.taking(going_posts, {pk for pk, *_ in gone}):
            yield
        _count_deleted(going_posts, gone, facts, had)


def _count_deleted(posts, rows, facts, had):
    """
    The counts of `posts` (ids) and label `rows` ((id, label, post)) gone
    together: `facts` holds each one's post's (status, published_at,
    updated_at), `had` its labels before.
    """
    now = timezone.now()
    going = defaultdict(set)
    for _pk, tag, post in rows:
        going[post].add(tag)
    labels = defaultdict(lambda: [0, 0, None])
    groups = Counter()
    gone, to_come = [], []
    shown = False
    for post in going.keys() | posts:
        status, published_at, updated_at = facts.get(post, (None,) * 3)
        published = _published(status, published_at)
        live = _live(status, published_at, now)
        for tag in going[post]:
            change = labels[tag]
            change[0] -= 1
            change[1] -= int(published)
            if live:
                change[2] = now
        if not published:
            continue
        stay = had[post] - going[post]
        lost = [group for group in _groups(had[post]) if not stay.issuperset(group)]
        groups.update(lost)
        keys = [*going[post], *_only_pairs(lost)]
        if post in posts:
            keys.append(None)
            shown = shown or live
        elif not live:
            to_come.append(Q(post_id=post, label_id__in=going[post]))
        gone.append((published_at, updated_at, keys))
    _update_labels(labels)
    _update_groups({group: -n for group, n in groups.items()})
    # The label rows of scheduled posts (a post's own went with it).
    for first in range(0, len(to_come), 100):
        ScheduledLabel.objects.filter(
            reduce(or_, to_come[first : first + 100])
        ).delete()
    zone = counting_zone()
    _update_months(_month_changes(zone, gone=gone), zone)
    if posts:
        _fold(now if shown else None)


def add_batch(posts=(), label_rows=()):
    """
    Count rows inserted without signals, once per batch, in the insert's
    transaction: new `posts` (months, the latest change) and new
    `label_rows` (the labels' counts; their posts are read from `posts` when
    there, else from the database in one query). The querysets'
    bulk_create calls it; an insert that bypasses bulk_create (PostgreSQL's
    COPY) calls it itself.
    """
    posts, label_rows = list(posts), list(label_rows)
    if not posts and not label_rows:
        return
    now = timezone.now()
    facts = {}
    for post in posts:
        shown = max(filter(None, (post.updated_at, post.published_at)), default=now)
        facts[post.pk] = (post.status, post.published_at, shown)
    # Each label row's post's labels now (the new rows are in), and the
    # state of those not among `posts`.
    rows, states = _read_posts(
        {row.content_object_id for row in label_rows}, known=facts
    )
    has = defaultdict(set)
    for _pk, tag, post in rows:
        has[post].add(tag)
    for pk, (status, published_at, updated_at) in states.items():
        facts[pk] = (status, published_at, feed_time(published_at, updated_at))
    new = defaultdict(set)
    tags = defaultdict(list)  # each published post's new labels and pairs
    changes = defaultdict(lambda: [0, 0, None])
    to_come = []
    for row in label_rows:
        status, published_at, shown = facts.get(row.content_object_id, (None,) * 3)
        change = changes[row.tag_id]
        change[0] += 1
        if _published(status, published_at):
            change[1] += 1
            new[row.content_object_id].add(row.tag_id)
            tags[row.content_object_id].append(row.tag_id)
            if published_at <= now:
                change[2] = max(change[2] or shown, shown)
            else:
                to_come.append(
                    ScheduledLabel(
                        post_id=row.content_object_id,
                        label_id=row.tag_id,
                        published_at=published_at,
                    )
                )
    _update_labels(changes)
    # A post's pairs and triples gained: those with one of its new labels
    # or more.
    groups = Counter()
    for pk, added in new.items():
        gained = [g for g in _groups(has[pk] | added) if not added.isdisjoint(g)]
        groups.update(gained)
        tags[pk].extend(_only_pairs(gained))
    _update_groups(groups)
    ScheduledLabel.objects.bulk_create(to_come, batch_size=1000)
    zone = counting_zone()
    # The months of the posts (the site's) and of their new labels and pairs.
    came = [(*facts[pk][1:], labels) for pk, labels in tags.items()]
    latest = None
    for post in posts:
        status, published_at, shown = facts[post.pk]
        if _published(status, published_at):
            came.append((published_at, shown, [None]))
            if published_at <= now:
                latest = max(latest or shown, shown)
    _update_months(_month_changes(zone, came=came), zone)
    if posts:
        _fold(latest)


# Receivers (connected in apps.py) ----------------------------------------------


def _stored_state(post_id):
    return (
        Post.objects.filter(pk=post_id)
        .values_list("status", "published_at", "updated_at")
        .first()
    )


def post_pre_save(sender, instance, **kwargs):
    instance._counts_before = (
        _stored_state(instance.pk) if instance.pk is not None else None
    )


def post_saved(sender, instance, **kwargs):
    before = instance.__dict__.pop("_counts_before", None)
    after = (instance.status, instance.published_at, instance.updated_at)
    post_changed(instance.pk, before, after, instance.updated_at or timezone.now())


def post_pre_delete(sender, instance, **kwargs):
    if instance.pk not in going.posts():  # else counted by deleting()
        instance._counts_before = _stored_state(instance.pk)


def post_deleted(sender, instance, **kwargs):
    # Its label rows went first, each through row_deleted.
    before = instance.__dict__.pop("_counts_before", None)
    if before is not None:
        post_changed(instance.pk, before, None, timezone.now())


def row_pre_save(sender, instance, update_fields=None, **kwargs):
    moved = update_fields is None or {"tag", "content_object"} & set(update_fields)
    instance._counts_before = (
        LabeledPost.objects.filter(pk=instance.pk)
        .values_list("tag_id", "content_object_id")
        .first()
        if instance.pk is not None and moved
        else (instance.tag_id, instance.content_object_id)
    )


def row_saved(sender, instance, created, **kwargs):
    before = instance.__dict__.pop("_counts_before", None)
    after = (instance.tag_id, instance.content_object_id)
    if before == after and not created:
        return
    if before is not None and not created:
        row_changed(*before, -1, row_id=instance.pk)
    row_changed(*after, +1, row_id=instance.pk)


def row_pre_delete(sender, instance, **kwargs):
    if instance.pk in going.rows():  # counted by deleting()
        return
    instance._labels_before = _other_labels(instance.content_object_id, instance.pk)


def row_deleted(sender, instance, **kwargs):
    """
    A label row went: its pairs and triples with the post's labels that
    stay, and with those that went in the same delete (a post's, a clear())
    once, from the row of the smallest label that went (all rows of a
    delete go before any of these).
    """
    if instance.pk in going.rows():  # counted by deleting()
        return
    tag_id, post_id = instance.tag_id, instance.content_object_id
    before = instance.__dict__.pop("_labels_before", None)

    def others():
        stay = _other_labels(post_id, instance.pk)
        had = stay if before is None else before
        return (had & stay) | {o for o in had - stay if o > tag_id}

    row_changed(tag_id, post_id, -1, others=others)


def site_saved(sender, instance, **kwargs):
    """A new site time zone: the months are counted again in it."""
    zone = instance.zone or ZoneInfo(settings.TIME_ZONE)
    if MonthCount.objects.exclude(zone=zone_name(zone)).exists():
        recount_months(zone)


# Rebuilding --------------------------------------------------------------------


def _models(apps):
    apps = apps or global_apps
    found = {}
    for name in (
        "Post",
        "Label",
        "LabeledPost",
        "LabelCount",
        "LabelPairCount",
        "LabelTripleCount",
        "MonthCount",
        "LabelMonthCount",
        "LabelPairMonthCount",
        "DayCount",
        "LabelDayCount",
        "LabelPairDayCount",
        "CountsState",
        "ScheduledLabel",
    ):
        try:
            found[name] = apps.get_model("articles", name)
        except LookupError:  # a migration older than the model
            found[name] = None
    return found


def recount_scheduled(apps=None):
    """Make the ScheduledLabel rows again: the label rows of posts still to come."""
    m = _models(apps)
    m["ScheduledLabel"].objects.all().delete()
    rows = (
        m["LabeledPost"]
        .objects.filter(scheduled_q("content_object__"))
        .values_list("content_object_id", "tag_id", "content_object__published_at")
    )
    m["ScheduledLabel"].objects.bulk_create(
        (
            m["ScheduledLabel"](post_id=post, label_id=label, published_at=moment)
            for post, label, moment in rows
        ),
        batch_size=1000,
    )


def recount_labels(apps=None):
    """Count every label's posts again; returns how many labels were wrong."""
    m = _models(apps)
    published = Q(
        content_object__status=Status.PUBLISHED,
        content_object__published_at__isnull=False,
    )
    found = {
        row["tag"]: row
        for row in m["LabeledPost"]
        .objects.order_by()
        .values("tag")
        .annotate(
            total=Count("pk"),
            published=Count("pk", filter=published),
            changed=Max(
                Greatest("content_object__updated_at", "content_object__published_at"),
                filter=visible_q("content_object__"),
            ),
        )
    }
    kept = {
        row.label_id: (row.total, row.published)
        for row in m["LabelCount"].objects.all()
    }
    rows = []
    wrong = 0
    for pk in m["Label"].objects.values_list("pk", flat=True):
        row = found.get(pk, {"total": 0, "published": 0, "changed": None})
        if kept.get(pk, (0, 0)) != (row["total"], row["published"]):
            wrong += 1
        rows.append(
            m["LabelCount"](
                label_id=pk,
                total=row["total"],
                published=row["published"],
                changed_at=row["changed"],
            )
        )
    m["LabelCount"].objects.all().delete()
    m["LabelCount"].objects.bulk_create(rows, batch_size=1000)
    return wrong


def recount_together(apps=None):
    """
    Count every pair's and triple's published posts again, from the label
    rows of published posts read once in post order (a stream: memory holds
    the groups' counts, not the rows); returns {"pairs": wrong pair rows,
    "triples": wrong triple rows}. A migration older than a model skips it.
    """
    m = _models(apps)
    models = {
        size: m[name]
        for size, name in ((2, "LabelPairCount"), (3, "LabelTripleCount"))
        if m[name] is not None
    }
    rows = (
        m["LabeledPost"]
        .objects.filter(
            content_object__status=Status.PUBLISHED,
            content_object__published_at__isnull=False,
        )
        .order_by("content_object_id")
        .values_list("content_object_id", "tag_id")
    )
    found = Counter()
    for _post, labels in groupby(rows.iterator(chunk_size=10000), itemgetter(0)):
        found.update(
            group
            for group in _groups(tag for _post, tag in labels)
            if len(group) in models
        )
    wrong = {}
    for size, model in models.items():
        fields = GROUP_FIELDS[:size]
        kept = {
            tuple(row[:-1]): row[-1]
            for row in model.objects.values_list(*fields, "published")
        }
        mine = {group: n for group, n in found.items() if len(group) == size}
        wrong[size] = sum(1 for group, n in mine.items() if kept.pop(group, 0) != n)
        wrong[size] += sum(1 for n in kept.values() if n)
        model.objects.all().delete()
        model.objects.bulk_create(
            (model(**_group_fields(group), published=n) for group, n in mine.items()),
            batch_size=1000,
        )
    return {"pairs": wrong.get(2, 0), "triples": wrong.get(3, 0)}


# The kept spans' model names by period (a migration's models are found by
# name): the site's, each label's, each pair's.
SPAN_MODEL_NAMES = {
    period: tuple(
        SPAN_MODELS[period, what].__name__ for what in ("site", "label", "pair")
    )
    for period in PERIODS
}


def recount_months(zone=None, apps=None):
    """
    Count every month's and day's posts again in `zone`, by time of
    publication and by feed time: the whole site's, each label's and each
    pair's; returns {"months": wrong month rows, "days": wrong day rows}.
    """
    m = _models(apps)
    if zone is None:
        zone = _site_zone(apps)
    posts = m["Post"].objects.filter(
        status=Status.PUBLISHED, published_at__isnull=False
    )
    label_rows = m["LabeledPost"].objects.filter(
        content_object__status=Status.PUBLISHED,
        content_object__published_at__isnull=False,
    )
    # Each label row with each of its post's rows of a later label.
    pair_rows = label_rows.filter(content_object__labeled_items__tag__gt=F("tag"))
    sources = (
        (posts, "", {}),
        (label_rows, "content_object__", {"label_id": F("tag")}),
        (
            pair_rows,
            "content_object__",
            {
                "first_id": F("tag"),
                "second_id": F("content_object__labeled_items__tag"),
            },
        ),
    )
    wrong = {}
    for period, names in SPAN_MODEL_NAMES.items():
        wrong[period + "s"] = sum(
            _recount_months_of(m[name], rows, prefix, zone, group, period)
            for name, (rows, prefix, group) in zip(names, sources, strict=True)
            if m[name] is not None
        )
    return wrong


def _recount_months_of(model, published, prefix, zone, group, period="month"):
    """
    Rebuild `model`'s months (or days: `period`) from `published` (posts,
    or label rows), its rows named by `group` ({field: expression}), in a
    GROUP BY query for each count it has (a migration's older model may
    lack the feed-time one); returns how many rows were wrong.
    """
    trunc, span_of = {"month": TruncMonth, "day": TruncDay}[period], PERIODS[period]
    name = zone_name(zone)
    times = {
        "published": F(prefix + "published_at"),
        "updated": Greatest(prefix + "updated_at", prefix + "published_at"),
    }
    fields = [f.name for f in model._meta.get_fields() if f.name in times]
    found = defaultdict(lambda: [0] * len(fields))
    for index, field in enumerate(fields):
        for row in (
            published.annotate(span=trunc(times[field], tzinfo=zone))
            .order_by()
            .values("span", **group)
            .annotate(n=Count("pk"))
        ):
            key = (*(row[g] for g in group), *span_of(row["span"], zone))
            found[key][index] = row["n"]
    kept = {
        (*(getattr(row, g) for g in group), row.zone, row.starts_at): [
            getattr(row, field) for field in fields
        ]
        for row in model.objects.all()
    }
    wrong = sum(
        1
        for (*key, start, _end), n in found.items()
        if kept.pop((*key, name, start), [0] * len(fields)) != n
    ) + sum(1 for n in kept.values() if any(n))
    model.objects.all().delete()
    model.objects.bulk_create(
        (
            model(
                zone=name,
                starts_at=start,
                ends_at=end,
                **dict(zip(fields, n, strict=True)),
                **dict(zip(group, key, strict=True)),
            )
            for (*key, start, end), n in found.items()
        ),
        batch_size=1000,
    )
    return wrong


def _site_zone(apps=None):
    if apps is None:
        return counting_zone()
    site = apps.get_model("articles", "SiteSettings").objects.filter(pk=1).first()
    name = (site.time_zone if site else "") or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return ZoneInfo(settings.TIME_ZONE)


def recount(apps=None):
    """
    Rebuild every kept count from the rows, in one transaction (`manage.py
    recount`, and the migration that made them). Returns
    {"labels": wrong label rows, "pairs": wrong label pair rows, "triples":
    wrong label triple rows, "months": wrong month rows, "days": wrong day
    rows}.
    """
    m = _models(apps)
    with transaction.atomic():
        labels = recount_labels(apps)
        together = recount_together(apps)
        spans = recount_months(apps=apps)
        if m["ScheduledLabel"] is not None:
            recount_scheduled(apps)
        latest = (
            m["Post"]
            .objects.filter(visible_q())
            .aggregate(at=Max(Greatest("updated_at", "published_at")))["at"]
        )
        m["CountsState"].objects.update_or_create(
            pk=1, defaults={"changed_at": latest, "folded_until": timezone.now()}
        )
    return {"labels": labels, **together, **spans}
