"""
Who passes a second factor, and when.

"Staff" are the users who can run any part of the newsroom: everyone who may
use the admin (`is_staff`: editors, writers, moderators in the demo),
superusers, and anyone holding the comment moderation permission (who can
moderate from the site's pages without the admin). Readers and members never
see two-factor sign-in.

A staff user must be verified in this session before the admin and the
moderation views when `NEWSROOM["REQUIRE_2FA_FOR_STAFF"]` is on, and always
once they have set up an authenticator app themselves.
"""

from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.conf import newsroom_setting

MODERATE = "comments.moderate_comment"
# Wrong codes per user before the verify and setup pages answer 429.
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60
RATE_SCOPE = "2fa"
RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def _conf(name, default):
    return newsroom_setting(name)


def required():
    """Whether the site requires a second factor of every staff user."""
    return bool(_conf("REQUIRE_2FA_FOR_STAFF", False))


def failure_limit():
    return int(_conf("TWOFACTOR_MAX_FAILURES", MAX_FAILURES))


def failure_window():
    return int(_conf("TWOFACTOR_FAILURE_WINDOW", FAILURE_WINDOW))


def is_staff(user):
    """Users who run the newsroom (see the module's docstring)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.is_superuser or user.has_perm(MODERATE))


def has_app(user):
    """Whether `user` has a confirmed authenticator app (TOTP device)."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def is_verified(user):
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())
