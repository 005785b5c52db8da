import logging

from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.generic import FormView, TemplateView

from newsroom.ratelimit import retry_after_minutes

from . import services
from .forms import FollowForm
from .tokens import ExpiredLink, InvalidLink

logger = logging.getLogger(__name__)


@method_decorator(never_cache, name="dispatch")
class FollowView(FormView):
    form_class = FollowForm
    template_name = "followers/follow.html"
    extra_context = {"robots": "noindex"}

    def form_valid(self, form):
        try:
            services.follower_request(
                email=form.cleaned_data["email"],
                labels=form.cleaned_data["labels"],
                request=self.request,
            )
        except services.Throttled as throttled:
            return self._throttled(form, throttled)
        except OSError:  # smtplib's errors included
            # The mail server is down or refused: say so, keep what was typed.
            logger.exception("Could not send a follow confirmation")
            form.add_error(
                None,
                _(
                    "We could not send the confirmation e-mail just now. "
                    "Please try again in a few minutes."
                ),
            )
            return self.form_invalid(form)
        return redirect("followers:sent")

    def _throttled(self, form, throttled):
        minutes = retry_after_minutes(throttled.decision)
        if throttled.recipient:
            message = ngettext(
                "Several confirmation e-mails were sent to this address in the "
                "last hour. Please use the newest one, or try again in "
                "%(minutes)d minute.",
                "Several confirmation e-mails were sent to this address in the "
                "last hour. Please use the newest one, or try again in "
                "%(minutes)d minutes.",
                minutes,
            )
        else:
            message = ngettext(
                "Too many follow requests came from your network in a short "
                "time. Please try again in %(minutes)d minute.",
                "Too many follow requests came from your network in a short "
                "time. Please try again in %(minutes)d minutes.",
                minutes,
            )
        form.add_error(None, message % {"minutes": minutes})
        response = self.form_invalid(form)
        response.status_code = 429
        response["Retry-After"] = str(throttled.decision.retry_after)
        return response


class SentView(TemplateView):
    template_name = "followers/sent.html"
    extra_context = {"robots": "noindex"}


def _result(request, heading, message, status=200, follow_again=False):
    return render(
        request,
        "followers/result.html",
        {
            "heading": heading,
            "message": message,
            "follow_again": follow_again,
            "robots": "noindex",
        },
        status=status,
    )


@never_cache
def confirm(request, token):
    try:
        outcome, _follower = services.follower_confirm(token=token)
    except ExpiredLink:
        return _result(
            request,
            _("This link has expired"),
            _("Nothing was changed. Follow again to get a new confirmation e-mail."),
            status=400,
            follow_again=True,
        )
    except InvalidLink:
        return _result(
            request,
            _("This link is not valid"),
            _(
                "Nothing was changed. Open the link exactly as it is in the e-mail, "
                "or follow again to get a new one."
            ),
            status=400,
            follow_again=True,
        )
    Outcome = services.ConfirmResult
    if outcome is Outcome.CONFIRMED:
        return _result(
            request,
            _("You are following"),
            _("Thank you. New posts will come to your inbox in a digest."),
        )
    if outcome is Outcome.ALREADY:
        return _result(
            request,
            _("Already confirmed"),
            _("You confirmed this before; nothing was changed."),
        )
    if outcome is Outcome.SUPERSEDED:
        return _result(
            request,
            _("This link was replaced"),
            _(
                "Nothing was changed. A newer confirmation e-mail was sent: "
                "use the link in that one."
            ),
            status=400,
        )
    return _result(
        request,
        _("This link is no longer valid"),
        _("Nothing was changed. This address no longer follows the site."),
        status=400,
        follow_again=True,
    )


@csrf_exempt  # The signed link is the credential; mail providers POST it (RFC 8058).
@never_cache
@require_http_methods(["GET", "POST"])
def unfollow(request, token):
    try:
        services.tokens.read_unfollow_token(token)
    except InvalidLink:
        return _result(
            request,
            _("This link is not valid"),
            _("Nothing was changed. Open the link exactly as it is in the e-mail."),
            status=400,
        )
    if request.method == "GET":
        # A GET changes nothing: link scanners open every link in a mail.
        return render(
            request, "followers/unfollow.html", {"robots": "noindex", "token": token}
        )
    services.follower_unfollow(token=token)
    return _result(
        request,
        _("You no longer follow"),
        _("No more e-mails will be sent to this address."),
        follow_again=True,
    )
