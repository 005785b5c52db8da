# Django's own URL names (login, logout, password_reset...), so its views and
# LOGIN_URL find them without settings.
from django.contrib.auth import views as auth_views
from django.urls import path

from . import membership_views, views

urlpatterns = [
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("signup/sent/", views.SignUpSentView.as_view(), name="signup_sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("membership/", membership_views.membership_view, name="membership"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("unlock/", views.UnlockRequestView.as_view(), name="signin_unlock"),
    path("unlock/sent/", views.UnlockSentView.as_view(), name="signin_unlock_sent"),
    path("unlock/<str:token>/", views.unlock_confirm, name="signin_unlock_confirm"),
    path(
        "password_reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
