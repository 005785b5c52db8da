"""
How a post moves between draft, review, scheduled and live, and who may move it.

One table, TRANSITIONS, names every allowed move (from which states, to which
state) and the role that may make it; every function here goes through it, in
one transaction, and raises ValidationError for a move the table does not
have and PermissionDenied for a role that may not make it. The admin form and
its bulk actions, the revision history, the Blogger import and the demo loader
all publish through these functions. `user=None` is the system itself (an
import, the demo loader): it may make every move in the table.
"""

import weakref
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import counts, roles
from .models import ContentId, LabeledPost, Post, ReviewNote, Status, numbered
from .text import blogger_slug


class State(models.TextChoices):
    """Where a post stands, as editors speak of it (status and time together)."""

    NEW = "new", gettext_lazy("New")
    DRAFT = "draft", gettext_lazy("Draft")
    PENDING = "pending", gettext_lazy("Pending review")
    SCHEDULED = "scheduled", gettext_lazy("Scheduled")
    LIVE = "live", gettext_lazy("Live")


class Action(models.TextChoices):
    CREATE = "create", gettext_lazy("create")
    SUBMIT = "submit", gettext_lazy("submit for review")
    WITHDRAW = "withdraw", gettext_lazy("withdraw from review")
    REQUEST_CHANGES = "request_changes", gettext_lazy("send back for changes")
    PUBLISH_NOW = "publish_now", gettext_lazy("publish now")
    SCHEDULE = "schedule", gettext_lazy("schedule")
    RESCHEDULE = "reschedule", gettext_lazy("reschedule")
    UNSCHEDULE = "unschedule", gettext_lazy("unschedule")
    UNPUBLISH = "unpublish", gettext_lazy("unpublish")
    RECALL = "recall", gettext_lazy("take back to review")


# Who may make a move: a writer (anyone who may change the post: writers
# their own drafts, editors any post) or only an editor (may publish).
WRITER, EDITOR = "writer", "editor"

# Each move: the states it applies to, the state it leads to, who may make it.
TRANSITIONS = {
    Action.SUBMIT: ({State.NEW, State.DRAFT}, State.PENDING, WRITER),
    Action.WITHDRAW: ({State.PENDING}, State.DRAFT, WRITER),
    Action.REQUEST_CHANGES: ({State.PENDING}, State.DRAFT, EDITOR),
    Action.PUBLISH_NOW: (
        {State.NEW, State.DRAFT, State.PENDING, State.SCHEDULED},
        State.LIVE,
        EDITOR,
    ),
    Action.SCHEDULE: (
        {State.NEW, State.DRAFT, State.PENDING, State.LIVE},
        State.SCHEDULED,
        EDITOR,
    ),
    Action.RESCHEDULE: ({State.SCHEDULED}, State.SCHEDULED, EDITOR),
    Action.UNSCHEDULE: ({State.SCHEDULED}, State.DRAFT, EDITOR),
    Action.UNPUBLISH: ({State.LIVE}, State.DRAFT, EDITOR),
    Action.RECALL: ({State.LIVE, State.SCHEDULED}, State.PENDING, EDITOR),
    Action.CREATE: ({State.NEW}, State.DRAFT, WRITER),
}


def state_of(post: Post | None, *, now: datetime | None = None) -> State:
    """The post's state from its status and publication time (NEW when unsaved)."""
    if post is None or (post.pk is None and post._state.adding):
        return State.NEW
    return _state(post.status, post.published_at, now=now)


def state_after(status: str, published_at: datetime | None) -> State:
    """The state a post with this status and time is in once saved."""
    return _state(status, published_at)


def _state(status, published_at, *, now=None):
    if status == Status.DRAFT:
        return State.DRAFT
    if status == Status.PENDING:
        return State.PENDING
    if published_at is not None and published_at > (now or timezone.now()):
        return State.SCHEDULED
    return State.LIVE


def actions_for(was: State, to: State) -> list[Action]:
    """The moves from `was` to `to` in the table (none, or one per role)."""
    return [
        action
        for action, (sources, target, _who) in TRANSITIONS.items()
        if was in sources and target == to
    ]


def may(user: AbstractBaseUser | None, who: str, post: Post, was: State) -> bool:
    """Whether `user` has the role `who` for `post` in its state `was`."""
    if user is None:
        return True
    if who == EDITOR:
        return roles.can_publish(user)
    if was == State.NEW:
        return user.has_perm("articles.add_post")
    if not user.has_perm("articles.change_post"):
        return False
    if roles.can_edit_any_post(user):
        return True
    return post.author_id == user.pk and was in (State.DRAFT, State.PENDING)


def check_move(
    *, post: Post, user: AbstractBaseUser | None, was: State, to: State
) -> Action | None:
    """
    The move from `was` to `to` for `user`, or ValidationError /
    PermissionDenied. Staying in a state is an edit: anyone who may change
    the post in that state may make it (None is returned).
    """
    if was == to:
        if not may(user, WRITER, post, was):
            raise PermissionDenied(_("You may not change this post."))
        return None
    actions = actions_for(was, to)
    if not actions:
        raise ValidationError(
            _("A post cannot go from %(was)s to %(to)s.")
            % {"was": was.label.lower(), "to": to.label.lower()},
            code="invalid_transition",
        )
    for action in actions:
        if may(user, TRANSITIONS[action][2], post, was):
            return action
    raise PermissionDenied(
        _("Only editors may %(action)s a post.") % {"action": actions[0].label}
    )


def _move(*, post, user, action, was=None, at=None, note=""):
    """
    Make `action` on `post` (its other changes are saved with it), with the
    review step it is, if any (see `_record_review`).
    """
    sources, target, who = TRANSITIONS[action]
    if was is None:
        was = state_of(post)
    if was not in sources:
        raise ValidationError(
            _("You cannot %(action)s a post that is %(state)s.")
            % {"state": was.label.lower(), "action": action.label},
            code="invalid_transition",
        )
    if not may(user, who, post, was):
        raise PermissionDenied(
            _("Only editors may %(action)s a post.") % {"action": action.label}
        )
    _set_state(post, target, at=at)
    with transaction.atomic():
        _save(post, user)
        _record_review(post, user, was, target, action, note)
    return post


# The review step a move is: handing a post in, sending it back, approving it.
def _review_kind(was, target, action):
    if target == State.PENDING and was != State.PENDING:
        return ReviewNote.Kind.SUBMITTED
    if action == Action.REQUEST_CHANGES:
        return ReviewNote.Kind.CHANGES_REQUESTED
    if was == State.PENDING and target in (State.LIVE, State.SCHEDULED):
        return ReviewNote.Kind.APPROVED
    return None


def _record_review(post, user, was, target, action, note=""):
    """Keep the review step (with the editor's or writer's note) beside the post."""
    kind = _review_kind(was, target, action)
    if kind is None:
        return None
    return ReviewNote.objects.create(
        post=post,
        author=user if user is not None and user.is_authenticated else None,
        kind=kind,
        note=note.strip(),
    )


def _set_state(post, target, *, at=None):
    now = timezone.now()
    if target == State.DRAFT:
        post.status = Status.DRAFT
    elif target == State.PENDING:
        post.status = Status.PENDING
    elif target == State.LIVE:
        post.status, post.published_at = Status.PUBLISHED, now
    elif target == State.SCHEDULED:
        if at is None or at <= now:
            raise ValidationError(
                _("A post is scheduled for a time in the future."),
                code="past_schedule",
            )
        post.status, post.published_at = Status.PUBLISHED, at


def _save(post, user):
    if post.author_id is None and user is not None:
        post.author = user
    post.save()


def submit(
    *,
    post: Post,
    user: AbstractBaseUser | None,
    was: State | None = None,
    note: str = "",
) -> Post:
    """Hand a draft to the editors for review (a ReviewNote says who, when)."""
    return _move(post=post, user=user, action=Action.SUBMIT, was=was, note=note)


def withdraw(
    *, post: Post, user: AbstractBaseUser | None, was: State | None = None
) -> Post:
    """Take a post back from review to work on it again."""
    return _move(post=post, user=user, action=Action.WITHDRAW, was=was)


def request_changes(
    *,
    post: Post,
    user: AbstractBaseUser | None,
    was: State | None = None,
    note: str = "",
) -> Post:
    """
    Send a post under review back to its writer as a draft, with the editor's
    note (the writer reads it on the post until they submit it again).
    """
    return _move(
        post=post, user=user, action=Action.REQUEST_CHANGES, was=was, note=note
    )


def publish_now(
    *, post: Post, user: AbstractBaseUser | None, was: State | None = None
) -> Post:
    """Put the post live at once (publication time now)."""
    return _move(post=post, user=user, action=Action.PUBLISH_NOW, was=was)


def schedule(
    *,
    post: Post,
    user: AbstractBaseUser | None,
    at: datetime,
    was: State | None = None,
) -> Post:
    """Publish the post at a future time `at`; it goes live then by itself."""
    return _move(post=post, user=user, action=Action.SCHEDULE, was=was, at=at)


def reschedule(
    *,
    post: Post,
    user: AbstractBaseUser | None,
    at: datetime,
    was: State | None = None,
) -> Post:
    """Move a scheduled post to another future time (the agenda, the form)."""
    return _move(post=post, user=user, action=Action.RESCHEDULE, was=was, at=at)


def schedule_or_reschedule(
    *,
    post: Post,
    user: AbstractBaseUser | None,
    at: datetime,
    was: State | None = None,
) -> Post:
    """Schedule the post for `at`, or give a scheduled post that new time."""
    if (was or state_of(post)) == State.SCHEDULED:
        return reschedule(post=post, user=user, at=at, was=was)
    return schedule(post=post, user=user, at=at, was=was)


def unschedule(
    *, post: Post, user: AbstractBaseUser | None, was: State | None = None
) -> Post:
    """Turn a scheduled post back into a draft (its time is kept)."""
    return _move(post=post, user=user, action=Action.UNSCHEDULE, was=was)


def unpublish(
    *, post: Post, user: AbstractBaseUser | None, was: State | None = None
) -> Post:
    """Take a live post down; its address stays reserved for it."""
    return _move(post=post, user=user, action=Action.UNPUBLISH, was=was)


def take_down(
    *, post: Post, user: AbstractBaseUser | None, was: State | None = None
) -> Post:
    """Unpublish a live post or unschedule a scheduled one."""
    if (was or state_of(post)) == State.SCHEDULED:
        return unschedule(post=post, user=user, was=was)
    return unpublish(post=post, user=user, was=was)


def save_post(
    *,
    post: Post,
    user: AbstractBaseUser | None,
    was: State,
    version_floor: int | None = None,
) -> Post:
    """
    Save `post` as an editor left it (the admin form): `was` is its state
    before the changes, the post's own status and time say where it goes.
    With `version_floor`, version numbers rise past it.
    """
    to = state_of(post)
    action = check_move(post=post, user=user, was=was, to=to)
    if version_floor is not None:
        post.version = max(post.version, version_floor)
    with transaction.atomic():
        _save(post, user)
        _record_review(post, user, was, to, action)
    return post


def revert(
    *,
    post: Post,
    user: AbstractBaseUser | None,
    version,
) -> Post:
    """
    Bring `post` back to `version` (a django-reversion Version of it), labels
    included, through the table: going back to a live revision is publishing.
    Version numbers keep rising, so a form opened before is stale.
    """
    with transaction.atomic():
        stored = Post.objects.select_for_update().get(pk=post.pk)
        was, version_floor = state_of(stored), stored.version
        fields = version.field_dict
        check_move(
            post=stored,
            user=user,
            was=was,
            to=_state(fields["status"], fields["published_at"]),
        )
        version.revision.revert(delete=True)
        post.refresh_from_db()
        return save_post(post=post, user=user, was=was, version_floor=version_floor)


def create_many(
    posts: Iterable[Post],
    *,
    user: AbstractBaseUser | None = None,
    batch_size: int = 500,
) -> list[Post]:
    """
    The bulk path: save many new posts in one transaction with bulk inserts,
    each checked against the table as a new post and given what save() would
    give it (clean body, summary, reading time, publication time, permalink
    with Blogger's _1, _2... on a clash) and a public id, the ids of a batch
    in one more insert (ContentId.give). Readers' signals are not sent: the
    caller rebuilds what depends on them (search index, caches). Returns the
    posts, with primary keys on SQLite and PostgreSQL.
    """
    posts = list(posts)
    # Addresses given in the list itself are taken too, whichever comes first.
    given = {post.permalink for post in posts if post.permalink}
    saved = []
    with transaction.atomic():
        for batch in create_batches(
            posts, user=user, batch_size=batch_size, given=given
        ):
            saved.extend(batch)
    return saved


def create_batches(
    posts: Iterable[Post],
    *,
    user: AbstractBaseUser | None = None,
    batch_size: int = 500,
    given: Iterable[str] = (),
) -> Iterator[list[Post]]:
    """
    create_many() for any number of posts: reads `posts` lazily (a generator
    is fine) and yields each batch once saved, so the caller adds what goes
    with it (labels, search rows) and lets it go: memory holds one batch
    whatever the count. Free addresses are looked up in the database per
    batch, never by reading every permalink. Run it inside the caller's
    transaction.
    """
    given = frozenset(given)
    for batch in _chunks(posts, batch_size):
        for post in batch:
            check_move(
                post=post,
                user=user,
                was=State.NEW,
                to=_state(post.status, post.published_at),
            )
            if post.author_id is None and user is not None:
                post.author = user
            post.set_derived_fields()
        # Earlier batches' addresses are in the database by now: only this
        # batch's own and those the caller names are kept (memory stays flat).
        _give_permalinks(
            [p for p in batch if p.status == Status.PUBLISHED and not p.permalink],
            given | {post.permalink for post in batch if post.permalink},
        )
        insert_rows(Post, batch)
        yield batch


def _chunks(items, size):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# Numbers tried per query for an address that clashes (slug_1 ... slug_16).
_TRIES_PER_QUERY = 16


def _give_permalinks(posts, given):
    """
    Blogger's addresses for `posts`: /YYYY/MM/slug.html, or the first free of
    slug_1, slug_2... A few queries per batch: the plain addresses, then the
    numbered ones of the posts whose address was taken, 16 numbers at a time.
    """
    pending = []
    for post in posts:
        local = timezone.localtime(post.published_at)
        base = post.slug or blogger_slug(post.title)
        pending.append((post, "/%04d/%02d/" % (local.year, local.month), base))
    start, width, taken = 0, 1, set()
    while pending:
        tries = range(start, start + width)
        names = {
            prefix + numbered(base, attempt) + ".html"
            for _post, prefix, base in pending
            for attempt in tries
        }
        taken |= given & names | _existing_permalinks(names)
        waiting = []
        for post, prefix, base in pending:
            for attempt in tries:
                permalink = prefix + numbered(base, attempt) + ".html"
                if permalink not in taken:
                    post.slug, post.permalink = numbered(base, attempt), permalink
                    taken.add(permalink)
                    break
            else:
                waiting.append((post, prefix, base))
        pending = waiting
        start, width = start + width, _TRIES_PER_QUERY


def _existing_permalinks(names):
    names = list(names)
    limit = connections[router.db_for_read(Post)].features.max_query_params or 5000
    step = min(limit - 10, 5000)
    found = set()
    for first in range(0, len(names), step):
        found.update(
            Post.objects.filter(permalink__in=names[first : first + step]).values_list(
                "permalink", flat=True
            )
        )
    return found


# A table is analysed again once the rows bulk-inserted into it since its
# last ANALYZE pass what it held then, and this many.
STATISTICS_FROM = 10_000
# {connection: {table: [rows at the last ANALYZE, rows inserted since]}}
_inserted = weakref.WeakKeyDictionary()


def _keep_statistics(connection, model, added):
    """
    PostgreSQL plans by a table's statistics from its last ANALYZE, and a
    bulk load's rows are not in them until autovacuum runs after the
    commit: mid-load, a look-up of 2,000 Blogger ids or 500 posts' label
    rows was planned as a scan of the whole table (0.66 s at 100,000 posts,
    against 6 ms by the index), and an import or load grew with the square
    of its size. So the rows `added` to `model`'s table are counted, and
    the table analysed again each time they double it: a handful of
    ANALYZEs a load, which count the transaction's own rows. Its lock
    (SHARE UPDATE EXCLUSIVE, until the commit) keeps only VACUUM and schema
    changes of the table waiting, never readers or writers.
    """
    if connection.vendor != "postgresql" or not added:
        return
    table = model._meta.db_table
    tables = _inserted.setdefault(connection, {})
    with connection.cursor() as cursor:
        if table not in tables:
            cursor.execute(
                "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class "
                "WHERE oid = %s::regclass",
                [connection.ops.quote_name(table)],
            )
            tables[table] = [cursor.fetchone()[0], 0]
        counted = tables[table]
        counted[1] += added
        if counted[1] >= max(counted[0], STATISTICS_FROM):
            cursor.execute("ANALYZE %s" % connection.ops.quote_name(table))
            counted[:] = [counted[0] + counted[1], 0]


# From this many rows PostgreSQL's COPY is used: several times quicker than
# INSERT for a big batch; a small one is not worth the id query it needs.
COPY_FROM = 1000


def insert_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """
    Insert new rows of `model` as bulk_create would (posts and pages numbered
    first), by COPY on PostgreSQL for a big batch: its ids come from the
    table's own sequence in one query, so the sequence stays past the rows.
    The table's planner statistics follow the rows (_keep_statistics()).
    """
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        model._default_manager.bulk_create(rows, batch_size=COPY_FROM)
    else:
        _copy_rows(connection, model, rows)
    _keep_statistics(connection, model, len(rows))


def _copy_rows(connection, model, rows):
    if hasattr(model, "PUBLIC_COLUMN"):
        ContentId.give(model, rows)
    meta = model._meta
    fields = list(meta.concrete_fields)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            if row.pk is None:
                row.pk = pk
        statement = "COPY %s (%s) FROM STDIN" % (
            quote(meta.db_table),
            ", ".join(quote(field.column) for field in fields),
        )
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        field.get_db_prep_save(field.pre_save(row, True), connection)
                        for field in fields
                    ]
                )
    for row in rows:
        row._state.adding, row._state.db = False, connection.alias
    # What the querysets' bulk_create would do after the insert: the kept counts.
    if issubclass(model, Post):
        counts.add_batch(posts=rows)
    elif issubclass(model, LabeledPost):
        counts.add_batch(label_rows=rows)
