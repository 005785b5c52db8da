from django.urls import path

from . import views

app_name = "twofactor"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("setup/", views.setup, name="setup"),
    path("verify/", views.verify, name="verify"),
    path("recovery-codes/", views.new_recovery_codes, name="recovery_codes"),
    path("turn-off/", views.turn_off, name="turn_off"),
]
