from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import resolve
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from articles.models import Page, Post
from newsroom import ratelimit

from . import services, spam
from .cookies import remember_comment
from .forms import CommentForm, ReportForm
from .models import Comment, closed_message

MODERATE = "comments.moderate_comment"
# Reports from one address (an IPv6 /64 as one): at most this many an hour.
REPORT_SCOPE = "comment-reports"
REPORT_LIMIT = 10
REPORT_WINDOW = 3600
# What readers comment on, by the name in the form's address.
TARGETS = {"post": Post, "page": Page}


def _target_page(request, target, form, status):
    """The post's or page's page again, with the reader's form, its text and the reason."""
    match = resolve(target.get_absolute_url())
    view = match.func.view_class(extra_context={"comment_form": form})
    view.setup(request, *match.args, **match.kwargs)
    response = view.get(request, *match.args, **match.kwargs)
    response.status_code = status
    return response


@require_POST
def comment_create(request, kind, pk):
    """
    A reader's comment on a post or a page (`kind`). CSRF is checked as for
    every POST: anonymous readers' forms fetch their CSRF token and their
    single-use form token (comments/spam.py) when the reader starts writing
    (newsroom/csrf.py), so pages stay the same for every reader and
    cacheable. Refused forms come back with what was typed and a fresh token;
    too many comments from one address get a 429 with Retry-After.
    """
    target = get_object_or_404(TARGETS[kind].objects.published(), pk=pk)
    form = CommentForm(request.POST, target=target, user=request.user)
    if not target.comments_open:
        form.add_error(None, closed_message(target))
        return _target_page(request, target, form, status=403)
    status = 200
    refusal = None
    if form.is_valid():
        data = form.cleaned_data
        refusal = spam.screen(request, target=target, cleaned_data=data)
        if refusal is None or refusal.store_as_spam:
            comment = services.comment_submit(
                target=target,
                parent=data["parent"],
                name=data["name"],
                email=data["email"],
                text=data["text"],
                user=request.user,
                ip_address=ratelimit.client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                spam=refusal is not None,
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
        if refusal is None:
            response = HttpResponseRedirect(comment.get_absolute_url())
            if comment.is_pending:
                remember_comment(request, response, comment)
            return response
        form.add_error(None, refusal.message)
        status = refusal.status
    form.renew_token()
    response = _target_page(request, target, form, status=status)
    if refusal is not None and refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def _moderated_comment(request, pk):
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    return get_object_or_404(Comment.objects.select_related("post", "page"), pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
def comment_delete(request, pk):
    """A moderator's "Delete": a confirmation page, then a POST that removes."""
    comment = _moderated_comment(request, pk)
    if request.method == "POST":
        try:
            services.comment_remove(comment=comment, actor=request.user)
        except ValidationError:
            pass  # Already removed: the page shows the current state.
        return HttpResponseRedirect(comment.get_absolute_url())
    return render(
        request,
        "comments/comment_confirm_delete.html",
        {"comment": comment, "robots": "noindex"},
    )


@require_POST
def comment_approve(request, pk):
    comment = _moderated_comment(request, pk)
    try:
        services.comment_approve(comment=comment, actor=request.user)
    except ValidationError:
        pass  # Not held any more: the page shows the current state.
    return HttpResponseRedirect(comment.get_absolute_url())


@require_POST
def comment_spam(request, pk):
    """A moderator's "Spam" on the public page: hidden as spam at once."""
    comment = _moderated_comment(request, pk)
    try:
        services.comment_spam(comment=comment, actor=request.user)
    except ValidationError:
        pass  # Already spam: the page shows the current state.
    return HttpResponseRedirect(comment.get_absolute_url())


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def comment_report(request, pk):
    """
    A reader's "Report": a short form (reason, optional note), then a POST
    that stores one report per reader and comment. Never cached (it carries
    a CSRF token), so the post's page itself stays the same for everyone.
    """
    comment = get_object_or_404(
        Comment.objects.approved().select_related("post", "page"), pk=pk
    )
    if not comment.target.is_published():
        raise Http404
    context = {"comment": comment, "robots": "noindex", "done": False}
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            decision = ratelimit.hit(
                REPORT_SCOPE,
                ratelimit.client_group(request),
                limit=REPORT_LIMIT,
                window=REPORT_WINDOW,
            )
            if decision.allowed:
                _report, created = services.comment_report(
                    comment=comment,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    user=request.user,
                    ip_address=ratelimit.client_address(request),
                )
                context["done"] = True
                context["already"] = not created
            else:
                minutes = ratelimit.retry_after_minutes(decision)
                form.add_error(
                    None,
                    ngettext(
                        "You have sent several reports in a short time. "
                        "Please try again in %(minutes)d minute.",
                        "You have sent several reports in a short time. "
                        "Please try again in %(minutes)d minutes.",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
                status = 429
        else:
            status = 400
    else:
        form = ReportForm()
    context["form"] = form
    response = render(request, "comments/comment_report.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(decision.retry_after)
    return response
