"""
The moderation queue's rows: what each comment shows (the whole text, the
comment it replies to, its author, reports and blocks), its one-click
buttons, and the admin views those buttons and "Block…" post to.

The buttons are plain submit buttons of the changelist's own form, each
with its `formaction`: without JavaScript a click posts the form (its CSRF
token included) to the comment's action and comes back to the same list
position with a message. static/js/admin_moderation.js sends the same POST
with fetch, asks for JSON, and updates the row in place.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles.people import display_name
from newsroom.ratelimit import address_group

from . import services
from .models import Block, Comment, Report
from .text import comment_html

Status = Comment.Status
PARENT_EXCERPT = 160


class RowAction:
    def __init__(self, name, label, service, done, *, css=""):
        self.name = name
        self.label = label
        self.service = service
        self.done = done  # the message, with %(name)s
        self.css = css


ROW_ACTIONS = {
    action.name: action
    for action in [
        RowAction(
            "approve",
            _("Approve"),
            services.comment_approve,
            _("Approved the comment by %(name)s."),
            css="approve",
        ),
        RowAction(
            "spam",
            _("Spam"),
            services.comment_spam,
            _("Marked the comment by %(name)s as spam."),
            css="spam",
        ),
        RowAction(
            "remove",
            _("Delete"),
            services.comment_remove,
            _("Deleted the comment by %(name)s."),
            css="delete",
        ),
        RowAction(
            "restore",
            _("Restore"),
            services.comment_restore,
            _("Restored the comment by %(name)s."),
        ),
        RowAction(
            "keep",
            _("Dismiss reports"),
            services.comment_keep,
            _("Dismissed the reports on the comment by %(name)s; it stays published."),
        ),
    ]
}


def actions_for(comment):
    """The buttons a row offers, in order, with the label each shows."""
    status = comment.status
    reported = bool(getattr(comment, "open_reports", 0))
    if status == Status.PENDING:
        return [("approve", None), ("spam", None), ("remove", None)]
    if status == Status.APPROVED:
        shown = [("spam", None), ("remove", None)]
        return ([("keep", None)] if reported else []) + shown
    if status == Status.SPAM:
        return [("restore", _("Not spam")), ("remove", None)]
    return [("restore", None), ("spam", None)]


def action_url(comment, name):
    return reverse("admin:comments_comment_moderate", args=[comment.pk, name])


def row_actions_html(comment, *, return_to, can_block):
    buttons = []
    for name, label in actions_for(comment):
        action = ROW_ACTIONS[name]
        buttons.append(
            format_html(
                '<button type="submit" class="button row-action row-action-{}" '
                'formaction="{}" formmethod="post" name="next" value="{}" '
                'data-moderate="{}">{}<span class="visually-hidden"> {}</span>'
                "</button>",
                action.css or name,
                action_url(comment, name),
                return_to,
                name,
                label or action.label,
                gettext("the comment by %(name)s") % {"name": comment.name},
            )
        )
    if can_block and (comment.user_id or comment.email or comment.ip_address):
        buttons.append(
            format_html(
                '<a class="row-action-block" href="{}?next={}">{}'
                '<span class="visually-hidden"> {}</span></a>',
                reverse("admin:comments_comment_block", args=[comment.pk]),
                return_to,
                gettext("Block…"),
                gettext("the author of the comment by %(name)s")
                % {"name": comment.name},
            )
        )
    return format_html(
        '<div class="row-actions" data-comment="{}" data-failed="{}">{}</div>',
        comment.pk,
        gettext("The change could not be saved. Reload the page and try again."),
        format_html_join("", "{}", ((button,) for button in buttons)),
    )


def _author_html(comment):
    parts = [format_html("<strong>{}</strong>", comment.name)]
    if comment.user_id is not None:
        parts.append(
            format_html(
                '<span class="queue-account">{}</span>',
                gettext("account: %(name)s") % {"name": display_name(comment.user)},
            )
        )
    if comment.email:
        parts.append(
            format_html('<a href="mailto:{}">{}</a>', comment.email, comment.email)
        )
    if comment.ip_address:
        parts.append(format_html("<span>{}</span>", comment.ip_address))
    return format_html(
        '<p class="queue-author">{}</p>',
        format_html_join(" · ", "{}", ((part,) for part in parts)),
    )


def _parent_html(comment):
    parent = comment.parent
    if parent is None:
        return ""
    return format_html(
        '<blockquote class="queue-parent"><span class="queue-parent-head">{}</span> '
        "{}</blockquote>",
        gettext("In reply to %(name)s:") % {"name": parent.name},
        Truncator(parent.text).chars(PARENT_EXCERPT),
    )


def _reports_html(comment):
    reports = getattr(comment, "open_report_list", None) or []
    if not reports:
        return ""
    by_reason = {}
    for report in reports:
        by_reason.setdefault(report.get_reason_display(), []).append(report)
    reasons = format_html_join(
        ", ",
        "{} ({})",
        ((reason, len(items)) for reason, items in by_reason.items()),
    )
    notes = format_html_join(
        "",
        "<li>{}</li>",
        ((report.note,) for report in reports if report.note),
    )
    return format_html(
        '<div class="queue-reports"><strong>{}</strong> {}{}</div>',
        ngettext("%(count)d report:", "%(count)d reports:", len(reports))
        % {"count": len(reports)},
        reasons,
        format_html('<ul class="queue-report-notes">{}</ul>', notes) if notes else "",
    )


def _blocked_html(comment):
    kinds = getattr(comment, "blocked_kinds", None)
    if not kinds:
        return ""
    return format_html(
        '<p class="queue-blocked">{}</p>',
        gettext("Blocked by %(kinds)s")
        % {
            "kinds": ", ".join(
                str(kind.label).lower() for kind in Block.Kind if kind in kinds
            )
        },
    )


def comment_cell(comment, *, actions=""):
    """
    The wide column: author, the comment replied to, the whole text,
    reports and blocks, then the row's buttons (`actions`), as WordPress
    puts them under the comment.
    """
    return format_html(
        '<div class="queue-comment" id="queue-c{}">{}{}<div class="queue-text">{}'
        "</div>{}{}{}</div>",
        comment.pk,
        _author_html(comment),
        _parent_html(comment),
        comment_html(comment.text),
        _reports_html(comment),
        _blocked_html(comment),
        actions,
    )


def attach_blocks(comments):
    """`blocked_kinds` on each comment, from one query for the whole page."""
    users = {c.user_id for c in comments if c.user_id}
    emails = {c.email.strip().lower() for c in comments if c.email}
    groups = {address_group(c.ip_address) for c in comments if c.ip_address}
    groups.discard("")
    blocks = []
    if users or emails or groups:
        blocks = list(
            Block.objects.filter(
                Q(kind=Block.Kind.ACCOUNT, user_id__in=users)
                | Q(kind=Block.Kind.EMAIL, value__in=emails)
                | Q(kind=Block.Kind.ADDRESS, value__in=groups)
            ).values_list("kind", "value")
        )
    blocked = set(blocks)
    for comment in comments:
        kinds = set()
        if comment.user_id and (Block.Kind.ACCOUNT, str(comment.user_id)) in blocked:
            kinds.add(Block.Kind.ACCOUNT)
        if comment.email and (
            (Block.Kind.EMAIL, comment.email.strip().lower()) in blocked
        ):
            kinds.add(Block.Kind.EMAIL)
        if (Block.Kind.ADDRESS, address_group(comment.ip_address)) in blocked:
            kinds.add(Block.Kind.ADDRESS)
        comment.blocked_kinds = kinds


def safe_return(request, changelist_url):
    """Where to go back to: the list position the form came from, on this site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if (
        wanted.startswith(changelist_url)
        and url_has_allowed_host_and_scheme(
            wanted,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )
        and "\n" not in wanted
    ):
        return wanted
    return changelist_url


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _status_html(comment):
    return format_html(
        '<span class="queue-status queue-status-{}">{}</span>',
        comment.status,
        comment.get_status_display(),
    )


def moderate(model_admin, request, pk, action):
    """
    One click on a row: the service decides (a ModerationEvent, the pages
    purged), then back to the list with a message, or JSON for the script.
    """
    if not model_admin.has_moderate_permission(request):
        raise PermissionDenied
    row_action = ROW_ACTIONS.get(action)
    if row_action is None:
        raise Http404
    comment = get_object_or_404(Comment, pk=pk)
    changelist = reverse("admin:comments_comment_changelist")
    return_to = safe_return(request, changelist)
    try:
        row_action.service(comment=comment, actor=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
        if wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=409)
        model_admin.message_user(request, message, messages.WARNING)
        return HttpResponseRedirect("%s#queue-c%d" % (return_to, comment.pk))
    message = row_action.done % {"name": comment.name}
    if wants_json(request):
        comment = model_admin.get_queryset(request).get(pk=comment.pk)
        attach_blocks([comment])
        return JsonResponse(
            {
                "ok": True,
                "id": comment.pk,
                "status": comment.status,
                "status_html": _status_html(comment),
                "message": message,
                "comment_html": comment_cell(
                    comment,
                    actions=row_actions_html(
                        comment,
                        return_to=return_to,
                        can_block=model_admin.has_block_permission(request),
                    ),
                ),
            }
        )
    model_admin.message_user(request, message, messages.SUCCESS)
    return HttpResponseRedirect("%s#queue-c%d" % (return_to, comment.pk))


class BlockForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Block their new comments by"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one way to block them.")},
    )
    reason = forms.CharField(
        label=_("Reason (for the other moderators)"), max_length=200, required=False
    )
    also_spam = forms.BooleanField(
        label=_("Also mark this comment as spam"), required=False, initial=True
    )

    def __init__(self, *args, comment, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if comment.user_id:
            choices.append(
                (
                    Block.Kind.ACCOUNT,
                    gettext("Account: %(name)s") % {"name": display_name(comment.user)},
                )
            )
        if comment.email:
            choices.append(
                (
                    Block.Kind.EMAIL,
                    gettext("E-mail: %(email)s") % {"email": comment.email},
                )
            )
        group = address_group(comment.ip_address)
        if group:
            if group != comment.ip_address:
                text = gettext("Address: %(network)s (the network of %(address)s)")
            else:
                text = gettext("Address: %(address)s")
            choices.append(
                (
                    Block.Kind.ADDRESS,
                    text % {"network": group, "address": comment.ip_address},
                )
            )
        self.fields["kinds"].choices = choices
        self.fields["kinds"].initial = [value for value, _label in choices]
        if comment.status == Status.SPAM:
            del self.fields["also_spam"]


def block(model_admin, request, pk):
    """ "Block…" on a row: which of the author's account, e-mail, address, and why."""
    if not model_admin.has_block_permission(request):
        raise PermissionDenied
    comment = get_object_or_404(
        Comment.objects.select_related("post", "page", "user"), pk=pk
    )
    changelist = reverse("admin:comments_comment_changelist")
    return_to = safe_return(request, changelist)
    if request.method == "POST":
        form = BlockForm(request.POST, comment=comment)
        if form.is_valid():
            kinds = form.cleaned_data["kinds"]
            services.commenter_block(
                comment=comment,
                actor=request.user,
                kinds=kinds,
                reason=form.cleaned_data["reason"],
            )
            if form.cleaned_data.get("also_spam"):
                try:
                    services.comment_spam(comment=comment, actor=request.user)
                except ValidationError:
                    pass  # already spam
            labels = [str(k.label).lower() for k in Block.Kind if k in kinds]
            model_admin.message_user(
                request,
                gettext("Blocked %(name)s by %(kinds)s.")
                % {"name": comment.name, "kinds": ", ".join(labels)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect("%s#queue-c%d" % (return_to, comment.pk))
    else:
        form = BlockForm(comment=comment)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Block the author of a comment"),
        "comment": comment,
        "comment_html": comment_cell(comment),
        "form": form,
        "return_to": return_to,
        "has_choices": bool(form.fields["kinds"].choices),
    }
    status = 400 if form.is_bound else 200
    return TemplateResponse(
        request, "admin/comments/comment/block.html", context, status=status
    )


def open_reports_prefetch():
    return Prefetch(
        "reports",
        queryset=Report.objects.filter(resolved_at__isnull=True).order_by(
            "created_at", "pk"
        ),
        to_attr="open_report_list",
    )
