# ruff: noqa: S608, S611 -- SQL text uses module constants only; input is always bound.
"""
Full-text search over live posts, behind one function: `search_posts(query)`.

The index is a table `articles_post_search` with one row per post (title,
labels, summary and body as plain text, never the premium part):
- SQLite: an FTS5 virtual table (porter stemming), ranked with bm25() and
  highlighted with snippet();
- PostgreSQL: a table with a generated, weighted `tsvector` column and a GIN
  index, ranked with SearchRank and highlighted with SearchHeadline; only the
  SEARCH_CANDIDATES newest matches are ranked (the row keeps its post's
  publication time for that), so a common word costs what a rare one does.
The ranking rules, and what the bound means for readers: docs/search.md.
Saves and deletes keep it current (signals connected in `apps.py`); bulk loads
call `rebuild_search_index()`.
"""

import datetime
import hashlib
import re
import time
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.lookups import LessThanOrEqual
from django.db.models.sql.where import WhereNode
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from pagecache import store

from . import going
from .models import LabeledPost, Post
from .text import html_to_text

TABLE = "articles_post_search"
# Highlight markers: control characters never stored in the index, so the
# snippet can be escaped as a whole and only the markers turned into <mark>.
MARK_START, MARK_END = "\x02", "\x03"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LABEL_GROUP_RE = re.compile(
    r'label:(?:"[^"]*"|[^\s|"]+)(?:\s*\|\s*label:(?:"[^"]*"|[^\s|"]+))*', re.I
)
_LABEL_RE = re.compile(r'label:(?:"([^"]*)"|([^\s|"]+))', re.I)
_CHUNK_RE = re.compile(r'"([^"]*)"?|([^\s"]+)')
MAX_TERMS = 12

# Column weights: a title match counts most, then labels, excerpt and body.
SQLITE_WEIGHTS = "10.0, 5.0, 2.0, 1.0"
POSTGRES_WEIGHTS = [0.1, 0.2, 0.4, 1.0]  # D, C, B, A as ts_rank wants them
# PostgreSQL ranks the newest matches only, this many (docs/search.md): a
# common word matches 5% of a million posts, and ranking all of them took 1 s.
SEARCH_CANDIDATES = 1000


class PostSearchDocument(models.Model):
    """The PostgreSQL index row of a post (the table is made by a migration)."""

    post = models.OneToOneField(
        Post,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    title = models.TextField()
    labels = models.TextField()
    summary = models.TextField()
    body = models.TextField()
    document = SearchVectorField()
    # The post's publication time, so the newest matches are found without
    # reading their posts (SEARCH_CANDIDATES); liveness is still the post's.
    published_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = TABLE

    def __str__(self):
        return self.title


@dataclass
class ParsedQuery:
    """A reader's query: words and "quoted phrases", plus `label:"X"` filters."""

    terms: list = field(default_factory=list)
    label_groups: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.terms or self.label_groups)


def _words(text):
    """
    The words of `text`: runs of letters, digits and combining marks. A
    vowel sign of Malayalam or Hindi (ക + േ) is part of its word, as
    PostgreSQL's parser has it; Python's \\w would split the word there.
    """
    words, word = [], []
    for char in text:
        if char.isalnum() or char == "_" or unicodedata.category(char)[0] == "M":
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words


def parse_query(text):
    """
    Split a query into terms (each a tuple of words; more than one word is a
    phrase) and label groups: `label:"A"|label:"B"` is one group meaning A or
    B; several groups must all match.
    """
    text = _CONTROL_RE.sub(" ", text or "")[:500]
    groups = []
    for match in _LABEL_GROUP_RE.finditer(text):
        names = [quoted or bare for quoted, bare in _LABEL_RE.findall(match.group(0))]
        names = [name.strip() for name in names if name.strip()]
        if names:
            groups.append(names)
    rest = _LABEL_GROUP_RE.sub(" ", text)
    terms = []
    for phrase, word in _CHUNK_RE.findall(rest):
        words = tuple(_words((phrase or word).lower()))
        if words:
            terms.append(words)
    return ParsedQuery(terms=terms[:MAX_TERMS], label_groups=groups)


def search_posts(query, queryset=None):
    """
    Live posts matching `query` (text or a ParsedQuery), best first.

    With words in the query, each post carries `search_rank` (higher is
    better) and `search_snippet` (raw text with marker characters: pass it
    through `highlight()`); with only label filters, newest first.
    """
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    queryset = Post.objects.published() if queryset is None else queryset
    queryset = _with_labels(parsed, queryset)
    if not parsed.terms:
        return queryset.newest_first()
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        queryset = _sqlite_search(queryset, parsed.terms)
    elif vendor == "postgresql":
        queryset = _postgres_search(queryset, parsed.terms)
    else:
        queryset = _plain_search(queryset, parsed.terms)
    return queryset.order_by("-search_rank", "-published_at", "-id")


def matching_ids(text, using=None, *, newest=None):
    """
    The ids of posts, drafts too, whose index row holds every word and
    phrase of `text`: a subquery for `pk__in` (the admin's post search).
    With `newest`, PostgreSQL keeps that many, undated drafts and the newest
    first. None when `text` has no words or the database has no index.
    """
    parsed = parse_query(text)
    connection = connections[using or router.db_for_read(Post)]
    if not parsed.terms or not _has_index(connection):
        return None
    if connection.vendor == "sqlite":
        return RawSQL(
            f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s",
            [_fts5_match(parsed.terms)],
        )
    matches = PostSearchDocument.objects.using(connection.alias).filter(
        document=_postgres_query(parsed.terms)
    )
    if newest is not None:
        order = F("published_at").desc(nulls_first=True)
        matches = matches.order_by(order, "-post_id")[:newest]
    return matches.values("post_id")


def _with_labels(parsed, queryset):
    for names in parsed.label_groups:
        queryset = queryset.filter(
            pk__in=LabeledPost.objects.filter(tag__name__in=names).values(
                "content_object_id"
            )
        )
    return queryset


def ranked_page(query, queryset, offset, limit):
    """
    `(post id, published_at, snippet)` of the best matches of `query` among `queryset`,
    from `offset` on: what a page of results needs, its cards read after.
    Kept in the cache (kept()) until a change that can alter it, so asking
    again costs no query, whatever the number of matches.
    """
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    if not parsed.terms:
        return _ranked_page(parsed, queryset, offset, limit)
    name = ("ranked", parsed.terms, parsed.label_groups, offset, limit)
    return kept(
        name,
        queryset,
        RANKING_TAGS,
        lambda: _ranked_page(parsed, queryset, offset, limit),
    )


def _ranked_page(parsed, queryset, offset, limit):
    if parsed.terms and connections[queryset.db].vendor == "sqlite":
        page = _sqlite_ranked_page(
            parsed.terms, _with_labels(parsed, queryset), offset, limit
        )
        if page is not None:
            return page
    ranked = search_posts(parsed, queryset)
    rows = ranked.values_list("pk", "published_at", "search_snippet")
    return list(rows[offset : offset + limit])


# The page cache's tags of what can change a ranking (docs/architecture.md):
# a post entering or leaving the lists (published, unpublished, rescheduled,
# relabelled, new or deleted: `lists`), a post's searched text edited in
# place, drafts too, which take candidate places on PostgreSQL (`search`),
# and a label renamed (its name is searched text, and `label:` filters read
# it: `labels`).
RANKING_TAGS = ["lists", "search", "labels"]
# A safety net only: the tags end a kept result at once; a bulk
# queryset.update() sends no signal and is caught here.
KEPT_SECONDS = 3600
# A live-posts bound (visible_q's `published_at <= now`) is named by this
# instead of its moment, so every request's "now" is the same base.
_NOW = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
# ... when its moment is this recent: older, it is a bound someone chose.
_NOW_WITHIN = datetime.timedelta(minutes=5)


def base_name(queryset):
    """
    Which rows `queryset` selects, as text: its SQL and parameters, with the moment
    of its live-posts bound (visible_q()) read as "now". Two requests reading
    live posts at different moments name the same base: what changes between
    them is a post saved (its tags are purged) or a scheduled time passing
    (kept() ends at it).
    """
    # Rows only: the columns read and their order say nothing of which.
    query = queryset.order_by().values("pk").query.clone()
    _name_now(query.where, timezone.now())
    sql, params = query.get_compiler(queryset.db).as_sql()
    return "%s|%s|%r" % (queryset.db, sql, params)


def _name_now(node, now):
    for place, child in enumerate(node.children):
        if isinstance(child, WhereNode):
            _name_now(child, now)
        elif (
            isinstance(child, LessThanOrEqual)
            and getattr(child.lhs, "target", None)
            is Post._meta.get_field("published_at")
            and isinstance(child.rhs, datetime.datetime)
            and now - _NOW_WITHIN <= child.rhs <= now
        ):
            node.children[place] = LessThanOrEqual(child.lhs, _NOW)


def kept(name, queryset, tags, compute):
    """
    `compute()`'s result for `name` over `queryset` (base_name()), kept in
    the cache until one of `tags` is purged (pagecache/store.py: a change
    that can alter it), the page cache is cleared, or a scheduled post or
    page goes live (read before computing, so one going live meanwhile ends
    it at once). A base that reads `updated_at` (feeds' updated- bounds)
    changes with any edit: it is kept under `feeds` too.
    """
    try:
        base = base_name(queryset)
    except EmptyResultSet:
        return compute()  # nothing can match: no query to keep
    tags = list(tags)
    if '"updated_at"' in base:
        tags.append("feeds")
    gen = store.generation()
    versions = store.versions(tags)
    stamp = hashlib.blake2b(
        repr((gen, sorted(versions.items()), name, base)).encode(), digest_size=16
    ).hexdigest()
    key = "articles:kept:%s" % stamp
    entry = cache.get(key)
    now = time.time()
    if entry is not None and (entry[0] is None or now < entry[0]):
        return entry[1]
    until = store.next_publication(gen)
    value = compute()
    ttl = KEPT_SECONDS if until is None else min(KEPT_SECONDS, until - time.time())
    if ttl >= 1:
        cache.set(key, (until, value), int(ttl))
    return value


def _sqlite_ranked_page(terms, queryset, offset, limit):
    """
    Ranked in three short queries instead of one with a rank subquery per
    post (which re-runs the MATCH for each: 10 times slower at 500 matches):
    every match's rank from the index, which of them `queryset` admits, then
    the snippets of the page's posts. None when the matches are too many to
    pass as parameters.
    """
    match = _fts5_match(terms)
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, -bm25({TABLE}, {SQLITE_WEIGHTS}) FROM {TABLE} "
            f"WHERE {TABLE} MATCH %s",
            [match],
        )
        ranks = dict(cursor.fetchall())
    if len(ranks) > connection.features.max_query_params - 100:
        return None
    admitted = (
        queryset.filter(pk__in=list(ranks)).order_by().values_list("pk", "published_at")
    )
    ordered = sorted(
        admitted, key=lambda row: (ranks[row[0]], row[1], row[0]), reverse=True
    )
    page = ordered[offset : offset + limit]
    if not page:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, snippet({TABLE}, 3, char(2), char(3), '…', 30) "
            f"FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN "
            f"({', '.join(['%s'] * len(page))})",
            [match, *(pk for pk, _moment in page)],
        )
        snippets = dict(cursor.fetchall())
    return [(pk, moment, snippets.get(pk, "")) for pk, moment in page]


def highlight(snippet):
    """A search snippet as safe HTML: everything escaped, matches in <mark>."""
    if not snippet:
        return ""
    text = escape(snippet)
    return mark_safe(  # noqa: S308 - the text was escaped just above
        text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    )


def _fts5_match(terms):
    # Every term becomes a double-quoted FTS5 string of plain words, so no
    # reader input is ever read as FTS5 syntax.
    return " AND ".join('"%s"' % " ".join(words) for words in terms)


def _sqlite_search(queryset, terms):
    match = _fts5_match(terms)
    table = Post._meta.db_table
    return queryset.filter(
        pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match])
    ).annotate(
        search_rank=RawSQL(
            f"SELECT -bm25({TABLE}, {SQLITE_WEIGHTS}) FROM {TABLE} WHERE {TABLE} MATCH %s "
            f"AND rowid = {table}.id",
            [match],
            output_field=models.FloatField(),
        ),
        search_snippet=RawSQL(
            f"SELECT snippet({TABLE}, 3, char(2), char(3), '…', 30) FROM {TABLE} "
            f"WHERE {TABLE} MATCH %s AND rowid = {table}.id",
            [match],
            output_field=models.TextField(),
        ),
    )


def _postgres_query(terms):
    query = None
    for words in terms:
        part = SearchQuery(
            " ".join(words),
            search_type="phrase" if len(words) > 1 else "plain",
            config="english",
        )
        query = part if query is None else query & part
    return query


def _postgres_search(queryset, terms):
    query = _postgres_query(terms)
    document = PostSearchDocument.objects.filter(post_id=OuterRef("pk"))
    newest = (
        PostSearchDocument.objects.filter(document=query)
        # Plain DESC (undated drafts first) is the btree's own order, so a
        # common word walks it and stops; NULLS LAST made it read every match.
        .order_by("-published_at", "-post_id")
        .values("post_id")[:SEARCH_CANDIDATES]
    )
    return queryset.filter(pk__in=newest).annotate(
        search_rank=SearchRank(
            Subquery(document.values("document")[:1]),
            query,
            weights=POSTGRES_WEIGHTS,
        ),
        search_snippet=SearchHeadline(
            Subquery(document.values("body")[:1]),
            query,
            config="english",
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=40,
            min_words=20,
        ),
    )


def _plain_search(queryset, terms):
    """Other databases: every term somewhere in the text, no ranking."""
    for words in terms:
        phrase = " ".join(words)
        queryset = queryset.filter(
            Q(title__icontains=phrase)
            | Q(summary__icontains=phrase)
            | Q(body__icontains=phrase)
        )
    return queryset.annotate(
        search_rank=Value(0.0, output_field=models.FloatField()),
        search_snippet=models.F("summary"),
    )


# Keeping the index current.


def _clean(text):
    return _CONTROL_RE.sub(" ", text or "")


def _rows(posts, labeled_model=LabeledPost):
    """Index rows (id, title, labels, summary, body text) for saved posts."""
    posts = list(posts)
    names = {}
    labeled = (
        labeled_model._default_manager.using(posts[0]._state.db if posts else None)
        .filter(content_object_id__in=[post.pk for post in posts])
        .order_by("position", "id")
        .values_list("content_object_id", "tag__name")
    )
    for post_id, name in labeled:
        names.setdefault(post_id, []).append(name)
    return [
        (
            post.pk,
            _clean(post.title),
            _clean(" ".join(names.get(post.pk, []))),
            _clean(post.summary),
            _clean(_plain_body(post)),
        )
        for post in posts
    ]


def _plain_body(post):
    """The body's plain text: the one set_derived_fields() made, if still its body."""
    made = getattr(post, "body_plain_text", None)
    if made is not None and made[0] == post.body:
        return made[1]
    return html_to_text(post.body)


def _timed_rows(posts, labeled_model=LabeledPost):
    """_rows() with each post's publication time last: PostgreSQL's columns."""
    posts = list(posts)
    moments = {post.pk: post.published_at for post in posts}
    return [(*row, moments[row[0]]) for row in _rows(posts, labeled_model)]


def copy_new_rows(posts, using=None):
    """
    The index rows of new posts (bulk inserts send no signals): on PostgreSQL
    by COPY, several times quicker than INSERT (new posts have no row to
    replace), elsewhere as saves write them.
    """
    connection = connections[using or router.db_for_write(Post)]
    if connection.vendor != "postgresql":
        index_posts(posts, using=connection.alias)
        return
    statement = (
        f"COPY {TABLE} (post_id, title, labels, summary, body, published_at) FROM STDIN"
    )
    # Read first: the labels take a query, and while the COPY runs it holds
    # the connection, so a query made inside it would wait for ever.
    rows = _timed_rows(posts)
    if not rows:
        return
    with connection.cursor() as cursor:
        # A row left by a post whose number is used again (after a restore,
        # or a sequence set back) would stop the COPY: new posts replace it.
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE post_id = ANY(%s)", [[row[0] for row in rows]]
        )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


# The bulk path's rows on their way into the index (BulkIndexer): a temporary
# table of the transaction, without the index's generated column.
_STAGING = "articles_post_search_incoming"
_COLUMNS = "post_id, title, labels, summary, body, published_at"


class BulkIndexer:
    """
    The index rows of new posts saved batch after batch (the bulk path), as
    copy_new_rows() writes them, with PostgreSQL's share overlapping the
    caller's next batch. There most of a row's cost is the `to_tsvector` of
    its generated column, as long as Python takes to make the post: a
    batch's rows are copied to a temporary table (quick), then moved into
    the index by statements sent in pipeline mode, which the server runs
    while the caller makes its next batch. Their result is read before the
    connection's next query (or at the end), and everything stays in the
    caller's transaction: a failure undoes the rows with the rest.

        with search.BulkIndexer() as index:
            for batch in publishing.create_batches(posts):
                index.add(batch)
    """

    def __init__(self, using=None):
        self.connection = connections[using or router.db_for_write(Post)]
        self._pending = None
        self._wrapper = None

    def __enter__(self):
        if self.connection.vendor == "postgresql":
            if not self.connection.in_atomic_block:
                from django.db.transaction import TransactionManagementError  # noqa: PLC0415

                # The temporary table lasts as long as the transaction.
                raise TransactionManagementError(
                    "BulkIndexer runs inside the caller's transaction."
                )
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} "
                    "(post_id bigint, title text, labels text, summary text, "
                    "body text, published_at timestamptz) ON COMMIT DROP"
                )
            # Any query on the connection first reads the moved rows' result.
            self._wrapper = self.connection.execute_wrapper(self._wait_first)
            self._wrapper.__enter__()
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            self.wait(failed=exc is not None)
        finally:
            if self._wrapper is not None:
                self._wrapper.__exit__(exc_type, exc, traceback)
                self._wrapper = None

    def _wait_first(self, execute, sql, params, many, context):
        self.wait()
        return execute(sql, params, many, context)

    def add(self, posts):
        """Write the index rows of these saved posts (a batch of the bulk path)."""
        if self.connection.vendor != "postgresql":
            copy_new_rows(posts, using=self.connection.alias)
            return
        rows = _timed_rows(posts)  # its label query waits for the batch before
        self.wait()
        if not rows:
            return
        with self.connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {_STAGING}")
            with cursor.copy(f"COPY {_STAGING} ({_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        self._send(
            # A row left by a post whose number is used again (after a
            # restore, or a sequence set back): new posts replace it.
            f"DELETE FROM {TABLE} WHERE post_id IN (SELECT post_id FROM {_STAGING})",
            f"INSERT INTO {TABLE} ({_COLUMNS}) SELECT {_COLUMNS} FROM {_STAGING}",
        )

    def _send(self, *statements):
        import psycopg  # noqa: PLC0415 - PostgreSQL only

        raw = self.connection.connection
        pipeline = raw.pipeline()
        cursor = psycopg.Cursor(raw)
        with self.connection.wrap_database_errors:
            pipeline.__enter__()
            self._pending = (pipeline, cursor)
            for statement in statements:
                # Sent at once; the server runs it while Python goes on.
                cursor.execute(statement)

    def wait(self, failed=False):
        """Read the result of the rows sent last (raised if they failed)."""
        if self._pending is None:
            return
        (pipeline, cursor), self._pending = self._pending, None
        try:
            with self.connection.wrap_database_errors:
                pipeline.__exit__(None, None, None)
        except Exception:
            # After a failure the caller's error is the one to see: its
            # transaction, these rows with it, is rolled back.
            if not failed:
                raise
        finally:
            cursor.close()


def _write(connection, rows):
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executemany(
                "DELETE FROM %s WHERE rowid = %%s" % TABLE, [(row[0],) for row in rows]
            )
            cursor.executemany(
                "INSERT INTO %s (rowid, title, labels, summary, body) "
                "VALUES (%%s, %%s, %%s, %%s, %%s)" % TABLE,
                [row[:5] for row in rows],
            )
        elif connection.vendor == "postgresql":
            cursor.executemany(
                "INSERT INTO %s (post_id, title, labels, summary, body, published_at) "
                "VALUES (%%s, %%s, %%s, %%s, %%s, %%s) ON CONFLICT (post_id) DO UPDATE "
                "SET title = EXCLUDED.title, labels = EXCLUDED.labels, "
                "summary = EXCLUDED.summary, body = EXCLUDED.body, "
                "published_at = EXCLUDED.published_at" % TABLE,
                rows,
            )


def _has_index(connection):
    return connection.vendor in ("sqlite", "postgresql")


def index_posts(posts, using=None):
    """Write the index rows of these posts (drafts too: published() filters)."""
    connection = connections[using or router.db_for_write(Post)]
    if _has_index(connection):
        _write(connection, _timed_rows(posts))


def unindex_post(pk, using=None):
    connection = connections[using or router.db_for_write(Post)]
    if not _has_index(connection):
        return
    column = "rowid" if connection.vendor == "sqlite" else "post_id"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM %s WHERE %s = %%s" % (TABLE, column), [pk])


def rebuild_search_index(
    using=None, batch_size=500, post_model=Post, labeled_model=LabeledPost
):
    """Index every post again, for bulk loads that bypass save()."""
    connection = connections[using or router.db_for_write(Post)]
    if not _has_index(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM %s" % TABLE)
    posts = post_model._default_manager.using(connection.alias)
    ids = list(posts.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = posts.filter(pk__in=ids[start : start + batch_size]).only(
            "pk", "title", "summary", "body", "published_at"
        )
        _write(connection, _timed_rows(batch, labeled_model=labeled_model))


# Signal receivers, connected in ArticlesConfig.ready().


def post_saved(sender, instance, raw=False, using=None, **kwargs):
    if not raw:
        index_posts([instance], using=using)


def post_deleted(sender, instance, using=None, **kwargs):
    unindex_post(instance.pk, using=using)


def labeled_post_changed(sender, instance, raw=False, using=None, **kwargs):
    if raw or instance.content_object_id in going.posts():
        return  # a post being deleted with its rows leaves the index with it
    post = Post.objects.using(using).filter(pk=instance.content_object_id).first()
    if post is not None:
        index_posts([post], using=using)


def label_saved(sender, instance, raw=False, using=None, created=False, **kwargs):
    if raw or created:
        return
    index_posts(
        Post.objects.using(using).filter(labeled_items__tag=instance), using=using
    )
