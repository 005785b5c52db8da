"""
Readable differences between two states of a post, for its history: which
fields changed, a one-line summary of each ("Status: Draft → Published",
"Body edited (+120 words)", "Labels: +Sports −Local"), and for text a
word-level diff of what readers see (HTML rendered to text, changed words in
<ins> and <del>, everything escaped).

A state is a *snapshot*: a dict of the post's field values by attname (as
django-reversion's `Version.field_dict` has them) plus "labels", the label
names in the post's order. `snapshot_of_post()` makes one of the saved post.
"""

import difflib
import html
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Image, Post, Status
from .people import display_name

# The fields a reader or an editor would call "the post", in the order the
# history shows them: (attname, label, kind).
TEXT, HTML, LABELS, VALUE, STATUS, TIME, USER, IMAGE, FLAG, POSTS = (
    "text",
    "html",
    "labels",
    "value",
    "status",
    "time",
    "user",
    "image",
    "flag",
    "posts",
)
FIELDS = [
    ("title", gettext_lazy("Title"), TEXT),
    ("labels", gettext_lazy("Labels"), LABELS),
    ("body", gettext_lazy("Body"), HTML),
    ("premium_body", gettext_lazy("Premium part"), HTML),
    ("excerpt", gettext_lazy("Excerpt"), TEXT),
    ("seo_description", gettext_lazy("Search description"), TEXT),
    ("status", gettext_lazy("Status"), STATUS),
    ("published_at", gettext_lazy("Publication time"), TIME),
    ("author_id", gettext_lazy("Author"), USER),
    ("featured_image_id", gettext_lazy("Featured image"), IMAGE),
    ("comments_open", gettext_lazy("Comments open"), FLAG),
    ("exclude_from_news_sitemap", gettext_lazy("Kept out of the News sitemap"), FLAG),
    ("related_pinned", gettext_lazy("Pinned related posts"), POSTS),
    ("related_excluded", gettext_lazy("Excluded related posts"), POSTS),
]
# What makes the publication state; restoring a revision keeps it by default.
STATE_FIELDS = ("status", "published_at")

_BLOCK_END_RE = re.compile(
    r"</(?:p|h[1-6]|li|blockquote|pre|div|figure|figcaption|tr|ul|ol|table)\s*>"
    r"|<br\s*/?>",
    re.I,
)
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")
_BETWEEN_TAGS_RE = re.compile(r">\s+<")
# Unchanged paragraphs between changes are shown up to this many, else folded.
CONTEXT = 1


def blocks(value):
    """The paragraphs a reader sees in an HTML fragment, as plain text."""
    text = _BLOCK_END_RE.sub("\n", value or "")
    text = html.unescape(_TAG_RE.sub("", text))
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def same_markup(old, new):
    """Whether two HTML fragments differ only in whitespace between or inside tags."""

    def normal(value):
        return _SPACE_RE.sub(" ", _BETWEEN_TAGS_RE.sub("><", (value or "").strip()))

    return normal(old) == normal(new)


# Word-level diff of text: words, spaces and punctuation are separate tokens,
# so "rose." → "fell." marks the word, and counts are of words only.
_WORD = r"[^\s.,;:!?\"'()\[\]{}<>“”‘’«»…—–/|।-]+"
_TOKEN_RE = re.compile(_WORD + r"|\s+|.")
_WORD_RE = re.compile(_WORD)


def _tokens(value):
    return _TOKEN_RE.findall(value)


def _word_total(tokens):
    return sum(1 for token in tokens if _WORD_RE.fullmatch(token))


def word_diff(old, new):
    """(HTML with <del>/<ins> around changed words, words added, words removed)."""
    a, b = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    parts, added, removed = [], 0, 0
    for op, i1, i2, j1, j2 in _joined(matcher.get_opcodes(), a):
        if op == "equal":
            parts.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
            removed += _word_total(a[i1:i2])
        if op == "replace":
            parts.append(" ")
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
            added += _word_total(b[j1:j2])
    return mark_safe("".join(parts)), added, removed  # noqa: S308 - every part escaped


def _joined(opcodes, tokens):
    """One change for "stay closed" → "reopen on Monday": a lone space between changes joins them."""
    merged = []
    for opcode in opcodes:
        op, i1, i2, j1, j2 = opcode
        if (
            merged
            and op != "equal"
            and len(merged) >= 2
            and merged[-1][0] == "equal"
            and merged[-2][0] != "equal"
            and "".join(tokens[merged[-1][1] : merged[-1][2]]).isspace()
        ):
            merged.pop()  # the space
            first = merged.pop()
            merged.append(("replace", first[1], i2, first[3], j2))
            continue
        merged.append(opcode)
    return merged


def words_in(value):
    return _word_total(_tokens(value))


@dataclass
class Paragraph:
    """One paragraph of a text diff: "same", "changed", "added", "removed" or "folded"."""

    kind: str
    html: str = ""
    count: int = 0


@dataclass
class TextDiff:
    paragraphs: list = field(default_factory=list)
    added: int = 0
    removed: int = 0

    @property
    def text_changed(self):
        return bool(self.added or self.removed)


def text_diff(old_blocks, new_blocks):
    """Paragraph by paragraph, then word by word inside the paragraphs that changed."""
    result = TextDiff()
    rows = []
    matcher = difflib.SequenceMatcher(None, old_blocks, new_blocks, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = old_blocks[i1:i2], new_blocks[j1:j2]
        if op == "equal":
            rows += [Paragraph("same", escape(text)) for text in old]
        elif op == "delete":
            rows += [Paragraph("removed", escape(text)) for text in old]
            result.removed += sum(words_in(text) for text in old)
        elif op == "insert":
            rows += [Paragraph("added", escape(text)) for text in new]
            result.added += sum(words_in(text) for text in new)
        else:
            pairs = (
                list(zip(old, new, strict=True))
                if len(old) == len(new)
                else [(" ".join(old), " ".join(new))]
            )
            for before, after in pairs:
                marked, added, removed = word_diff(before, after)
                rows.append(Paragraph("changed", marked))
                result.added += added
                result.removed += removed
    result.paragraphs = _fold(rows)
    return result


def _fold(rows):
    """Runs of unchanged paragraphs keep CONTEXT paragraphs next to a change."""
    changed = [i for i, row in enumerate(rows) if row.kind != "same"]
    if not changed:
        return rows
    keep = set()
    for index in changed:
        keep.update(range(index - CONTEXT, index + CONTEXT + 1))
    folded, hidden = [], 0
    for index, row in enumerate(rows):
        if row.kind != "same" or index in keep:
            if hidden:
                folded.append(Paragraph("folded", count=hidden))
                hidden = 0
            folded.append(row)
        else:
            hidden += 1
    if hidden:
        folded.append(Paragraph("folded", count=hidden))
    return folded


# Snapshots.


def snapshot_of_post(post):
    """The saved post as a snapshot (the current state, for "compare with current")."""
    data = {}
    for name, _label, kind in FIELDS:
        if kind == LABELS:
            data[name] = [label.name for label in post.label_list]
        elif kind == POSTS:
            data[name] = list(
                getattr(post, name).order_by("pk").values_list("pk", flat=True)
            )
        else:
            data[name] = getattr(post, name)
    return data


class Names:
    """Names of the people, images and posts a set of snapshots refers to, read once."""

    def __init__(self, snapshots):
        users, images, posts = set(), set(), set()
        for data in snapshots:
            users.add(data.get("author_id"))
            images.add(data.get("featured_image_id"))
            for name in ("related_pinned", "related_excluded"):
                posts.update(data.get(name) or [])
        users.discard(None)
        images.discard(None)
        self.users = (
            {user.pk: user for user in get_user_model().objects.filter(pk__in=users)}
            if users
            else {}
        )
        self.images = (
            {image.pk: str(image) for image in Image.objects.filter(pk__in=images)}
            if images
            else {}
        )
        self.posts = (
            dict(Post.objects.filter(pk__in=posts).values_list("pk", "title"))
            if posts
            else {}
        )

    def user(self, pk):
        if pk is None:
            return _("nobody")
        user = self.users.get(pk)
        return display_name(user) if user else _("a removed account")

    def image(self, pk):
        if pk is None:
            return _("none")
        return self.images.get(pk) or _("a removed image")

    def post(self, pk):
        return self.posts.get(pk) or _("a removed post")


def status_label(value):
    try:
        return str(Status(value).label)
    except ValueError:
        return value or _("none")


def time_label(value):
    if value is None:
        return _("not set")
    return date_format(timezone.localtime(value), "j M Y, H:i")


def flag_label(value):
    return _("yes") if value else _("no")


# Changes.


@dataclass
class Change:
    """One field that differs between two snapshots."""

    name: str
    label: str
    kind: str
    summary: str
    before: str = ""
    after: str = ""
    text: TextDiff | None = None
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    markup_only: bool = False


def _counts(added, removed):
    parts = []
    if added:
        parts.append("+%d" % added)
    if removed:
        parts.append("−%d" % removed)
    total = added + removed
    return ngettext("%(counts)s word", "%(counts)s words", total) % {
        "counts": " ".join(parts)
    }


def _text_change(name, label, kind, old, new):
    if kind == HTML:
        if same_markup(old, new):
            return None
        diff = text_diff(blocks(old), blocks(new))
    else:
        old, new = (old or "").strip(), (new or "").strip()
        if old == new:
            return None
        diff = text_diff([old] if old else [], [new] if new else [])
    if not diff.text_changed:
        return Change(
            name,
            label,
            kind,
            _("%(field)s: formatting, links or images edited") % {"field": label},
            text=diff,
            markup_only=True,
        )
    if kind == HTML:
        summary = _("%(field)s edited (%(counts)s)") % {
            "field": label,
            "counts": _counts(diff.added, diff.removed),
        }
    elif not old:
        summary = _("%(field)s added") % {"field": label}
    elif not new:
        summary = _("%(field)s removed") % {"field": label}
    else:
        summary = _("%(field)s edited") % {"field": label}
    return Change(name, label, kind, summary, text=diff)


def _list_change(name, label, kind, old, new, show):
    old, new = list(old or []), list(new or [])
    if old == new:
        return None
    added = [show(item) for item in new if item not in old]
    removed = [show(item) for item in old if item not in new]
    kept = [show(item) for item in new if item in old]
    if not added and not removed:
        summary = _("%(field)s reordered") % {"field": label}
    else:
        summary = "%s: %s" % (
            label,
            " ".join(["+" + item for item in added] + ["−" + item for item in removed]),
        )
    return Change(
        name,
        label,
        kind,
        summary,
        before=", ".join(show(item) for item in old),
        after=", ".join(show(item) for item in new),
        added=added,
        removed=removed,
        kept=kept,
    )


def _value_change(name, label, kind, old, new, names):
    if old == new:
        return None
    show = {
        STATUS: status_label,
        TIME: time_label,
        USER: names.user,
        IMAGE: names.image,
        FLAG: flag_label,
    }.get(kind, lambda value: "" if value is None else str(value))
    before, after = show(old), show(new)
    return Change(
        name,
        label,
        kind,
        "%s: %s → %s" % (label, before, after),
        before=before,
        after=after,
    )


def compare(old, new, *, names=None, fields=None):
    """The Changes from snapshot `old` to snapshot `new`, in FIELDS order."""
    names = names or Names([old, new])
    changes = []
    for name, label, kind in FIELDS:
        if fields is not None and name not in fields:
            continue
        if name not in old or name not in new:
            continue
        before, after = old[name], new[name]
        if kind in (TEXT, HTML):
            change = _text_change(name, str(label), kind, before, after)
        elif kind == LABELS:
            change = _list_change(name, str(label), kind, before, after, str)
        elif kind == POSTS:
            change = _list_change(name, str(label), kind, before, after, names.post)
        else:
            change = _value_change(name, str(label), kind, before, after, names)
        if change is not None:
            changes.append(change)
    return changes


def created_summary(data):
    """What the history says of a post's first revision."""
    return _("Created as %(status)s") % {"status": status_label(data.get("status"))}


def render_labels(change):
    """Labels as chips: removed struck through, added underlined, kept plain."""
    return format_html_join(
        " ",
        '<{0} class="diff-chip">{1}</{0}>',
        [("del", item) for item in change.removed]
        + [("ins", item) for item in change.added]
        + [("span", item) for item in change.kept],
    )
