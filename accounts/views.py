import logging
from urllib.parse import urlencode

from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from articles.models import SiteSettings

from . import devices, limits, services, tokens
from .forms import (
    SignalingPasswordResetForm,
    SignInForm,
    SignUpForm,
    UnlockForm,
    wait_message,
)
from .middleware import mark_refused

logger = logging.getLogger(__name__)
NOINDEX = {"robots": "noindex"}


# A return address longer than this is not a page of ours worth going back to.
NEXT_MAX_LENGTH = 1000
# The pages of signing in and up themselves (and what is under them).
NOT_BACK_TO = ("login", "logout", "signup", "signin_unlock", "password_reset")


def _safe_next(request, target):
    """
    Where to send the reader back to after signing in or up: `target` if it
    is a path on this site (never another host, whatever its spelling), and
    not an account page itself (going back to the sign-in page after signing
    in would be going nowhere); else "".
    """
    if not target or len(target) > NEXT_MAX_LENGTH or not target.startswith("/"):
        return ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts=set(), require_https=request.is_secure()
    ):
        return ""
    path = target.split("?", 1)[0].split("#", 1)[0]
    if any(path.startswith(reverse(name)) for name in NOT_BACK_TO):
        return ""
    return target


def _refuse(view, form, decision):
    """The form again, with the wait named; SignInMiddleware makes it a 429."""
    mark_refused(view.request, decision)
    form.add_error(None, wait_message(decision, kind="requests"))
    return view.form_invalid(form)


def _mail_failed(view, form, what):
    logger.exception("Could not send %s", what)
    form.add_error(None, services.mail_error_message())
    return view.form_invalid(form)


class CountedPostMixin:
    """
    A form view whose every POST is counted by `count` (a limit in
    accounts/limits.py) before the form is read; past the limit the form comes
    back with the wait named, and SignInMiddleware makes it a 429.
    """

    count = None  # a function of the request returning a ratelimit.Decision

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        decision = self.count(request)
        if not decision:
            return _refuse(self, form, decision)
        if form.is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True
    next_page = "articles:home"
    extra_context = NOINDEX

    def get_redirect_url(self, request=None):
        """The page the reader came from (`next`), if it is one of ours."""
        request = request or self.request
        field = self.redirect_field_name
        return _safe_next(request, request.POST.get(field, request.GET.get(field)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # LoginView puts the request's host in `site`; pages show the newsroom's.
        context["site"] = SiteSettings.load()
        return context


class SignOutView(auth_views.LogoutView):
    next_page = "articles:home"


@method_decorator(never_cache, name="dispatch")
class SignUpView(CountedPostMixin, FormView):
    """
    Answers the same whether or not the address has an account: a new one gets
    an inactive account and a confirmation link, a known one an e-mail saying
    so with a password reset link (accounts/services.py).
    """

    count = staticmethod(limits.count_signup)
    form_class = SignUpForm
    template_name = "registration/signup.html"
    extra_context = NOINDEX

    def next_url(self):
        """The page to go back to once the address is confirmed, kept through the mail."""
        request = self.request
        return _safe_next(request, request.POST.get("next", request.GET.get("next")))

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, next=self.next_url())

    def form_valid(self, form):
        next_url = self.next_url()
        try:
            services.sign_up(self.request, form, next_url)
        except OSError:  # smtplib's errors included
            return _mail_failed(self, form, "a sign-up e-mail")
        sent = resolve_url("signup_sent")
        if next_url:
            sent += "?" + urlencode({"next": next_url})
        return redirect(sent)


class SignUpSentView(TemplateView):
    """Check your inbox; a way back to the page the reader was on."""

    template_name = "registration/signup_sent.html"
    extra_context = NOINDEX

    def get_context_data(self, **kwargs):
        next_url = _safe_next(self.request, self.request.GET.get("next"))
        return super().get_context_data(**kwargs, next=next_url)


def _link_problem(request, heading, message, again_url, again_label):
    return render(
        request,
        "registration/link_problem.html",
        {
            "heading": heading,
            "message": message,
            "again_url": again_url,
            "again_label": again_label,
            **NOINDEX,
        },
        status=400,
    )


@never_cache
def signup_confirm(request, token):
    """GET shows a button (mail scanners open links); POST confirms and signs in."""
    next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if request.method != "POST":
        try:
            tokens.read_signup_token(token)
        except tokens.InvalidLink as error:
            return _signup_link_problem(request, error)
        return render(
            request,
            "registration/signup_confirm.html",
            {"next": next_url, **NOINDEX},
        )
    try:
        result, user = services.confirm_sign_up(token)
    except tokens.InvalidLink as error:
        return _signup_link_problem(request, error)
    if result == services.ConfirmResult.ALREADY:
        return render(
            request,
            "registration/signup_confirmed_already.html",
            {"next": next_url, **NOINDEX},
        )
    auth.login(request, user, backend="accounts.backends.AccountBackend")
    return redirect(next_url or resolve_url("articles:home"))


def _signup_link_problem(request, error):
    if isinstance(error, tokens.ExpiredLink):
        heading = _("This link has expired")
    else:
        heading = _("This link is not valid")
    return _link_problem(
        request,
        heading,
        _("Sign up again with the same e-mail address to get a new confirmation link."),
        resolve_url("signup"),
        _("Create an account"),
    )


@method_decorator(never_cache, name="dispatch")
class UnlockRequestView(CountedPostMixin, FormView):
    """Asks for an unlock link by e-mail; the answer never says whether the account exists."""

    count = staticmethod(limits.count_unlock_request)
    form_class = UnlockForm
    template_name = "registration/unlock_form.html"
    extra_context = NOINDEX

    def get_initial(self):
        return {"username": self.request.GET.get("username", "")[:150]}

    def form_valid(self, form):
        try:
            services.request_unlock(self.request, form.cleaned_data["username"])
        except OSError:
            return _mail_failed(self, form, "an unlock e-mail")
        return redirect("signin_unlock_sent")


class UnlockSentView(TemplateView):
    template_name = "registration/unlock_sent.html"
    extra_context = NOINDEX


@never_cache
def unlock_confirm(request, token):
    """GET shows a button; POST uses the link (once) and trusts this browser."""
    try:
        if request.method != "POST":
            tokens.read_unlock_token(token)
            return render(request, "registration/unlock_confirm.html", NOINDEX)
        user = services.use_unlock_link(token)
    except tokens.InvalidLink as error:
        if isinstance(error, tokens.ExpiredLink):
            heading = _("This link has expired")
        elif isinstance(error, services.UsedLink):
            heading = _("This link was already used")
        else:
            heading = _("This link is not valid")
        return _link_problem(
            request,
            heading,
            _("Ask for a new unlock link if you still cannot sign in."),
            resolve_url("signin_unlock"),
            _("Ask for a new link"),
        )
    devices.issue(request, user.get_username())
    return render(
        request,
        "registration/unlock_done.html",
        {"username": user.get_username(), "is_staff": user.is_staff, **NOINDEX},
    )


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(CountedPostMixin, auth_views.PasswordResetView):
    count = staticmethod(limits.count_password_reset)
    form_class = SignalingPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # Past the cap for this address, no mail; the answer stays the same.
        if not limits.may_mail_address(form.cleaned_data["email"]):
            return redirect(self.get_success_url())
        self.extra_email_context = {"site_name": SiteSettings.load().name}
        try:
            return super().form_valid(form)
        except OSError:
            return _mail_failed(self, form, "a password reset e-mail")
