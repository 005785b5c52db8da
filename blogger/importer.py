"""
Save a Blogger export (`blogger.backup.Backup`, kept in memory or read
again from its file) in one transaction.

Everything is matched on the Blogger id, so a second run updates what
changed and leaves the rest alone; a dry run does the same work and rolls it
back. Any error rolls back everything and names the entry: a file refused
halfway leaves the site as it was, however much was written before.

Records come BATCH_SIZE at a time and each batch reads what is here already
in one query, so memory follows the batch, not the blog. New posts go in
through the publishing service's bulk path (`publishing.create_many`), their
labels and search rows with them; each is checked, its address too, before
it waits for its batch. Posts already here are updated one by one
(`publishing.save_post`), as are pages, which are few. Comments are read
twice, threads' first comments before replies, and written in bulk.
"""

import csv
import html
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from anyascii import anyascii
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles import counts, publishing, purges, search
from articles.models import Label, LabeledPost, Page, Post, SiteSettings, Status
from articles.sanitize import sanitize_html
from articles.text import html_to_text, make_excerpt
from comments.models import Comment, CommentSettings
from comments.pages import comment_tags
from newsroom.sequences import reset_sequences
from pagecache import store

from .backup import POST_PATH_RE, BackupError, CommentRecord, entry_error
from .images import ImageImporter, delete_new_files

PROGRESS_EVERY = 500
# Records per batch: new posts per call of the publishing service's bulk
# path, comments per bulk insert. From publishing.COPY_FROM rows a batch is
# written by PostgreSQL's COPY; a batch of 2,000 posts holds a few MB.
BATCH_SIZE = 2000
# Past this many posts, pages and comments changed, an import purges every
# cached page rather than each one's tag (`_Saver.purge`).
PURGE_ALL_OVER = 1000
# What an import writes on a comment that is here already.
COMMENT_FIELDS = [
    "post",
    "page",
    "parent",
    "name",
    "email",
    "text",
    "status",
    "created_at",
]


def body_as_saved(value):
    """The body `Post.save()` and `Page.save()` would store for `value`."""
    try:
        from articles.body_images import responsive_body_images
    except ImportError:
        return sanitize_html(value)
    return responsive_body_images(sanitize_html(value))


ANONYMOUS = "Anonymous"
# Blogger titles a comment with its first 50 characters or so; an untitled
# post or page is titled the same way here, where a title is required.
UNTITLED_LENGTH = 50


def title_for(record):
    """The record's title, or the start of its text when Blogger had none."""
    if record.title:
        return record.title[:300]
    text = make_excerpt(html_to_text(sanitize_html(record.body)), UNTITLED_LENGTH)
    return text or record.slug.replace("-", " ") or _("Untitled")


@dataclass
class Tally:
    in_file: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, action):
        setattr(self, action, getattr(self, action) + 1)


@dataclass
class Report:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool = False
    tallies: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)  # one line per created/updated item
    skipped: list = field(default_factory=list)  # (entry or file, reason)
    notes: list = field(default_factory=list)

    def tally(self, name):
        return self.tallies.setdefault(name, Tally())

    def change(self, action, kind, what):
        self.tally(kind).add(action)
        if action != "unchanged":
            self.changes.append("%s %s %s" % (action, kind, what))


def read_author_map(lines):
    """
    `{key: username}` from CSV lines `KEY,USERNAME`, KEY being a Blogger
    author's name, e-mail or profile address (matched case-insensitively).
    A first line `blogger,username` is a header.
    """
    mapping = {}
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise BackupError(
                _("author map line %d: expected two columns, KEY,USERNAME") % number
            )
        key, username = row[0].strip(), row[1].strip()
        if number == 1 and username.lower() == "username":
            continue
        mapping[key.casefold()] = username
    return mapping


def comment_text(body):
    """A comment's HTML from Blogger as the plain text our comments keep."""

    def link(match):
        href, label = html.unescape(match.group(1)), match.group(2)
        label_text = html.unescape(re.sub(r"<[^>]*>", "", label)).strip()
        if not label_text or label_text == href:
            return href
        return "%s (%s)" % (label_text, href)

    text = re.sub(
        r"""<a\b[^>]*\bhref\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a>""",
        link,
        body or "",
        flags=re.IGNORECASE | re.DOTALL,
    )
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"</p\s*>", "\n\n", text, flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _same_zone(name_a, name_b):
    """Whether two zone names keep the same clock (`Asia/Calcutta` is `Asia/Kolkata`)."""
    try:
        a, b = ZoneInfo(name_a), ZoneInfo(name_b)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    year = timezone.now().year
    moments = [datetime(year, month, 1, 12) for month in (1, 4, 7, 10)]
    return all(
        m.replace(tzinfo=a).utcoffset() == m.replace(tzinfo=b).utcoffset()
        for m in moments
    )


def _known_zone(name):
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@contextmanager
def entry_errors(entry):
    """Turn a database or validation refusal into a one-line reason naming the entry."""
    try:
        yield
    except BackupError:
        raise
    except (DatabaseError, ValidationError, ValueError) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise entry_error(entry, reason) from None


class _Saver:
    def __init__(self, backup, report, *, author_map, media_dir, progress, stored):
        self.backup = backup
        self.report = report
        self.author_map = author_map or {}
        self.progress = progress
        self.users = {}
        self.images = (
            ImageImporter(media_dir, dry_run=report.dry_run, stored_names=stored)
            if media_dir
            else None
        )
        self.saved = 0
        self.untitled = 0
        # The posts of the batch being saved that are here already (`posts`);
        # pages, which are few, all at once.
        self.posts_by_id = {}
        self.pages_by_id = {
            page.blogger_id: page for page in Page.objects.exclude(blogger_id="")
        }
        self.commented_ids = backup.commented
        # Which post holds each post address of the batch (see `owner_of`).
        self.owners = {}
        self.labels_by_name = {}
        # Label names on the file's posts: {name: [uses, first seen]}, on
        # all of them and on the published ones (`site_labels`).
        self.label_uses = {}
        self.published_label_uses = {}
        # New posts waiting for the bulk path: (record, post, labels), in
        # file order; and the cached pages the inserted ones change.
        self.waiting = []
        self.purge_tags = set()

    def count_existing(self, kind, in_file, created=None):
        """Labels and authors are only created: the others were here already."""
        tally = self.report.tally(kind)
        tally.in_file = in_file
        if created is not None:
            tally.created = created
        tally.unchanged = in_file - tally.created

    def tick(self):
        self.saved += 1
        if self.progress and self.saved % PROGRESS_EVERY == 0:
            self.progress(_("Saved %d items...") % self.saved)

    def run(self):
        # New posts' search rows: on PostgreSQL the server indexes a batch
        # while the next one is read (search.BulkIndexer).
        with search.BulkIndexer() as self.index:
            self.save_all()

    def save_all(self):
        self.settings()
        labels_before = Label.objects.count()
        self.start_comments()
        # One reading for the posts, pages and threads' first comments: in
        # Blogger's order (posts, pages, then comments) every comment finds
        # its post saved. The replies, and any first comment that came
        # before its post, wait for a second reading (`comments`).
        posts, pages, comments = [], [], []
        number = 0  # of the comment, in file order
        first_comment = True
        for record in self.backup.records("post", "page", "comment"):
            if isinstance(record, CommentRecord):
                number += 1
                if self.thread_root(record) is not None:
                    continue
                if first_comment:
                    first_comment = False
                    self.posts(posts)
                    self.pages(pages)
                    posts, pages = [], []
                comments.append((number, record))
                if len(comments) == BATCH_SIZE:
                    self.comment_batch(comments, later=self.deferred)
                    comments = []
            elif record.kind == "page":
                pages.append(record)
            else:
                posts.append(record)
                if len(posts) == BATCH_SIZE:
                    self.posts(posts)
                    posts = []
        self.posts(posts)
        self.pages(pages)
        self.comment_batch(comments, later=self.deferred)
        del posts, pages, comments
        self.count_existing(
            "labels",
            len(self.label_uses),
            created=Label.objects.count() - labels_before,
        )
        self.comments()
        self.site_labels()
        if self.purge_tags:
            # The bulk path sends no signals: what they would purge, once
            # (`lists` among them ends the related lists too).
            self.purge()
        if self.untitled:
            self.report.notes.append(
                ngettext(
                    "%d post or page had no title on Blogger; it is titled with "
                    "the start of its text.",
                    "%d posts and pages had no title on Blogger; each is titled "
                    "with the start of its text.",
                    self.untitled,
                )
                % self.untitled
            )
        authors = {user.pk for user in self.users.values() if user is not None}
        self.count_existing("authors", len(authors))
        if self.images is not None:
            self.report.tally("images").created = self.images.created
            self.report.tally("images").unchanged = self.images.reused
            self.report.tally("images").in_file = len(self.images.index)
            self.report.skipped.extend(self.images.skipped)
            self.report.notes.append(
                ngettext(
                    "%d image address now points to the image library.",
                    "%d image addresses now point to the image library.",
                    self.images.rewritten,
                )
                % self.images.rewritten
            )
            missing = self.images.sizes_not_served()
            if missing:
                self.report.notes.append(
                    _(
                        "Bodies now ask for image sizes the site does not make: "
                        "%s. Add them to NEWSROOM_IMAGE_SIZES."
                    )
                    % ", ".join(missing)
                )
        self.report.skipped[:0] = self.backup.skipped

    def purge(self):
        """
        Purge the cached pages showing what the import changed, in one go.
        Past PURGE_ALL_OVER items (`post:12`...) every page goes instead (a
        new generation, one cache write rather than a write per item), and
        the shared tags (`lists`, labels...) still end what is kept by their
        versions alone.
        """
        tags = sorted(self.purge_tags)
        items = [tag for tag in tags if tag.rpartition(":")[2].isdigit()]
        if len(items) <= PURGE_ALL_OVER:
            store.purge_tags(tags)
            return
        store.purge_tags(sorted(set(tags) - set(items)))
        store.purge_now_and_on_commit()

    # Settings ---------------------------------------------------------------

    def settings(self):
        """
        The blog's title, description, id and time zone, then its comment
        moderation: each one the file gives is one setting of the summary's
        settings row, updated or unchanged.
        """
        backup, values = self.backup, self.backup.settings
        site, _created = SiteSettings.objects.get_or_create(pk=1)
        wanted = []
        name = values.get("BLOG_NAME") or backup.title
        if name:
            wanted.append(("name", _("blog title"), name[:100]))
        if "BLOG_DESCRIPTION" in values:
            wanted.append(
                ("tagline", _("description"), values["BLOG_DESCRIPTION"][:200])
            )
        if backup.blog_id:
            wanted.append(("blog_id", _("blog id"), backup.blog_id))
        changed = []
        for field_name, what, value in wanted:
            self.report.tally("settings").in_file += 1
            if getattr(site, field_name) == value:
                self.report.change("unchanged", "settings", what)
            else:
                setattr(site, field_name, value)
                changed.append(what)
        if changed:
            site.save()
            for what in changed:
                self.report.change("updated", "settings", what)
        self.comment_settings(values)
        zone = values.get("BLOG_TIME_ZONE")
        if zone:
            self.report.tally("settings").in_file += 1
        if zone and not _known_zone(zone):
            self.report.change("unchanged", "settings", _("time zone"))
            self.report.notes.append(
                _("Blogger's time zone %r is not a known zone name.") % zone
            )
        elif zone:
            current = site.time_zone or settings.TIME_ZONE
            if _same_zone(zone, current):
                self.report.change("unchanged", "settings", _("time zone"))
            else:
                site.time_zone = zone
                site.save()
                self.report.change("updated", "settings", _("time zone"))
                self.report.notes.append(
                    _(
                        "Blogger's time zone is %(blog)s and this site ran on "
                        "%(site)s: the site now shows dates and archives in %(blog)s "
                        "(Site settings, time zone)."
                    )
                    % {"blog": zone, "site": current}
                )

    def count_labels(self, record):
        """Count the uses of the record's labels, for `site_labels`."""
        names = dict.fromkeys(n.strip() for n in record.labels if n.strip())
        places = [self.label_uses]
        if record.status == Status.PUBLISHED:
            places.append(self.published_label_uses)
        for uses in places:
            for name in names:
                uses.setdefault(name, [0, len(uses)])[0] += 1

    def site_labels(self):
        """
        The home page's featured label and home labels, when the imported
        blog has no such label, become its most-used labels (on its published
        posts, or all its posts when none is published). A label the blog
        has is kept, so an editor's choice stands on every re-import.
        """
        uses = self.published_label_uses or self.label_uses
        counts = {name: count for name, (count, _first) in uses.items() if count}
        if not counts:
            return
        ranked = sorted(counts, key=lambda name: (-counts[name], uses[name][1]))
        site = SiteSettings.objects.get(pk=1)
        featured = site.featured_label.strip()
        if featured not in counts:
            featured = ranked[0]
        chosen = site.home_label_names
        spare = (n for n in ranked if n != featured and n not in chosen)
        homes = []
        for name in chosen:
            name = name if name in counts else next(spare, None)
            if name is not None and name not in homes:
                homes.append(name)
        home_labels = ", ".join(homes)
        if (featured, home_labels) == (site.featured_label, site.home_labels):
            return
        if len(home_labels) > type(site)._meta.get_field("home_labels").max_length:
            return
        old = (site.featured_label, site.home_labels)
        site.featured_label, site.home_labels = featured, home_labels
        site.save()
        if featured != old[0]:
            self.report.changes.append(
                "updated site labels featured label: %s" % featured
            )
            self.report.notes.append(
                _(
                    "The featured label %(old)r is not a label of this blog: the "
                    "home page now features %(new)r, its most-used label (Site "
                    "settings)."
                )
                % {"old": old[0], "new": featured}
            )
        if home_labels != old[1]:
            self.report.changes.append(
                "updated site labels home labels: %s" % home_labels
            )
            self.report.notes.append(
                _(
                    "Home labels this blog does not have were replaced by its "
                    "most-used labels: the home page now shows %s (Site settings)."
                )
                % home_labels
            )

    def comment_settings(self, values):
        mode = values.get("BLOG_COMMENT_MODERATION", "").upper()
        if not mode:
            return
        self.report.tally("settings").in_file += 1
        Moderation = CommentSettings.Moderation
        if mode in ("ALWAYS", "ENABLED", "TRUE", "YES", "ON"):
            moderation = Moderation.ALWAYS
        elif mode in ("NEVER", "DISABLED", "FALSE", "NO", "OFF", "NONE"):
            moderation = Moderation.NEVER
        elif any(word in mode for word in ("DAY", "OLDER", "SOMETIMES", "AFTER")):
            moderation = Moderation.OLDER
        else:
            self.report.notes.append(
                _("Comment moderation %r was not understood and is left as it was.")
                % mode
            )
            self.report.change("unchanged", "settings", _("comment moderation"))
            return
        current = CommentSettings.objects.filter(pk=1).first() or CommentSettings(pk=1)
        before = (current.moderation, current.moderation_days)
        current.moderation = moderation
        delay = re.search(
            r"\d+",
            values.get("BLOG_COMMENT_MODERATION_DELAY")
            or values.get("BLOG_COMMENT_MODERATION_DAYS", ""),
        )
        if moderation == Moderation.OLDER and delay:
            current.moderation_days = min(int(delay.group()), 32767)
        if (
            current.moderation,
            current.moderation_days,
        ) != before or current._state.adding:
            current.save()
            self.report.change(
                "updated", "settings", _("comment moderation: %s") % current.moderation
            )
        else:
            self.report.change("unchanged", "settings", _("comment moderation"))

    # Authors ----------------------------------------------------------------

    def user_for(self, author):
        if not (author.name or author.email or author.uri):
            return None
        if author.key in self.users:
            return self.users[author.key]
        User = get_user_model()
        username = None
        for key in (author.name, author.email, author.uri):
            if key and key.casefold() in self.author_map:
                username = self.author_map[key.casefold()]
                break
        user = None
        if username is None and author.email:
            user = User.objects.filter(email__iexact=author.email).first()
        if user is None:
            if username is None:
                username = slugify(anyascii(author.name or author.email.split("@")[0]))
                username = (username or "blogger-author")[:150]
            user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                email=author.email,
                first_name=(author.name or "")[:150],
            )
            user.set_unusable_password()
            user.save()
            self.report.change("created", "authors", username)
        self.users[author.key] = user
        return user

    # Posts and pages --------------------------------------------------------

    def posts(self, batch):
        """
        Save a batch of post records: the posts already here read in one
        query (their labels in one more), the new ones inserted together.
        """
        if not batch:
            return
        ids = {record.blogger_id for record in batch}
        self.posts_by_id = {
            post.blogger_id: post
            for post in Post.objects.filter(blogger_id__in=ids).prefetch_related(
                Prefetch(
                    "labeled_items",
                    queryset=LabeledPost.objects.select_related("tag").order_by(
                        "position", "id"
                    ),
                    to_attr="ordered_labeled_items",
                )
            )
        }
        self.owners = self.read_owners(batch)
        for record in batch:
            with entry_errors(record.entry):
                waits = self.post(record)
            self.count_labels(record)
            if not waits:
                self.tick()
            elif len(self.waiting) >= BATCH_SIZE:
                self.flush()
        self.flush()

    def body(self, record):
        body = record.body
        if self.images is not None:
            body = self.images.rewrite(body)
        return body

    def post(self, record):
        report = self.report
        report.tally("posts").in_file += 1
        if record.status == Status.DRAFT:
            report.tally("drafts").in_file += 1
        elif record.published and record.published > timezone.now():
            report.tally("scheduled").in_file += 1
        return self.entry(record, "posts")

    def pages(self, records):
        for record in records:
            with entry_errors(record.entry):
                self.page(record)
            self.tick()

    def page(self, record):
        self.report.tally("pages").in_file += 1
        self.entry(record, "pages")

    def entry(self, record, kind):
        """
        Create or update one post or page (`kind`: "posts" or "pages") from
        `record`, keeping its Blogger address; unchanged ones are left alone.
        True when a new post waits for its batch (`flush`) to be saved.
        """
        is_post = kind == "posts"
        model = Post if is_post else Page
        known = self.posts_by_id if is_post else self.pages_by_id
        obj = known.get(record.blogger_id)
        if obj is not None and obj.pk is None:
            # The id came earlier in the file and that post is still waiting.
            self.flush()
        adding = obj is None
        if adding:
            # Blogger's id becomes its public id (ContentId.give); one that
            # another post or page here has is the entry's error, naming it.
            obj = known[record.blogger_id] = model(blogger_id=record.blogger_id)
            if not is_post:
                # Pages start with comments closed here; one that has comments
                # on Blogger had them open there.
                obj.comments_open = record.blogger_id in self.commented_ids
        fields = {
            "title": title_for(record),
            "body": self.body(record),
            "status": record.status,
            "published_at": record.published
            if record.status == Status.PUBLISHED
            else None,
            "author": self.user_for(record.author),
        }
        if is_post:
            fields["seo_description"] = record.description[:300]
        fields.update(self.address(record, obj))
        labels = self.labels(record) if is_post else None
        if not adding and self.unchanged(obj, fields, labels, record.updated):
            self.report.change("unchanged", kind, record.path or record.entry)
            if is_post:
                self.tally_kind(record, obj, "unchanged")
            return False
        was = publishing.state_of(obj)
        address_before = obj.permalink if is_post else None
        for name, value in fields.items():
            setattr(obj, name, value)
        self.untitled += not record.title  # said only when it is written
        # A new post whose address is known, or which has none yet, takes the
        # bulk path; one whose address is made from its title is saved now.
        waits = (
            is_post
            and adding
            and (bool(obj.permalink) or obj.status != Status.PUBLISHED)
        )
        if waits:
            self.wait(record, obj, labels)
        elif is_post:
            if obj.status == Status.PUBLISHED and not obj.permalink:
                # Its address is made now, clear of the waiting posts' too.
                self.flush()
            publishing.save_post(post=obj, user=None, was=was)
            obj.set_labels(labels)
            # Read again if the same id comes back in this batch.
            obj.__dict__.pop("ordered_labeled_items", None)
            self.moved(obj, address_before)
        else:
            obj.save()
        if not waits:
            stamp_updated([(obj, record.updated or timezone.now())])
        action = "created" if adding else "updated"
        if is_post:
            self.report.change(action, kind, obj.permalink or record.entry)
            self.tally_kind(record, obj, action)
        else:
            self.report.change(action, kind, obj.get_absolute_url())
        return waits

    def address(self, record, obj):
        """The fields that keep the entry's Blogger address, once checked as free."""
        if isinstance(obj, Post):
            if not record.path:
                return {}
            slug = POST_PATH_RE.match(record.path).group(3)
            taken = {"permalink": record.path}
            fields = {"slug": slug, "permalink": record.path}
        else:
            if not record.slug:
                return {}
            slug = record.slug
            taken = fields = {"slug": slug}
        if len(slug) > type(obj)._meta.get_field("slug").max_length:
            raise entry_error(record.entry, _("the address is too long to keep"))
        if isinstance(obj, Post):
            owner = self.owner_of(record.path)
            if owner is None or owner == obj.pk:
                return fields
            other = Post.objects.get(pk=owner)
        else:
            other = type(obj).objects.filter(**taken).exclude(pk=obj.pk).first()
        if other is None:
            return fields
        if isinstance(obj, Post):
            message = _(
                "the address %(path)s already belongs to post #%(pk)d “%(title)s”"
            )
        else:
            message = _(
                "the address %(path)s already belongs to page #%(pk)d “%(title)s”"
            )
        raise entry_error(
            record.entry,
            message % {"path": record.path, "pk": other.pk, "title": other.title},
        )

    def read_owners(self, records):
        """
        `{address: post id or None}` for the post addresses of `records`, read
        in one query per BATCH_SIZE of them.
        """
        paths = list(dict.fromkeys(record.path for record in records if record.path))
        owners = dict.fromkeys(paths)
        for start in range(0, len(paths), BATCH_SIZE):
            owners.update(
                Post.objects.filter(
                    permalink__in=paths[start : start + BATCH_SIZE]
                ).values_list("permalink", "pk")
            )
        return owners

    def owner_of(self, path):
        """
        The id of the post at `path`, or None: what the database would say,
        the waiting posts saved first. `moved` and `flush` keep `owners`
        current as the import saves.
        """
        if path not in self.owners:
            self.owners[path] = (
                Post.objects.filter(permalink=path).values_list("pk", flat=True).first()
            )
        owner = self.owners[path]
        if isinstance(owner, Post):
            # A waiting post: saved now, so the refusal can name it.
            self.flush()
            owner = self.owners[path]
        return owner

    def moved(self, post, address_before):
        """After `post` was saved one by one: its address is its own, an old one free."""
        if post.permalink == address_before:
            return
        if address_before and self.owners.get(address_before) == post.pk:
            self.owners[address_before] = None
        if post.permalink:
            self.owners[post.permalink] = post.pk

    def label_for(self, name):
        """The label called `name`, made when new (as `Post.set_labels` does)."""
        label = self.labels_by_name.get(name)
        if label is None:
            label = Label.objects.filter(name=name).first()
            if label is None:
                label = Label.objects.create(name=name)
            self.labels_by_name[name] = label
        return label

    def wait(self, record, post, names):
        """
        Check the new `post` as the bulk path will and queue it for its
        batch, with its labels (made now, in file order, as before).
        """
        publishing.check_move(
            post=post,
            user=None,
            was=publishing.State.NEW,
            to=publishing.state_after(post.status, post.published_at),
        )
        names = list(dict.fromkeys(name.strip() for name in names if name.strip()))
        labels = list(
            {label.pk: label for label in map(self.label_for, names)}.values()
        )
        self.waiting.append((record, post, labels))
        if post.permalink:
            self.owners[post.permalink] = post

    def flush(self):
        """
        Save the waiting new posts with one call of the publishing service's
        bulk path, then their labels (one bulk insert), Blogger's update
        times and their search rows. When the database refuses the batch,
        its posts are saved one at a time, so the refusal names the entry.
        """
        if not self.waiting:
            return
        batch, self.waiting = self.waiting, []
        posts = [post for _record, post, _labels in batch]
        try:
            publishing.create_many(posts, user=None, batch_size=BATCH_SIZE)
        except (DatabaseError, ValidationError, ValueError):
            for post in posts:
                post.pk, post._state.adding = None, True
            for record, post, _labels in batch:
                with entry_errors(record.entry):
                    publishing.create_many([post], user=None)
        stamp_updated([(post, record.updated) for record, post, _labels in batch])
        rows = [
            LabeledPost(content_object_id=post.pk, tag=label, position=position)
            for _record, post, labels in batch
            for position, label in enumerate(labels)
        ]
        publishing.insert_rows(LabeledPost, rows)
        self.index.add(posts)
        for post in posts:
            if post.permalink:
                self.owners[post.permalink] = post.pk
            self.purge_tags.update(purges.post_tags(post))
            self.tick()
        for row in rows:
            self.purge_tags.update(purges.labeled_post_tags(row))

    def labels(self, record):
        longest = Label._meta.get_field("name").max_length
        for name in record.labels:
            if len(name) > longest:
                raise entry_error(
                    record.entry,
                    _("label %(name)r is longer than %(max)d characters")
                    % {"name": name[:30] + "…", "max": longest},
                )
        return record.labels

    def tally_kind(self, record, post, action):
        """Count a draft or a scheduled post in its own row as well."""
        if record.status == Status.DRAFT:
            self.report.tally("drafts").add(action)
        elif post.is_scheduled():
            self.report.tally("scheduled").add(action)

    def unchanged(self, obj, fields, labels, updated):
        for name, value in fields.items():
            if name == "body":
                value = body_as_saved(value)
            if name == "author":
                if obj.author_id != (value.pk if value else None):
                    return False
                continue
            if getattr(obj, name) != value:
                return False
        if labels is not None and [label.name for label in obj.label_list] != labels:
            return False
        return updated is None or obj.updated_at == updated

    # Comments ---------------------------------------------------------------

    def start_comments(self):
        self.parents = self.backup.comment_parents
        # The saved comments replies may need: {blogger id: (pk, post, page)}.
        self.answered = set(self.parents.values())
        self.roots = {}
        # First comments met before their post or page, by number in file
        # order.
        self.deferred = set()
        self.report.tally("comments")
        imported = Q(post__blogger_id__gt="") | Q(page__blogger_id__gt="")
        self.imported_comments = Comment.objects.exclude(blogger_id="").filter(imported)

    def comments(self):
        """
        The comments the first reading left: threads' first comments that
        came before their post or page, then the replies, so every reply
        finds its thread's first comment saved. Comments on posts and on
        pages are both rows of "comments".
        """
        readings = []
        if self.deferred:
            readings.append(lambda number, record: number in self.deferred)
        if any(self.parents.values()):
            readings.append(lambda number, record: self.thread_root(record) is not None)
        for wanted in readings:
            batch = []
            records = self.backup.records("comment")
            for number, record in enumerate(records, start=1):
                if not wanted(number, record):
                    continue
                batch.append((number, record))
                if len(batch) == BATCH_SIZE:
                    self.comment_batch(batch)
                    batch = []
            self.comment_batch(batch)

    def thread_root(self, record):
        """
        The id of the first comment of the record's thread, or None for a
        first comment (our threads are two levels).
        """
        parents = self.parents
        seen = {record.blogger_id}
        current, parent = record.blogger_id, record.parent_id
        while parent and parent in parents:
            if parent in seen:
                raise entry_error(record.entry, _("its replies form a loop"))
            seen.add(parent)
            current, parent = parent, parents[parent]
        return None if current == record.blogger_id else current

    def comment_batch(self, batch, later=None):
        """
        Save a batch of comment records, `(number, record)` pairs: their
        posts and the comments here already read in one query each, the new
        ones inserted together and the changed ones updated together. One
        whose post or page is not here is skipped, or with `later` (a set)
        its number is put there, to be saved after the posts that follow.
        """
        if not batch:
            return
        # Blogger numbers posts and pages in one series: a comment names either.
        targets = {bid: page for bid, page in self.pages_by_id.items() if page.pk}
        targets.update(
            Post.objects.filter(
                blogger_id__in={record.post_id for _n, record in batch}
            ).values_list("blogger_id", "pk")
        )
        existing = {
            (comment.post_id, comment.page_id, comment.blogger_id): comment
            for comment in self.imported_comments.filter(
                blogger_id__in={record.blogger_id for _n, record in batch}
            )
        }
        tally = self.report.tally("comments")
        written = []  # (record, comment, action)
        for number, record in batch:
            target = targets.get(record.post_id)
            if target is None and later is not None:
                later.add(number)
                continue
            tally.in_file += 1
            if target is None:
                reason = _("its post or page %s is not in the file") % record.post_id
                self.report.skipped.append((record.entry, reason))
                continue
            if isinstance(target, Page):
                fields = {"post_id": None, "page_id": target.pk}
                # Their own row too, as drafts are counted under posts.
                self.report.tally("page comments").in_file += 1
            else:
                fields = {"post_id": target, "page_id": None}
            root = self.thread_root(record)
            parent = None
            orphan = False
            if root is not None:
                parent = self.roots.get(root)
                if parent is None or parent[1:] != (
                    fields["post_id"],
                    fields["page_id"],
                ):
                    self.report.skipped.append(
                        (record.entry, _("its thread could not be imported"))
                    )
                    continue
            elif record.parent_id:
                orphan = True
                self.report.tally("orphan comments").in_file += 1
                self.report.notes.append(
                    _(
                        "Comment %s answers a comment missing from the file; kept as a new thread."
                    )
                    % record.entry
                )
            key = (fields["post_id"], fields["page_id"], record.blogger_id)
            with entry_errors(record.entry):
                comment, action = self.comment(
                    record, fields, parent, existing.get(key)
                )
            written.append((record, comment, action))
            if fields["page_id"] is not None:
                self.report.tally("page comments").add(action)
            if orphan:
                self.report.tally("orphan comments").add(action)
        self.save_comments(written)
        for record, comment, action in written:
            if record.blogger_id in self.answered:
                self.roots[record.blogger_id] = (
                    comment.pk,
                    comment.post_id,
                    comment.page_id,
                )
            self.report.change(action, "comments", record.entry)
            self.tick()

    def save_comments(self, written):
        """
        Insert the new comments of a batch in one statement and update the
        changed ones in another; when the database refuses one, they are
        saved one at a time, so the refusal names the entry. Their cached
        pages are purged once, at the end of the import.
        """
        new = [comment for _r, comment, action in written if action == "created"]
        changed = [comment for _r, comment, action in written if action == "updated"]
        try:
            with transaction.atomic():
                publishing.insert_rows(Comment, new)
                Comment.objects.bulk_update(
                    changed, COMMENT_FIELDS, batch_size=BATCH_SIZE
                )
        except (DatabaseError, ValidationError, ValueError):
            for comment in new:
                comment.pk, comment._state.adding = None, True
            for record, comment, action in written:
                if action != "unchanged":
                    with entry_errors(record.entry):
                        comment.save()
        for _record, comment, action in written:
            if action != "unchanged":
                self.purge_tags.update(
                    comment_tags(comment, created=action == "created")
                )

    def comment(self, record, target_fields, parent, comment):
        """
        The comment for `record` (`target_fields`: its `post_id` and
        `page_id`; `parent`: its thread's first comment as (pk, post id,
        page id) or None), not yet saved, with what is to be done: created,
        updated or unchanged.
        """
        adding = comment is None
        email = record.author.email
        try:
            validate_email(email)
        except ValidationError:
            email = ""
        fields = {
            **target_fields,
            "parent_id": parent[0] if parent is not None else None,
            "name": (record.author.name or ANONYMOUS)[:100],
            "email": email[:254],
            "text": comment_text(record.body) or "-",
            "status": record.state,
            "created_at": record.published or record.updated or timezone.now(),
        }
        if not adding and all(getattr(comment, k) == v for k, v in fields.items()):
            return comment, "unchanged"
        if adding:
            comment = Comment(blogger_id=record.blogger_id)
        for name, value in fields.items():
            setattr(comment, name, value)
        return comment, "created" if adding else "updated"


# Double quotes name a column on SQLite and PostgreSQL alike.
STAMP_UPDATED_SQL = 'UPDATE "%s" SET "updated_at" = %%s WHERE "id" = %%s'
STAMP_UPDATED_FROM_ARRAYS_SQL = (
    'UPDATE "%s" AS target SET "updated_at" = given.moment '
    "FROM unnest(%%s::bigint[], %%s::timestamptz[]) AS given (id, moment) "
    'WHERE target."id" = given.id'
)


def stamp_updated(times):
    """
    Blogger's update times for saved posts or pages, `(obj, moment)` pairs
    (a None moment leaves it), in one statement (on PostgreSQL, given two
    arrays) or one run for each (far cheaper than `bulk_update`'s CASE over
    a batch); posts' kept feed months follow
    (counts.times_stamped). In memory each keeps its save time, as one
    saved by itself did (an entry with the same id later in the file
    compares against it the same way), and that is what the row held.
    """
    times = [(obj, moment) for obj, moment in times if moment is not None]
    if not times:
        return
    model = type(times[0][0])
    field = model._meta.get_field("updated_at")
    connection = connections[router.db_for_write(model)]
    rows = [
        (field.get_db_prep_save(moment, connection), obj.pk) for obj, moment in times
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the batch, the pairs as two arrays.
            cursor.execute(
                STAMP_UPDATED_FROM_ARRAYS_SQL % model._meta.db_table,
                [[pk for _moment, pk in rows], [moment for moment, _pk in rows]],
            )
        else:
            cursor.executemany(STAMP_UPDATED_SQL % model._meta.db_table, rows)
    if issubclass(model, Post):
        counts.times_stamped(
            (obj.pk, obj.status, obj.published_at, obj.updated_at, moment)
            for obj, moment in times
        )


def import_backup(
    backup, *, dry_run=False, author_map=None, media_dir=None, progress=None
):
    """
    Save `backup` in one transaction and return a `Report`. With `dry_run`
    the same work is done and rolled back, and no media file is stored.
    """
    report = Report(dry_run=dry_run)
    stored = []
    # Rows written with their own ids (a restore, a bulk load, this import's
    # settings rows) leave no sequence behind them, before and after.
    reset_sequences()
    try:
        with transaction.atomic():
            _Saver(
                backup,
                report,
                author_map=author_map,
                media_dir=media_dir,
                progress=progress,
                stored=stored,
            ).run()
            if dry_run:
                transaction.set_rollback(True)
    except Exception:
        # The database forgets the images; the storage must forget their files.
        for storage, folder, kept in stored:
            delete_new_files(storage, folder, kept)
        raise
    if not dry_run:
        reset_sequences()
    return report
