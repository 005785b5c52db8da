"""
The content core's data: labels, images, posts and pages, and the site's
settings.

`visible_q()` / `scheduled_q()` are the one writing of "what readers may
see"; `Publishable` (the base of `Post` and `Page`) and its queryset
(`published()`, `scheduled()`, `drafts()`, `pending()`) are built on them.
Moves between states are made by `articles/publishing.py`, not here.
"""

import logging
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max, Prefetch, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from . import thumbnails
from .body_images import responsive_body_images
from .sanitize import sanitize_html
from .text import EXCERPT_LENGTH, blogger_slug, html_to_text, make_excerpt

logger = logging.getLogger(__name__)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    PUBLISHED = "published", _("Published")


class LabelQuerySet(models.QuerySet):
    def delete(self):
        """delete, the counts of the labels' rows following once (articles/counts.py)."""
        from . import counts

        with counts.deleting(rows=LabeledPost.objects.filter(tag__in=self)):
            return super().delete()


class Label(TagBase):
    """A Blogger label: a tag whose name keeps its case (`TOP STORY`, `business`)."""

    objects = LabelQuerySet.as_manager()

    exclude_from_news_sitemap = models.BooleanField(
        default=False,
        help_text=_("Keep posts with this label out of the Google News sitemap."),
    )

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")

    def get_absolute_url(self):
        return reverse("articles:label", args=[self.name])

    def delete(self, *args, **kwargs):
        """delete, the counts of its rows following once (articles/counts.py)."""
        from . import counts

        with counts.deleting(rows=LabeledPost.objects.filter(tag=self)):
            return super().delete(*args, **kwargs)


class LabeledPostQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """bulk_create, the labels' kept counts following (articles/counts.py)."""
        from . import counts

        objs = super().bulk_create(objs, *args, **kwargs)
        counts.add_batch(label_rows=objs)
        return objs

    def delete(self):
        """delete, the labels' kept counts following once (articles/counts.py)."""
        from . import counts

        with counts.deleting(rows=self):
            return super().delete()


class LabeledPost(TaggedItemBase):
    content_object = models.ForeignKey(
        "Post", on_delete=models.CASCADE, related_name="labeled_items"
    )
    tag = models.ForeignKey(
        Label, on_delete=models.CASCADE, related_name="labeled_posts"
    )
    position = models.PositiveSmallIntegerField(
        default=0,
        help_text=_(
            "Order of the label on the post; the first two make the breadcrumb."
        ),
    )

    objects = LabeledPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("labeled post")
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="unique_label_per_post"
            )
        ]
        indexes = [models.Index(fields=["tag", "content_object"])]


class LabelRedirect(models.Model):
    """An old label name (renamed or merged away) whose address now leads elsewhere."""

    old_name = models.CharField(
        max_length=100,
        unique=True,
        help_text=_("/search/label/OLD_NAME redirects to the label's current page."),
    )
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("label redirect")

    def __str__(self):
        return "%s → %s" % (self.old_name, self.label)


def new_image_key():
    return secrets.token_urlsafe(12)


def image_upload_to(instance, filename):
    """
    `images/KEY/<random>.<ext>`: a name the server chooses, with the
    extension of the format Pillow found in the file, never the uploader's
    (a picture that is also HTML, named `x.html`, must not be stored as
    such). What the uploader called it lives on only in `Image.filename`.
    """
    image_format = instance.format or getattr(instance, "_detected_format", "")
    extension = thumbnails.FORMAT_EXTENSIONS.get(image_format, "bin")
    return "images/%s/%s.%s" % (instance.key, secrets.token_hex(16), extension)


class OriginalFieldFile(models.fields.files.ImageFieldFile):
    def save(self, name, content, save=True):
        # Before the name is chosen (image_upload_to): the format, read from
        # the file's header, and the uploader's name for the public one.
        self.instance._uploaded_name = name
        if not self.instance.format:
            self.instance._detected_format = thumbnails.detect_format(content)
        super().save(name, content, save)


class OriginalImageField(models.ImageField):
    """An ImageField whose files are named by image_upload_to from their content."""

    attr_class = OriginalFieldFile

    def deconstruct(self):
        # Only how new files are named differs: the same column as ImageField.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs


class Image(models.Model):
    key = models.CharField(
        max_length=32,
        unique=True,
        default=new_image_key,
        editable=False,
        help_text=_("Random key in the image's public address /img/KEY/SIZE/NAME."),
    )
    file = OriginalImageField(
        upload_to=image_upload_to,
        help_text=_("JPEG, PNG, GIF or WebP. Thumbnails are made from it."),
    )
    filename = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("Name shown at the end of the image's address."),
    )
    alt_text = models.CharField(
        max_length=250,
        help_text=_("Describes the image for readers who cannot see it."),
    )
    caption = models.CharField(max_length=300, blank=True)
    format = models.CharField(max_length=10, blank=True, editable=False)
    filesize = models.PositiveIntegerField(default=0, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("image")

    def __str__(self):
        return self.alt_text or self.filename or self.key

    # An editor's upload leaves every size to the first request for it
    # (/img/, single-flight): a 12 MP photo is answered at once. Imports and
    # scripts keep making the standard sizes at save.
    sizes_on_request = False

    def save(self, *args, **kwargs):
        # Facts (and standard sizes) are derived from the file, whenever it is new.
        new_file = bool(self.file) and self.file.name != getattr(
            self, "_stored_file_name", None
        )
        if new_file:
            self._read_file_facts()
        super().save(*args, **kwargs)
        if new_file:
            self._stored_file_name = self.file.name
            if self.width and not self.sizes_on_request:
                thumbnails.make_standard_sizes(self)

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        loaded = dict(zip(field_names, values, strict=True))
        instance._stored_file_name = loaded.get("file")
        return instance

    def _read_file_facts(self):
        committed = self.file._committed
        handle = self.file.open("rb")
        try:
            facts = thumbnails.describe(handle)
        except Exception:
            logger.warning("Cannot read image file %s", self.file.name, exc_info=True)
            return
        finally:
            if committed:
                self.file.close()
            else:
                handle.seek(0)
        self.format, self.width, self.height = facts.format, facts.width, facts.height
        self.filesize = self.file.size
        if not self.filename:
            uploaded = getattr(self, "_uploaded_name", None) or self.file.name
            self.filename = thumbnails.public_filename(uploaded, self.format)

    def url(self, size="s1600"):
        """Public address of this image at a Blogger size such as `s320` or `s72-c`."""
        return reverse(
            "articles:image",
            kwargs={
                "key": self.key,
                "size": size,
                "filename": self.filename or "image",
            },
        )

    @property
    def share_url(self):
        """Path of the picture for sharing (og:image): the bounded full size."""
        return self.url(thumbnails.FULL)

    def dimensions(self, size):
        """Width and height of the file served at `size` (exact, no file read)."""
        made = thumbnails.served_size(size, self.width, self.height)
        if made is None:
            return None
        return thumbnails.output_size(made, self.width, self.height)

    def srcset(self):
        """`srcset` with width descriptors over the allowed longest-side sizes."""
        candidates = {}
        for size in thumbnails.responsive_sizes():
            width, _height = self.dimensions(size.name)
            candidates.setdefault(width, size.name)
        return ", ".join(
            "%s %dw" % (self.url(name), width)
            for width, name in sorted(candidates.items())
        )


def visible_q(prefix="", *, now=None):
    """
    The one definition of what readers may see, as a Q: published, with a
    publication time now or past. `prefix` reaches a post or page through a
    relation: `visible_q("post__")`, `visible_q("labeled_posts__content_object__")`.
    """
    return Q(
        (prefix + "status", Status.PUBLISHED),
        (prefix + "published_at__lte", now or timezone.now()),
    )


def scheduled_q(prefix="", *, now=None):
    """Published, but with a publication time still to come: goes live by itself."""
    return Q(
        (prefix + "status", Status.PUBLISHED),
        (prefix + "published_at__gt", now or timezone.now()),
    )


# Numbers made here stay below this; Blogger's own ids (19 digits) are above.
LOCAL_ID_LIMIT = 10**15
# The largest number a BIGINT column holds (PostgreSQL and SQLite alike).
LARGEST_ID = 2**63 - 1
ALLOCATION_TRIES = 5


def blogger_number(blogger_id):
    """A Blogger id as a public id, or None when it is not one a BIGINT holds."""
    if blogger_id and blogger_id.isdigit() and 0 < int(blogger_id) <= LARGEST_ID:
        return int(blogger_id)
    return None


class NumberTaken(IntegrityError):
    """A public id asked for belongs to another post or page."""


class ContentId(models.Model):
    """
    One numbering for posts and pages (Blogger's: entry ids `.post-ID` and
    `/feeds/ID/comments/default` name either). A row is a number given out,
    to a post (`post_number` = id) or to a page (`page_number` = id), never
    both (the check). `Post.public` points at `post_number` and `Page.public`
    at `page_number`, so the database itself refuses a post and a page with
    the same number. A row outlives its post or page: a number is never given
    to anything else.
    """

    id = models.BigIntegerField(primary_key=True)
    post_number = models.BigIntegerField(unique=True, null=True, editable=False)
    page_number = models.BigIntegerField(unique=True, null=True, editable=False)

    class Meta:
        verbose_name = _("public id")
        constraints = [
            models.CheckConstraint(
                name="content_id_post_or_page",
                condition=Q(post_number=F("id"), page_number__isnull=True)
                | Q(page_number=F("id"), post_number__isnull=True),
            )
        ]

    def __str__(self):
        return str(self.id)

    @classmethod
    def give(cls, model, items):
        """
        Number the new posts or pages `items` (all of `model`): one that
        carries a number, or a Blogger id (an import's), claims it; the others
        get the next free numbers below LOCAL_ID_LIMIT. A few queries
        whatever the count; NumberTaken when a number is another's.
        """
        column = model.PUBLIC_COLUMN
        for item in items:
            if item.public_id is None:
                item.public_id = blogger_number(item.blogger_id)
        asked = [item.public_id for item in items if item.public_id is not None]
        if asked:
            cls._claim(model, column, asked)
        fresh = [item for item in items if item.public_id is None]
        if fresh:
            numbers = cls._allocate(column, len(fresh))
            for item, number in zip(fresh, numbers, strict=True):
                item.public_id = number

    @classmethod
    def _claim(cls, model, column, numbers):
        for number in numbers:
            if not 0 < number <= LARGEST_ID:
                raise ValueError("%s is not a possible public id." % number)
        if len(set(numbers)) != len(numbers):
            raise NumberTaken("The same public id is asked for twice.")
        existing = {}
        for start in range(0, len(numbers), 500):
            existing.update(
                cls.objects.filter(id__in=numbers[start : start + 500]).values_list(
                    "id", column
                )
            )
        for number, own in existing.items():
            if own != number:
                raise cls.taken(number)
        if existing:
            owned = (
                model.objects.filter(public_id__in=list(existing))
                .values_list("public_id", flat=True)
                .first()
            )
            if owned is not None:
                raise cls.taken(owned)
        cls.objects.bulk_create(
            [cls(id=n, **{column: n}) for n in numbers if n not in existing],
            batch_size=500,
        )

    @classmethod
    def _allocate(cls, column, count):
        for _attempt in range(ALLOCATION_TRIES):
            top = cls.objects.filter(id__lt=LOCAL_ID_LIMIT).aggregate(top=Max("id"))
            first = (top["top"] or 0) + 1
            numbers = list(range(first, first + count))
            if numbers[-1] >= LOCAL_ID_LIMIT:
                raise IntegrityError("No public ids are left below the limit.")
            try:
                # A concurrent save may take the same numbers: then read again.
                with transaction.atomic():
                    cls.objects.bulk_create(
                        [cls(id=n, **{column: n}) for n in numbers], batch_size=500
                    )
            except IntegrityError:
                continue
            return numbers
        raise IntegrityError("No free public id after %d tries." % ALLOCATION_TRIES)

    @staticmethod
    def taken(number):
        """NumberTaken naming the post or page that has `number`."""
        for model, kind in ((Post, _("post")), (Page, _("page"))):
            owner = model.objects.filter(public_id=number).first()
            if owner is not None:
                return NumberTaken(
                    _("the id %(number)s already belongs to %(kind)s #%(pk)s “%(title)s”")
                    % {"number": number, "kind": kind, "pk": owner.pk,
                       "title": owner.title}
                )  # fmt: skip
        return NumberTaken(
            _("the id %(number)s was given to a post or page that was deleted")
            % {"number": number}
        )

    @classmethod
    def owner(cls, number):
        """The post or page whose public id is `number`, else None (two queries at most)."""
        for model in (Post, Page):
            found = model.objects.filter(public_id=number).first()
            if found is not None:
                return found
        return None


class OldPublicId(models.Model):
    """
    A number a page (or a post whose number an imported item had) answered to
    before the one numbering: its old comment-feed addresses answer 301 to its
    new number while nothing else has the old one.
    """

    number = models.BigIntegerField(primary_key=True)
    post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    page = models.ForeignKey(
        "Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("old public id")
        constraints = [
            models.CheckConstraint(
                name="old_public_id_post_or_page",
                condition=Q(post__isnull=False, page__isnull=True)
                | Q(post__isnull=True, page__isnull=False),
            )
        ]

    def __str__(self):
        return str(self.number)

    @property
    def target(self):
        return self.post or self.page


def public_id_q(value, prefix=""):
    """
    Rows whose public id is `value` (digits from an address); no row for a
    number no BIGINT holds.
    """
    number = int(value)
    if not 0 < number <= LARGEST_ID:
        return Q(pk__in=[])
    return Q(**{prefix + "public_id": number})


class PublishableQuerySet(models.QuerySet):
    """The states of posts and pages as readers and editors meet them."""

    def published(self, *, before=None):
        """
        What readers may see (visible_q). With `before`, only what went live
        strictly before that moment; when the moment is not in the future, the
        one time bound also says "not in the future", so the database walks
        its date index from there (page 400 costs what page 1 costs).
        """
        if before is None:
            return self.filter(visible_q())
        if before <= timezone.now():
            return self.filter(status=Status.PUBLISHED, published_at__lt=before)
        return self.filter(visible_q(), published_at__lt=before)

    def scheduled(self):
        """Published with a future publication time: live at that time, no job needed."""
        return self.filter(scheduled_q())

    def drafts(self):
        return self.filter(status=Status.DRAFT)

    def pending(self):
        """Submitted by a writer, waiting for an editor."""
        return self.filter(status=Status.PENDING)

    def bulk_create(self, objs, *args, **kwargs):
        """
        bulk_create, each new row numbered first (ContentId.give, in bulk);
        the kept counts of new posts follow (articles/counts.py).
        """
        objs = list(objs)
        ContentId.give(self.model, objs)
        objs = super().bulk_create(objs, *args, **kwargs)
        if issubclass(self.model, Post):
            from . import counts

            counts.add_batch(posts=objs)
        return objs


class Publishable(models.Model):
    """
    What posts and pages share: a title and sanitised HTML body, an author, and
    the publishing state (status and publication time) that decides, in one
    place (visible_q), whether readers see them.
    """

    title = models.CharField(max_length=300)
    body = models.TextField(
        blank=True, help_text=_("HTML; unsafe markup is removed on save.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_(
            "A published post goes live at its publication time: "
            "set a future time to schedule it."
        ),
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the post goes live; now when left empty on publishing."),
    )
    blogger_id = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        help_text=_("The post's id on Blogger, kept so old feed ids stay the same."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        if self._state.adding and not self.has_public_number():
            ContentId.give(type(self), [self])
        self.save_row(*args, **kwargs)

    def has_public_number(self):
        """Whether the number in public_id is already this row's (saved before)."""
        return self.pk is not None and (
            type(self).objects.filter(pk=self.pk, public_id=self.public_id).exists()
        )

    def set_derived_fields(self):
        """What must always be true on save: clean HTML, a time once published."""
        self.body = responsive_body_images(sanitize_html(self.body))
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    def save_row(self, *args, **kwargs):
        super().save(*args, **kwargs)

    def is_published(self):
        """The instance twin of visible_q()."""
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    is_published.boolean = True

    def is_scheduled(self):
        """The instance twin of scheduled_q()."""
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )


def numbered(slug, attempt):
    """Blogger's way to tell apart addresses that clash: slug, slug_1, slug_2..."""
    return slug if attempt == 0 else "%s_%d" % (slug, attempt)


class PostQuerySet(PublishableQuerySet):
    def for_cards(self):
        """
        What a list of post cards reads: author, image, ordered labels and
        what other apps add to cards (articles/extensions.py; the comments
        app's approved count), each a subquery in the same query.
        """
        from . import extensions

        return extensions.annotate_cards(
            self.select_related("author", "featured_image")
            # Cards never show the body: a list of 20 should not read 20 bodies.
            .defer("body", "premium_body")
            .prefetch_related(
                Prefetch(
                    "labeled_items",
                    queryset=LabeledPost.objects.select_related("tag").order_by(
                        "position", "id"
                    ),
                    to_attr="ordered_labeled_items",
                )
            )
        )

    def newest_first(self):
        return self.order_by("-published_at", "-id")

    def delete(self):
        """delete, the kept counts following once (articles/counts.py)."""
        from . import counts

        with counts.deleting(posts=self):
            return super().delete()


class LabelCount(models.Model):
    """
    A label's kept counts (articles/counts.py keeps them in step with each
    change, `manage.py recount` rebuilds them): its published posts, live or
    scheduled (readers' counts take off those still to come), all its posts,
    and when its page last changed for readers.
    """

    label = models.OneToOneField(
        Label, primary_key=True, on_delete=models.CASCADE, related_name="kept_count"
    )
    published = models.IntegerField(default=0)
    total = models.IntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("label count")

    def __str__(self):
        return "%s: %d" % (self.label_id, self.published)


class LabelPairCount(models.Model):
    """
    Published posts, live or scheduled, carrying both labels of a pair
    (`first` the one with the smaller id): the total of a feed of labels
    together (`/-/A/B`), kept by articles/counts.py like LabelCount.
    """

    first = models.ForeignKey(
        Label, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    second = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")
    published = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("label pair count")
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second"], name="unique_label_pair_count"
            ),
            models.CheckConstraint(
                name="label_pair_count_in_order", condition=Q(first__lt=F("second"))
            ),
        ]

    def __str__(self):
        return "%s+%s: %d" % (self.first_id, self.second_id, self.published)


class LabelTripleCount(models.Model):
    """
    Published posts, live or scheduled, carrying all three labels of a
    triple (ids in order): the total of a feed of three labels together
    (`/-/A/B/C`), kept by articles/counts.py like LabelPairCount.
    """

    first = models.ForeignKey(
        Label, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    second = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")
    third = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")
    published = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("label triple count")
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second", "third"], name="unique_label_triple_count"
            ),
            models.CheckConstraint(
                name="label_triple_count_in_order",
                condition=Q(first__lt=F("second"), second__lt=F("third")),
            ),
        ]

    def __str__(self):
        return "%s+%s+%s: %d" % (
            self.first_id,
            self.second_id,
            self.third_id,
            self.published,
        )


class KeptSpan(models.Model):
    """
    Published posts, live or scheduled, of one month (or one day) of `zone`
    (the site's time zone), kept by articles/counts.py: `published`, those
    published in it; `updated`, those whose feed time (the later of
    updated_at and published_at, feeds' updated- bounds) is in it.
    """

    zone = models.CharField(max_length=64)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    published = models.IntegerField(default=0)
    updated = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return "%s %s: %d" % (self.zone, self.starts_at, self.published)


class LabelSpan(KeptSpan):
    """A kept span of the posts carrying one label."""

    # The unique constraint's first column: its index serves the label.
    label = models.ForeignKey(
        Label, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        abstract = True

    def __str__(self):
        return "%s %s %s: %d" % (
            self.label_id,
            self.zone,
            self.starts_at,
            self.published,
        )


class LabelPairSpan(KeptSpan):
    """
    A kept span of the posts carrying both labels of a pair (`first` the
    one with the smaller id).
    """

    # The unique constraint's first column: its index serves `first`.
    first = models.ForeignKey(
        Label, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    second = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    def __str__(self):
        return "%s+%s %s %s: %d" % (
            self.first_id,
            self.second_id,
            self.zone,
            self.starts_at,
            self.published,
        )


class MonthCount(KeptSpan):
    """The whole site's months: the archive's counts and the feeds' totals."""

    class Meta:
        verbose_name = _("month count")
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "starts_at"], name="unique_month_count"
            )
        ]


class LabelMonthCount(LabelSpan):
    """
    One label's months: the totals of a label's feed with published- or
    updated- bounds (`/-/LABEL?updated-min=...`).
    """

    class Meta:
        verbose_name = _("label month count")
        constraints = [
            models.UniqueConstraint(
                fields=["label", "zone", "starts_at"], name="unique_label_month_count"
            )
        ]


class LabelPairMonthCount(LabelPairSpan):
    """
    The months of the posts carrying both labels of a pair: the totals of a
    feed of two labels together with published- or updated- bounds.
    """

    class Meta:
        verbose_name = _("label pair month count")
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second", "zone", "starts_at"],
                name="unique_label_pair_month_count",
            ),
            models.CheckConstraint(
                name="label_pair_month_count_in_order",
                condition=Q(first__lt=F("second")),
            ),
        ]


class DayCount(KeptSpan):
    """
    The whole site's days: with the months, feeds' totals between two
    bounds count no more than the two part days at their ends.
    """

    class Meta:
        verbose_name = _("day count")
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "starts_at"], name="unique_day_count"
            )
        ]


class LabelDayCount(LabelSpan):
    """One label's days, as DayCount is the site's."""

    class Meta:
        verbose_name = _("label day count")
        constraints = [
            models.UniqueConstraint(
                fields=["label", "zone", "starts_at"], name="unique_label_day_count"
            )
        ]


class LabelPairDayCount(LabelPairSpan):
    """The days of the posts carrying both labels of a pair."""

    class Meta:
        verbose_name = _("label pair day count")
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second", "zone", "starts_at"],
                name="unique_label_pair_day_count",
            ),
            models.CheckConstraint(
                name="label_pair_day_count_in_order",
                condition=Q(first__lt=F("second")),
            ),
        ]


class ScheduledLabel(models.Model):
    """
    A label on a scheduled post, with its time: the few label rows readers'
    counts take off while their time is to come, read by an index instead
    of joining a label's every row (articles/counts.py keeps and folds them).
    """

    post = models.ForeignKey("Post", on_delete=models.CASCADE, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = _("scheduled label")
        indexes = [models.Index(fields=["label", "published_at"])]

    def __str__(self):
        return "%s on %s at %s" % (self.label_id, self.post_id, self.published_at)


class CountsState(models.Model):
    """
    One row beside the kept counts: when live posts last changed for readers
    (the sitemaps' lastmod), and up to when posts that went live by their
    time alone are folded into the labels' `changed_at`.
    """

    changed_at = models.DateTimeField(null=True, blank=True)
    folded_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("counts state")

    def __str__(self):
        return "counts folded until %s" % self.folded_until


class PremiumMode(models.TextChoices):
    """Who reads a post's premium part (docs/premium.md)."""

    MEMBERS = "members", _("Members only")
    SHARE = "share", _("Share to unlock")


class Post(Publishable):
    PUBLIC_COLUMN = "post_number"

    public = models.OneToOneField(
        ContentId,
        to_field="post_number",
        on_delete=models.PROTECT,
        related_name="post",
        editable=False,
        verbose_name=_("public id"),
        help_text=_(
            "The number in feed ids and /feeds/ID/comments/default, shared by "
            "posts and pages: Blogger's for an imported post."
        ),
    )
    slug = models.SlugField(
        max_length=60,
        blank=True,
        help_text=_(
            "Made from the title at first publication, the way Blogger does; "
            "it never changes afterwards so links keep working."
        ),
    )
    permalink = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Fixed address /YYYY/MM/slug.html, set at first publication."),
    )
    excerpt = models.TextField(
        blank=True,
        help_text=_(
            "Shown on cards and in feeds. Leave empty to use the start of the body."
        ),
    )
    summary = models.TextField(blank=True, editable=False)
    seo_description = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Search engines' description; the excerpt when empty."),
    )
    featured_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comments_open = models.BooleanField(default=True)
    premium_body = models.TextField(
        blank=True,
        help_text=_(
            "Shown only to members, after the body. Never sent to anyone else."
        ),
    )
    premium_mode = models.CharField(
        _("who reads the premium part"),
        max_length=8,
        choices=PremiumMode.choices,
        default=PremiumMode.MEMBERS,
        help_text=_(
            "Members only, or also any reader who shares the post (the share "
            "buttons under it unlock the premium part in their browser)."
        ),
    )
    related_pinned = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        help_text=_("Posts always listed first under RECOMMENDED FOR YOU."),
    )
    related_excluded = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        help_text=_("Posts never listed under RECOMMENDED FOR YOU."),
    )
    exclude_from_news_sitemap = models.BooleanField(
        default=False, help_text=_("Keep the post out of the Google News sitemap.")
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text=_("Raised on every save; a stale form cannot overwrite newer work."),
    )
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)

    labels = TaggableManager(through=LabeledPost, blank=True, verbose_name=_("labels"))

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [
            ("publish_post", _("Can publish, schedule and unpublish posts")),
            ("edit_any_post", _("Can edit and delete other authors' posts")),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"], name="post_status_pub_idx"),
            models.Index(fields=["published_at", "id"], name="post_pub_id_idx"),
            # Feeds' updated- bounds: their time, the later of the two.
            models.Index(
                Greatest("updated_at", "published_at"), name="post_feed_updated_idx"
            ),
        ]

    def get_absolute_url(self):
        return self.permalink or ""

    def set_derived_fields(self):
        if not self._state.adding:
            self.version = (self.version or 0) + 1
        super().set_derived_fields()
        # An empty premium part stays empty (what sanitising it gives).
        self.premium_body = (
            responsive_body_images(sanitize_html(self.premium_body))
            if self.premium_body
            else ""
        )
        # The body's plain text, made once: the summary, the word count (as
        # word_count() counts) and the search row (search._rows) all read it.
        text = html_to_text(self.body)
        self.body_plain_text = (self.body, text)
        # The text is one-spaced already, so make_excerpt() gives the same
        # from its first EXCERPT_LENGTH + 2 characters (a cut one at most
        # loses a trailing space, and is still longer than the excerpt).
        self.summary = self.excerpt.strip() or make_excerpt(text[: EXCERPT_LENGTH + 2])
        self.reading_minutes = max(1, round(len(text.split()) / 200))

    def save_row(self, *args, **kwargs):
        if self.status == Status.PUBLISHED and not self.permalink:
            self._save_with_new_permalink(*args, **kwargs)
        else:
            super().save_row(*args, **kwargs)

    def _save_with_new_permalink(self, *args, **kwargs):
        """Fix the permalink, adding _1, _2... on a clash in the same month."""
        self.slug = self.slug or blogger_slug(self.title)
        base_slug = self.slug
        local = timezone.localtime(self.published_at)
        for attempt in range(1000):
            slug = numbered(base_slug, attempt)
            permalink = "/%04d/%02d/%s.html" % (local.year, local.month, slug)
            if Post.objects.filter(permalink=permalink).exclude(pk=self.pk).exists():
                continue
            self.slug, self.permalink = slug, permalink
            try:
                with transaction.atomic():
                    super().save_row(*args, **kwargs)
                return
            except IntegrityError:
                self.permalink = None
                # Only a clash on the address is retried (a concurrent save took
                # it): any other (a primary key behind its sequence, ...) is
                # raised as what it is.
                if not Post.objects.filter(permalink=permalink).exists():
                    raise
                kwargs.pop("force_insert", None)
        raise IntegrityError("No free permalink for %r" % self.title)

    @property
    def label_list(self):
        """The post's labels in the editor's order."""
        items = getattr(self, "ordered_labeled_items", None)
        if items is None:
            items = self.labeled_items.select_related("tag").order_by("position", "id")
        return [item.tag for item in items]

    def set_labels(self, names):
        """Replace the labels, keeping the given order (Blogger's breadcrumb order)."""
        names = list(dict.fromkeys(name.strip() for name in names if name.strip()))
        labels = []
        for name in names:
            label = Label.objects.filter(name=name).first()
            if label is None:
                label = Label.objects.create(name=name)
            labels.append(label)
        with transaction.atomic():
            self.labeled_items.exclude(tag__in=labels).delete()
            existing = {item.tag_id: item for item in self.labeled_items.all()}
            for position, label in enumerate(labels):
                item = existing.get(label.pk)
                if item is None:
                    LabeledPost.objects.create(
                        content_object=self, tag=label, position=position
                    )
                elif item.position != position:
                    item.position = position
                    item.save(update_fields=["position"])

    @property
    def description(self):
        return self.seo_description or self.summary


class Page(Publishable):
    PUBLIC_COLUMN = "page_number"

    public = models.OneToOneField(
        ContentId,
        to_field="page_number",
        on_delete=models.PROTECT,
        related_name="page",
        editable=False,
        verbose_name=_("public id"),
        help_text=_(
            "The number in /feeds/ID/comments/default, shared by posts and "
            "pages: Blogger's for an imported page."
        ),
    )
    slug = models.SlugField(
        max_length=60,
        unique=True,
        blank=True,
        help_text=_("The page lives at /p/SLUG.html; made from the title when empty."),
    )
    # The base's fields with what editors already see on pages (their help,
    # or none) and the user's reverse accessor `pages`.
    body = models.TextField(blank=True, help_text=_("HTML; unsafe markup is removed."))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    blogger_id = models.CharField(max_length=40, blank=True, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pages",
    )
    show_in_menu = models.BooleanField(
        default=True, help_text=_("List the page in the site's PAGES menu.")
    )
    comments_open = models.BooleanField(
        default=False,
        help_text=_(
            "Readers may comment on the page, as on posts. Closing comments "
            "keeps the approved ones shown."
        ),
    )

    class Meta:
        ordering = ["title"]

    def get_absolute_url(self):
        return reverse("articles:page", args=[self.slug])

    def set_derived_fields(self):
        super().set_derived_fields()
        if not self.slug:
            base = blogger_slug(self.title)
            attempt = 0
            while (
                Page.objects.filter(slug=numbered(base, attempt))
                .exclude(pk=self.pk)
                .exists()
            ):
                attempt += 1
            self.slug = numbered(base, attempt)


def zone_or_none(name):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class OneRowSettings(models.Model):
    """
    Settings kept in one row (pk 1) that editors change in the admin, read
    through the cache: `load()` costs no query once cached, `save()` ends the
    cached copy. Each subclass names its CACHE_KEY.
    """

    CACHE_KEY = None
    CACHE_SECONDS = int(timedelta(hours=1).total_seconds())

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    @classmethod
    def load(cls):
        row = cache.get(cls.CACHE_KEY)
        if row is None:
            row = cls.read_row()
            cache.set(cls.CACHE_KEY, row, timeout=cls.CACHE_SECONDS)
        return row

    @classmethod
    def read_row(cls):
        """The saved row, or the defaults until one is saved: reading never writes."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class SiteSettings(OneRowSettings):
    """The one row of site-wide settings editors can change in the admin."""

    CACHE_KEY = "newsroom:site-settings"

    name = models.CharField(max_length=100, default="Local Glob")
    tagline = models.CharField(
        max_length=200, blank=True, default="News from around the globe"
    )
    blog_id = models.CharField(
        max_length=40,
        default="8255692317570297677",
        help_text=_(
            "Blogger blog id, used in feed entry ids so readers see no change."
        ),
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text=_(
            "The newsroom's time zone for dates and archives (an IANA name such "
            "as Asia/Kolkata); empty means the server's DJANGO_TIME_ZONE."
        ),
    )
    featured_label = models.CharField(
        max_length=100,
        default="TOP STORY",
        help_text=_("The home page features the newest post with this label."),
    )
    home_labels = models.CharField(
        max_length=500,
        default="AROUND THE GLOBE, Movie, SPECIAL STORY",
        help_text=_("Comma-separated labels shown as blocks on the home page."),
    )
    # One pin by construction: the settings row holds it (no rule to enforce
    # across posts), and saving the settings purges every cached page.
    lead_post = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lead story"),
        help_text=_(
            "Pinned at the top of the home page while it is live. Empty, or "
            "once it is unpublished, the newest post with the featured label leads."
        ),
    )
    followers_shown_from = models.PositiveIntegerField(
        default=10,
        verbose_name=_("show the follower count from"),
        help_text=_(
            "The Followers widget shows how many readers follow the site once "
            "they are at least this many; below that, only the Follow form."
        ),
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self):
        return str(self.name)

    @classmethod
    def read_row(cls):
        # The site's row is made the first time anything reads it.
        return cls.objects.get_or_create(pk=1)[0]

    def clean(self):
        super().clean()
        if self.time_zone and zone_or_none(self.time_zone) is None:
            raise ValidationError(
                {"time_zone": _("%(name)s is not a known time zone.")
                 % {"name": self.time_zone}}
            )  # fmt: skip

    @property
    def zone(self):
        """The site's time zone, or None for the server's own."""
        return zone_or_none(self.time_zone) if self.time_zone else None

    @property
    def home_label_names(self):
        return [name.strip() for name in self.home_labels.split(",") if name.strip()]


class ReviewNote(models.Model):
    """
    One step of a post's review: a writer submitting it, an editor asking for
    changes (with the note the writer reads on the post) or approving it by
    publishing or scheduling. Written by articles/publishing.py with the move.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review note")
        indexes = [models.Index(fields=["post", "-created_at"], name="review_post_idx")]

    def __str__(self):
        return "%s: %s" % (self.post_id, self.get_kind_display())


def new_preview_token_id():
    return secrets.token_urlsafe(16)


class PreviewLinkQuerySet(models.QuerySet):
    def active(self, *, now=None):
        """Links that still open the preview: not revoked, not expired."""
        return self.filter(revoked_at=None, expires_at__gt=now or timezone.now())


class PreviewLink(models.Model):
    """
    A preview link handed out for a draft or scheduled post: the signed token
    in its address names this row, so the post form lists the links that
    exist with their expiry and an editor can revoke one.
    """

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="preview_links"
    )
    token_id = models.CharField(
        max_length=32, unique=True, default=new_preview_token_id, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("preview link")

    def __str__(self):
        return "%s (%s)" % (self.post_id, self.token_id[:6])

    def is_active(self, *, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class Correction(models.Model):
    """
    A saved change to a live post that readers are told about: under the post,
    "Updated 5 Dec 2026, 14:30 — note", and the post's dateModified. An editor
    marks one revision of the post's history as a correction.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="corrections")
    version = models.ForeignKey(
        "reversion.Version",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The saved revision of the post that made the correction."),
    )
    changed_at = models.DateTimeField(
        help_text=_("When the corrected text was saved: the time readers see.")
    )
    note = models.CharField(
        max_length=500,
        help_text=_("What was wrong and what was corrected, for readers."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("correction")
        constraints = [
            models.UniqueConstraint(
                fields=["version"], name="one_correction_per_version"
            )
        ]
        indexes = [
            models.Index(fields=["post", "-changed_at"], name="correction_post_idx")
        ]

    def __str__(self):
        return "%s: %s" % (self.post_id, self.note[:40])


def latest_correction_time(post_ref):
    """The newest correction's time of the post `post_ref` names, as a subquery."""
    return models.Subquery(
        Correction.objects.filter(post=post_ref)
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )
