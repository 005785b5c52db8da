from django import template
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from .. import extensions
from ..models import Post, Status, scheduled_q

register = template.Library()


@register.inclusion_tag("admin/articles/dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """Counts editors start the day with: drafts, review queue, schedule, comments."""
    request = context["request"]
    user = request.user
    result = {"rows": [], "extensions": ""}
    if user.has_perm("articles.view_post"):
        now = timezone.now()
        posts = Post.objects.order_by()
        if not user.has_perm("articles.edit_any_post"):
            posts = posts.filter(author=user)
        totals = posts.aggregate(
            drafts=Count("pk", filter=Q(status=Status.DRAFT)),
            pending=Count("pk", filter=Q(status=Status.PENDING)),
            scheduled=Count("pk", filter=scheduled_q(now=now)),
            next_at=Min("published_at", filter=scheduled_q(now=now)),
        )
        changelist = reverse("admin:articles_post_changelist")
        result.update(
            rows=[
                ("drafts", totals["drafts"], changelist + "?state=draft"),
                ("pending", totals["pending"], changelist + "?state=pending"),
                ("scheduled", totals["scheduled"], changelist + "?state=scheduled"),
            ],
            next_at=totals["next_at"],
            add_url=reverse("admin:articles_post_add")
            if user.has_perm("articles.add_post")
            else "",
        )
    # Other apps' counts (the comments app's moderation queue).
    result["extensions"] = mark_safe(  # noqa: S308 - HTML rendered by our templates
        "".join(part(context) for part in extensions.dashboard_parts)
    )
    return result
