from datetime import timedelta

from django import template
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .. import extensions, people, review, roles
from ..models import Post, ReviewNote, Status, scheduled_q, visible_q

register = template.Library()

# Posts listed under each heading; the count says how many there are in all.
LIST_LENGTH = 5
RECENT = timedelta(days=7)


@register.inclusion_tag("admin/articles/dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """
    What needs attention, as lists with counts and links: my drafts, waiting
    for review, scheduled today and later this week, recently published; then
    what other apps add (the comments app's moderation queue), first for
    moderators. A constant number of queries, whatever the number of posts.
    """
    request = context["request"]
    user = request.user
    result = {"lists": [], "extensions_first": False}
    parts = [part(context) for part in extensions.dashboard_parts]
    if user.has_perm("articles.view_post"):
        result.update(post_lists(user))
        result["extensions_first"] = any(parts) and is_moderator(user)
    # Other apps' parts (the comments app's moderation queue).
    result["extensions"] = mark_safe("".join(parts))  # noqa: S308 - our templates
    return result


def is_moderator(user):
    return user.groups.filter(name=roles.MODERATORS).exists()


def post_lists(user):
    now = timezone.now()
    local = timezone.localtime(now)
    tomorrow = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )
    week_end = tomorrow + timedelta(days=6)
    posts = Post.objects.order_by()
    if not roles.can_edit_any_post(user):
        posts = posts.filter(author=user)
    scheduled = scheduled_q(now=now)
    conditions = {
        "my_drafts": Q(status=Status.DRAFT, author=user),
        "pending": Q(status=Status.PENDING),
        "today": scheduled & Q(published_at__lt=tomorrow),
        "week": scheduled & Q(published_at__gte=tomorrow, published_at__lt=week_end),
        "recent": visible_q(now=now) & Q(published_at__gte=now - RECENT),
    }
    # Only rows some list can count: drafts, posts in review, and published
    # ones from a week ago on (the scheduled ones among them), so the date
    # index spares reading every post (9 ms for 10,000).
    candidates = Q(status__in=[Status.DRAFT, Status.PENDING]) | Q(
        status=Status.PUBLISHED, published_at__gte=now - RECENT
    )
    totals = posts.filter(candidates).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )
    rows = posts.select_related("author").only(
        "id",
        "title",
        "status",
        "published_at",
        "updated_at",
        "author__username",
        "author__first_name",
        "author__last_name",
    )
    submitted_at = Subquery(
        ReviewNote.objects.filter(post=OuterRef("pk"), kind=ReviewNote.Kind.SUBMITTED)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    orders = {
        "my_drafts": ["-updated_at", "-id"],
        "pending": ["updated_at", "id"],
        "today": ["published_at", "id"],
        "week": ["published_at", "id"],
        "recent": ["-published_at", "-id"],
    }
    changelist = reverse("admin:articles_post_changelist")
    agenda = reverse("admin:articles_post_agenda")
    links = {
        "my_drafts": "%s?state=draft&author__id__exact=%d" % (changelist, user.pk),
        "pending": changelist + "?state=pending",
        "today": agenda,
        "week": agenda,
        "recent": changelist + "?state=live",
    }
    titles = {
        "my_drafts": _("My drafts"),
        "pending": _("Waiting for review"),
        "today": _("Scheduled today"),
        "week": _("Scheduled later this week"),
        "recent": _("Recently published"),
    }
    empty = {
        "my_drafts": _("No drafts."),
        "pending": _("Nothing is waiting for review."),
        "today": _("Nothing goes live today."),
        "week": _("Nothing else is scheduled this week."),
        "recent": _("Nothing was published in the last 7 days."),
    }
    lists = []
    for key, condition in conditions.items():
        selection = rows.filter(condition).order_by(*orders[key])
        if key == "pending":
            selection = selection.annotate(submitted_at=submitted_at)
        items = [
            {
                "title": post.title,
                "url": reverse("admin:articles_post_change", args=[post.pk]),
                "meta": item_meta(key, post),
            }
            for post in selection[:LIST_LENGTH]
        ]
        lists.append(
            {
                "key": key,
                "title": titles[key],
                "count": totals[key],
                "url": links[key],
                "items": items,
                "more": totals[key] - len(items),
                "empty": empty[key],
            }
        )
    return {
        "lists": lists,
        "add_url": reverse("admin:articles_post_add")
        if user.has_perm("articles.add_post")
        else "",
        "agenda_url": agenda,
    }


def item_meta(key, post):
    """The line under a post in a list: whose, and the time that matters."""
    name = people.display_name(post.author) or _("no author")
    if key == "my_drafts":
        return _("saved %(when)s") % {"when": review.when(post.updated_at)}
    if key == "pending":
        when = review.when(getattr(post, "submitted_at", None) or post.updated_at)
        return _("%(name)s, submitted %(when)s") % {"name": name, "when": when}
    if key in ("today", "week"):
        return _("%(name)s, goes live %(when)s") % {
            "name": name,
            "when": review.when(post.published_at),
        }
    return _("%(name)s, published %(when)s") % {
        "name": name,
        "when": review.when(post.published_at),
    }
