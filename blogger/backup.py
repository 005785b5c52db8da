"""
Read a Blogger export into plain records, refusing anything unsafe.

Two formats share one reader: the classic backup (kinds as `kind#post`
categories, `app:draft`, `thr:in-reply-to`) and Google Takeout's `feed.atom`
(`blogger:type`, `blogger:status`, `blogger:filename`...). The file is read
entry by entry, so memory stays flat on large blogs: `read_backup` keeps
every record (small exports, link checks), `BackupFile` checks the whole
file first and then hands its records out again as often as the import
needs them, keeping none.
"""

import csv
import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import errors as expat_errors

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _

from articles.models import Status

ATOM = "{http://www.w3.org/2005/Atom}"
APP_NAMESPACES = ("{http://purl.org/atom/app#}", "{http://www.w3.org/2007/app}")
THR = "{http://purl.org/syndication/thread/1.0}"
GD = "{http://schemas.google.com/g/2005}"
BLOGGER = "{http://schemas.google.com/blogger/2018}"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
KIND_PREFIX = "http://schemas.google.com/blogger/2008/kind#"

BLOG_ID_RE = re.compile(r"blog-(\d+)")
ITEM_ID_RE = re.compile(r"(?:^|[.:-])(?:post|page|comment)-(\d+)$")
SETTING_ID_RE = re.compile(r"\.settings\.([A-Z0-9_]+)$")
PARENT_LINK_RE = re.compile(r"/comments/default/(\d+)$")
POST_PATH_RE = re.compile(r"^/(\d{4})/(\d{2})/([^/]+)\.html$")
PAGE_PATH_RE = re.compile(r"^/p/([^/]+)\.html$")
# The parser's errors for a file that ends too early (not one made wrongly).
CUT_SHORT_ERRORS = {
    expat_errors.codes[expat_errors.XML_ERROR_NO_ELEMENTS],
    expat_errors.codes[expat_errors.XML_ERROR_UNCLOSED_TOKEN],
    expat_errors.codes[expat_errors.XML_ERROR_PARTIAL_CHAR],
}
UNBOUND_PREFIX_ERROR = expat_errors.codes[expat_errors.XML_ERROR_UNBOUND_PREFIX]
# Prefixes Blogger's exports use, with the namespaces they stand for. A file
# that uses one without declaring it is read with it declared on <feed>; any
# other unbound prefix is still refused.
WELL_KNOWN_PREFIXES = {
    "app": "http://purl.org/atom/app#",
    "thr": "http://purl.org/syndication/thread/1.0",
    "georss": "http://www.georss.org/georss",
    "gd": "http://schemas.google.com/g/2005",
    "media": "http://search.yahoo.com/mrss/",
    "openSearch": "http://a9.com/-/spec/opensearchrss/1.0/",
}
# Where the root element starts: after the XML declaration, processing
# instructions, comments and blank space (a DOCTYPE stops the search).
PROLOG_PART_RE = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
ROOT_START_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?feed"
    rb"(?P<attributes>(?:\s+[\w.:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/?>"
)
HEAD_BYTES = 64 * 1024
# Blogger's own stand-in address for authors who hid theirs.
PLACEHOLDER_EMAILS = {"noreply@blogger.com"}

PROGRESS_EVERY = 500


class BackupError(Exception):
    """The file cannot be imported; the message is one line saying why."""


@dataclass
class Author:
    name: str = ""
    email: str = ""
    uri: str = ""

    @property
    def key(self):
        return (self.name, self.email, self.uri)


@dataclass
class PostRecord:
    """A post or page as the file gives it."""

    entry: str
    kind: str  # "post" or "page"
    blogger_id: str
    title: str
    body: str
    path: str
    status: str
    published: datetime | None
    updated: datetime | None
    author: Author
    labels: list = field(default_factory=list)
    description: str = ""
    comment_total: int | None = None

    @property
    def slug(self):
        pattern = POST_PATH_RE if self.kind == "post" else PAGE_PATH_RE
        match = pattern.match(self.path)
        return match.groups()[-1] if match else ""


@dataclass
class CommentRecord:
    entry: str
    blogger_id: str
    post_id: str
    parent_id: str
    author: Author
    body: str
    published: datetime | None
    updated: datetime | None
    state: str  # "approved", "pending", "spam" or "removed"


@dataclass
class Backup:
    """Everything read from one export file, in file order."""

    format: str = ""
    blog_id: str = ""
    title: str = ""
    settings: dict = field(default_factory=dict)
    posts: list = field(default_factory=list)
    pages: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (entry, reason) pairs
    entries: int = 0
    # Well-known prefixes the file used without declaring them, read with
    # their standard namespaces: {prefix: namespace}.
    recovered_prefixes: dict = field(default_factory=dict)
    # What an import needs before it meets the records themselves: each
    # comment's id with the id of the comment it answers ("" for none), and
    # the ids of the posts and pages comments name.
    comment_parents: dict = field(default_factory=dict)
    commented: set = field(default_factory=set)
    # Reads the records of the given kinds again from the file (BackupFile);
    # None when they are kept in the lists above.
    reread: Callable | None = None

    def records(self, *kinds):
        """The posts, pages or comments (`kinds`: "post", "page", "comment")."""
        if self.reread is not None:
            return self.reread(kinds)
        lists = {"post": self.posts, "page": self.pages, "comment": self.comments}
        return (record for kind in kinds for record in lists[kind])


def entry_error(entry, reason):
    return BackupError(
        _("entry %(entry)s: %(reason)s") % {"entry": entry or "?", "reason": reason}
    )


def _text(element, tag):
    child = element.find(tag)
    if child is None or child.text is None:
        return ""
    return child.text.strip()


def _number(value):
    """The trailing number of a Blogger id, whether full (`tag:...post-12`) or bare."""
    value = (value or "").strip()
    if value.isdigit():
        return value
    match = ITEM_ID_RE.search(value)
    return match.group(1) if match else ""


def _time(value, entry, name):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise entry_error(
            entry,
            _("%(name)s time %(value)r is not a date") % {"name": name, "value": value},
        ) from None
    if moment.tzinfo is None:
        raise entry_error(
            entry,
            _("%(name)s time %(value)r has no UTC offset")
            % {"name": name, "value": value},
        )
    return moment


def _title(element):
    # Blogger escapes titles once more than Atom needs (`&amp;amp;`, `&#39;`):
    # one unescape gives the title its editor typed.
    title = element.find(ATOM + "title")
    if title is None or not title.text:
        return ""
    text = title.text
    if title.get("type") == "html":
        text = re.sub(r"<[^>]*>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _author(element):
    author = element.find(ATOM + "author")
    if author is None:
        return Author()
    email = _text(author, ATOM + "email")
    if email.lower() in PLACEHOLDER_EMAILS:
        email = ""
    return Author(
        name=_text(author, ATOM + "name"), email=email, uri=_text(author, ATOM + "uri")
    )


def _path(value, entry):
    if not value:
        return ""
    path = urlsplit(value).path if "://" in value else value.split("?")[0]
    if not path.startswith("/"):
        raise entry_error(entry, _("address %r is not a path") % value)
    return path


def _link(element, rel, type_=None):
    for link in element.findall(ATOM + "link"):
        if link.get("rel") == rel and (type_ is None or link.get("type") == type_):
            return link.get("href", "")
    return ""


def _labels(element):
    labels = []
    for category in element.findall(ATOM + "category"):
        if category.get("scheme") == KIND_SCHEME:
            continue
        term = (category.get("term") or "").strip()
        if term and term not in labels:
            labels.append(term)
    return labels


def _check_path(record):
    # Without an address (drafts, mostly) the site makes one from the title.
    if not record.path:
        return
    pattern = POST_PATH_RE if record.kind == "post" else PAGE_PATH_RE
    if not pattern.match(record.path):
        raise entry_error(
            record.entry,
            _("address %(path)s is not a Blogger %(kind)s address")
            % {"path": record.path, "kind": record.kind},
        )


class _Reader:
    """
    Reads entries into records: kept in the backup's lists (`keep`), or
    handed out through `taken()` entry by entry; only those of `kinds`.
    """

    def __init__(
        self,
        backup,
        progress,
        *,
        keep=True,
        kinds=("post", "page", "comment"),
        index=True,
    ):
        self.backup = backup
        self.progress = progress
        self.keep = keep
        self.kinds = kinds
        # A second reading of a checked file needs no index of its comments.
        self.index = index
        self.out = []

    def taken(self):
        records, self.out = self.out, []
        return records

    def entry(self, element):
        backup = self.backup
        backup.entries += 1
        if self.progress and backup.entries % PROGRESS_EVERY == 0:
            self.progress(_("Read %d entries...") % backup.entries)
        entry = _text(element, ATOM + "id")
        if not entry:
            raise entry_error(
                _("number %d") % backup.entries, _("the entry has no <id>")
            )
        if element.find(BLOGGER + "type") is not None:
            backup.format = backup.format or "takeout"
            self.takeout_entry(element, entry)
        else:
            backup.format = backup.format or "classic"
            self.classic_entry(element, entry)

    # Classic backup ---------------------------------------------------------

    def classic_entry(self, element, entry):
        kind = ""
        for category in element.findall(ATOM + "category"):
            term = category.get("term") or ""
            if category.get("scheme") == KIND_SCHEME and term.startswith(KIND_PREFIX):
                kind = term[len(KIND_PREFIX) :]
        if kind == "settings":
            match = SETTING_ID_RE.search(entry)
            if match:
                content = element.find(ATOM + "content")
                value = (content.text or "") if content is not None else ""
                self.backup.settings[match.group(1)] = value.strip()
            return
        if kind in ("post", "page"):
            if kind not in self.kinds:
                return
            draft = any(
                _text(element, "%scontrol/%sdraft" % (ns, ns)).lower() == "yes"
                for ns in APP_NAMESPACES
            )
            record = self.page_or_post(
                element,
                entry,
                kind,
                draft=draft,
                path=_path(_link(element, "alternate"), entry),
                description=_text(element, ATOM + "summary"),
            )
            total = _text(element, THR + "total")
            record.comment_total = int(total) if total.isdigit() else None
            self.add(record)
            return
        if kind == "comment":
            if "comment" not in self.kinds:
                return
            reply_to = element.find(THR + "in-reply-to")
            post_id = _number(reply_to.get("ref")) if reply_to is not None else ""
            match = PARENT_LINK_RE.search(_link(element, "related"))
            removed = any(
                prop.get("name") == "blogger.contentRemoved"
                and prop.get("value") == "true"
                for prop in element.findall(GD + "extendedProperty")
            )
            self.comment(
                element,
                entry,
                post_id=post_id,
                parent_id=match.group(1) if match else "",
                state="removed" if removed else "approved",
            )
            return
        if kind == "template":
            self.skip(entry, _("theme template (themes are not imported)"))
        else:
            self.skip(entry, _("unknown kind %r") % (kind or "none"))

    # Takeout feed.atom ------------------------------------------------------

    def takeout_entry(self, element, entry):
        kind = _text(element, BLOGGER + "type").upper()
        status = _text(element, BLOGGER + "status").upper()
        trashed = _text(element, BLOGGER + "trashed")
        if kind in ("POST", "PAGE"):
            if trashed or status in ("SOFT_TRASHED", "DELETED", "TRASHED"):
                self.skip(entry, _("in Blogger's trash"))
                return
            if status not in ("LIVE", "DRAFT", "SCHEDULED", "PUBLISHED", ""):
                raise entry_error(entry, _("unknown status %r") % status)
            if kind.lower() not in self.kinds:
                return
            record = self.page_or_post(
                element,
                entry,
                kind.lower(),
                draft=status == "DRAFT",
                path=_path(_text(element, BLOGGER + "filename"), entry),
                description=_text(element, BLOGGER + "metaDescription"),
            )
            self.add(record)
        elif kind == "COMMENT":
            if "comment" not in self.kinds:
                return
            states = {
                "LIVE": "approved",
                "PUBLISHED": "approved",
                "PENDING": "pending",
                "SPAM": "spam",
                "DELETED": "removed",
                "REMOVED": "removed",
            }
            state = "removed" if trashed else states.get(status)
            if state is None:
                raise entry_error(entry, _("unknown comment status %r") % status)
            self.comment(
                element,
                entry,
                post_id=_number(_text(element, BLOGGER + "parent")),
                parent_id=_number(_text(element, BLOGGER + "inReplyTo")),
                state=state,
            )
        else:
            self.skip(entry, _("unknown type %r") % (kind or "none"))

    # Shared -----------------------------------------------------------------

    def page_or_post(self, element, entry, kind, *, draft, path, description):
        blogger_id = _number(entry)
        if not blogger_id:
            raise entry_error(entry, _("the id has no Blogger post number"))
        published = _time(_text(element, ATOM + "published"), entry, "published")
        content = element.find(ATOM + "content")
        record = PostRecord(
            entry=entry,
            kind=kind,
            blogger_id=blogger_id,
            title=_title(element),
            body=(content.text or "") if content is not None else "",
            path=path,
            status=Status.DRAFT if draft else Status.PUBLISHED,
            published=published,
            updated=_time(_text(element, ATOM + "updated"), entry, "updated"),
            author=_author(element),
            labels=_labels(element) if kind == "post" else [],
            description=description,
        )
        if record.status == Status.PUBLISHED and published is None:
            raise entry_error(entry, _("a published %s has no publication time") % kind)
        _check_path(record)
        return record

    def add(self, record):
        if not self.keep:
            self.out.append(record)
            return
        (self.backup.posts if record.kind == "post" else self.backup.pages).append(
            record
        )

    def comment(self, element, entry, *, post_id, parent_id, state):
        blogger_id = _number(entry)
        if not blogger_id:
            raise entry_error(entry, _("the id has no Blogger comment number"))
        if not post_id:
            raise entry_error(entry, _("the comment does not say which post it is on"))
        content = element.find(ATOM + "content")
        record = CommentRecord(
            entry=entry,
            blogger_id=blogger_id,
            post_id=post_id,
            parent_id=parent_id if parent_id != blogger_id else "",
            author=_author(element),
            body=(content.text or "") if content is not None else "",
            published=_time(_text(element, ATOM + "published"), entry, "published"),
            updated=_time(_text(element, ATOM + "updated"), entry, "updated"),
            state=state,
        )
        if self.index:
            self.backup.comment_parents[record.blogger_id] = record.parent_id
            self.backup.commented.add(post_id)
        if self.keep:
            self.backup.comments.append(record)
        else:
            self.out.append(record)

    def skip(self, entry, reason):
        self.backup.skipped.append((entry, reason))


def _not_well_formed(error, last_entry):
    where = _(" after entry %s") % last_entry if last_entry else _(" before any entry")
    if error.code in CUT_SHORT_ERRORS:
        message = _(
            "not well-formed XML%(where)s (the file may be cut short): %(error)s"
        )
    else:
        message = _("not well-formed XML%(where)s: %(error)s")
    return BackupError(message % {"where": where, "error": error})


def read_backup(source, progress=None):
    """
    Read a Blogger export (a path or a binary file object) into a `Backup`.

    Raise `BackupError` with a one-line reason for a file that is not a
    well-formed Blogger export, declares a DTD (no entity expansion, no
    external entities), or has an entry that cannot be understood.

    A file that uses Blogger's well-known prefixes (`WELL_KNOWN_PREFIXES`)
    without declaring them is read once more with them declared on its root
    element, under the same refusals; `Backup.recovered_prefixes` says which.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as opened:
            return read_backup(opened, progress)
    seekable = getattr(source, "seekable", None)
    start = source.tell() if seekable and seekable() else None
    try:
        return _read(source, progress)
    except _Unbound as unbound:
        if start is None:
            raise unbound.error from None
        source.seek(start)
        head = source.read(HEAD_BYTES)
        spliced = _declare_prefixes(head)
        if spliced is None:
            raise unbound.error from None
        head, declared = spliced
        try:
            return _read(_Spliced(head, source), progress, declared)
        except _Unbound as again:
            raise again.error from None


class BackupFile:
    """
    A Blogger export on disk, for an import of any size: `scan()` reads it
    whole once, refusing it as `read_backup` would and keeping only its
    settings and what the import must know beforehand (`Backup`), and the
    import then reads the records it needs again, in file order, one entry
    at a time (`Backup.records`), so memory does not grow with the file.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.spliced = False

    def scan(self, progress=None):
        with open(self.path, "rb") as source:
            try:
                backup = _read(source, progress, keep=False)
            except _Unbound as unbound:
                source.seek(0)
                spliced = _declare_prefixes(source.read(HEAD_BYTES))
                if spliced is None:
                    raise unbound.error from None
                head, declared = spliced
                try:
                    backup = _read(
                        _Spliced(head, source), progress, declared, keep=False
                    )
                except _Unbound as again:
                    raise again.error from None
                self.spliced = True
        backup.reread = self.records
        return backup

    def records(self, kinds):
        """The file's records of `kinds` ("post", "page", "comment"), read again."""
        with open(self.path, "rb") as source:
            declared = None
            if self.spliced:
                head, declared = _declare_prefixes(source.read(HEAD_BYTES))
                source = _Spliced(head, source)
            reader = _Reader(Backup(), None, keep=False, kinds=kinds, index=False)
            try:
                yield from _parse(source, reader, declared)
            except _Unbound as unbound:
                raise unbound.error from None


class _Unbound(Exception):
    """The parser met a prefix nobody declared (`error` is the refusal)."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class _Spliced:
    """A binary file whose first bytes are `head` and the rest read from `rest`."""

    def __init__(self, head, rest):
        self.head, self.rest = head, rest

    def read(self, size=-1):
        if not self.head:
            return self.rest.read(size)
        if size is None or size < 0:
            data, self.head = self.head + self.rest.read(), b""
        else:
            data, self.head = self.head[:size], self.head[size:]
        return data


def _declare_prefixes(head):
    """
    `head` with the well-known prefixes its root element does not declare
    declared on it, and those prefixes as `{prefix: namespace}`; None when the
    root element cannot be found in `head` (or the file is not UTF-8 or ASCII).
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
        return None
    position = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while match := PROLOG_PART_RE.match(head, position):
        position = match.end()
    root = ROOT_START_RE.match(head, position)
    if root is None:
        return None
    attributes = root.group("attributes")
    declared = {
        prefix: namespace
        for prefix, namespace in WELL_KNOWN_PREFIXES.items()
        if not re.search(rb"\bxmlns:%s\s*=" % prefix.encode(), attributes)
    }
    if not declared:
        return None
    text = b"".join(
        b' xmlns:%s="%s"' % (prefix.encode(), namespace.encode())
        for prefix, namespace in declared.items()
    )
    at = root.start("attributes")
    return head[:at] + text + head[at:], declared


def _read(source, progress, declared=None, *, keep=True):
    """
    Read `source` to its end; with `declared`, note which of those prefixes
    the file used. Without `keep` every entry is checked and indexed, and
    its record dropped.
    """
    backup = Backup()
    for _record in _parse(source, _Reader(backup, progress, keep=keep), declared):
        pass
    return backup


def _parse(source, reader, declared=None):
    """Yield the records `reader` hands out (none when it keeps them), entry by entry."""
    backup, progress = reader.backup, reader.progress
    watched = {
        "{%s}" % namespace: prefix for prefix, namespace in (declared or {}).items()
    }
    depth = 0
    root = None
    last_entry = ""
    try:
        for event, element in iterparse(
            source,
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        ):
            if event == "start":
                depth += 1
                if watched:
                    for name in (element.tag, *element.attrib):
                        if name.startswith("{"):
                            namespace = name[: name.index("}") + 1]
                            if namespace in watched:
                                prefix = watched[namespace]
                                backup.recovered_prefixes[prefix] = namespace[1:-1]
                if root is None:
                    root = element
                    if element.tag != ATOM + "feed":
                        raise BackupError(
                            _(
                                "not a Blogger export: the root element is <%s>, "
                                "not an Atom <feed>"
                            )
                            % element.tag.rsplit("}", 1)[-1]
                        )
                continue
            depth -= 1
            if depth != 1:
                continue
            if element.tag == ATOM + "entry":
                reader.entry(element)
                last_entry = _text(element, ATOM + "id") or last_entry
                root.remove(element)
                yield from reader.taken()
            elif element.tag == ATOM + "id":
                match = BLOG_ID_RE.search(element.text or "")
                backup.blog_id = match.group(1) if match else ""
            elif element.tag == ATOM + "title":
                backup.title = _title(root)
    except DefusedXmlException as error:
        raise BackupError(
            _(
                "refused: the file declares a DTD or entities (%s); Blogger "
                "exports never do, and expanding them is unsafe"
            )
            % type(error).__name__
        ) from None
    except ParseError as error:
        refusal = _not_well_formed(error, last_entry)
        if error.code == UNBOUND_PREFIX_ERROR:
            raise _Unbound(refusal) from None
        raise refusal from None
    if root is None:
        raise BackupError(_("the file is empty"))
    if progress:
        progress(_("Read %d entries.") % backup.entries)


def read_takeout_settings(path, backup):
    """
    Merge the `settings.csv` Takeout puts beside `feed.atom` (columns such as
    `blog_name`, `blog_comment_moderation`, `blog_time_zone`) into the backup.
    """
    with open(path, newline="", encoding="utf-8-sig") as lines:
        for row in csv.DictReader(lines):
            for key, value in row.items():
                if key and value is not None:
                    backup.settings.setdefault(key.strip().upper(), value.strip())
            break
