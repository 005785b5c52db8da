from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Reader accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from articles import extensions

        user_logged_in.connect(
            give_device_cookie, dispatch_uid="accounts-device-cookie"
        )
        extensions.add_demo_loader(load_demo)
        extensions.add_demo_loader(load_demo_share)
        extensions.add_dashboard_part(membership_requests)
        # Premium posts carry a badge on cards: a flag read in the list's own query.
        extensions.add_card_annotation("is_premium", premium_flag)
        extensions.add_template("card_meta", "accounts/includes/card_premium.html")


def give_device_cookie(sender, request, user, **kwargs):
    """Every sign-in (reader, admin, confirmed sign-up) trusts this browser."""
    from . import devices

    devices.issue(request, user.get_username())


def load_demo_share(out):
    from .demo import load_demo_share_post

    return load_demo_share_post(out)


def premium_flag(post_ref):
    from django.db.models import BooleanField, ExpressionWrapper, Q

    return ExpressionWrapper(~Q(premium_body=""), output_field=BooleanField())


def load_demo(out):
    from .demo import load_demo_members

    return load_demo_members(out)


def membership_requests(context):
    """On the admin dashboard, for editors: readers waiting to become members."""
    from django.template.loader import render_to_string

    from . import membership
    from .models import Membership

    request = context.get("request")
    if request is None or not membership.can_manage(request.user):
        return ""
    waiting = Membership.objects.filter(state=Membership.State.REQUESTED).count()
    if not waiting:
        return ""
    return render_to_string(
        "admin/accounts/membership/dashboard.html", {"waiting": waiting}
    )
