from django import template
from django.db.models import Count
from django.urls import reverse

from ..models import Comment

register = template.Library()


@register.inclusion_tag("comments/admin/queue_counts.html", takes_context=True)
def comment_queue_counts(context):
    """The moderation queue's size on the admin dashboard, for who may see it."""
    user = context["request"].user
    if not user.has_perm("comments.view_comment"):
        return {"rows": []}
    totals = dict(
        Comment.objects.order_by()
        .values_list("status")
        .annotate(total=Count("pk"))
        .values_list("status", "total")
    )
    changelist = reverse("admin:comments_comment_changelist")
    rows = [
        {
            "label": status.label,
            "count": totals.get(status.value, 0),
            "url": "%s?status__exact=%s" % (changelist, status.value),
            "pending": status == Comment.Status.PENDING,
        }
        for status in Comment.Status
    ]
    return {"rows": rows}
