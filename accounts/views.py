from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.generic import CreateView

from articles.models import SiteSettings

from .forms import SignInForm, SignUpForm


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True
    next_page = "articles:home"
    extra_context = {"robots": "noindex"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # LoginView puts the request's host in `site`; pages show the newsroom's.
        context["site"] = SiteSettings.load()
        return context

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.is_throttled:
            response.status_code = 429
        return response


class SignOutView(auth_views.LogoutView):
    next_page = "articles:home"


@method_decorator(never_cache, name="dispatch")
class SignUpView(CreateView):
    form_class = SignUpForm
    template_name = "registration/signup.html"
    extra_context = {"robots": "noindex"}

    def form_valid(self, form):
        response = super().form_valid(form)
        auth.login(
            self.request,
            self.object,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        return response

    def get_success_url(self):
        target = self.request.POST.get("next") or self.request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return target
        return resolve_url("articles:home")


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"site_name": SiteSettings.load().name}
        return super().form_valid(form)
