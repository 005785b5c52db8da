"""
Account limits: the sign-in, unlock, sign-up and password-reset policies on top
of the project's one rate limiter (newsroom/ratelimit.py).

Sign-in (readers' and the admin's) counts every attempt *before* the password
is checked, so a parallel burst gets exactly the limit evaluated:

- from a browser holding a valid device cookie for the username typed (it
  signed in as that user before, accounts/devices.py): only that device's own
  limit applies, so an attacker guessing the password cannot lock the owner out;
- from any other browser: a limit per client address group across usernames
  (password spraying) and a limit per username across addresses (a botnet on one
  account). When the username limit holds, the owner can ask for an unlock link
  by e-mail (accounts/unlock.py).

A success does not give the address or username budget back (an attacker could
otherwise reset it by signing in to an account of their own); it clears only the
device's count.
"""

from dataclasses import dataclass

from newsroom import ratelimit
from newsroom.conf import newsroom_setting

HOUR = 3600


def setting(name):
    """An account limit from NEWSROOM (defaults and meanings: newsroom/conf.py)."""
    return newsroom_setting(name)


def signin_window():
    return int(setting("SIGNIN_THROTTLE_WINDOW_SECONDS"))


def username_key(username):
    """Usernames are counted case-insensitively and without outer spaces."""
    return (username or "").strip().casefold()


@dataclass(frozen=True)
class Refusal:
    """A limit that holds: which one ("address", "username", "device") and for how long."""

    kind: str
    decision: ratelimit.Decision

    @property
    def retry_after(self):
        return self.decision.retry_after

    @property
    def minutes(self):
        return ratelimit.retry_after_minutes(self.decision)


def count_signin_attempt(request, username, device_nonce=None):
    """
    Count one sign-in attempt before its password is checked; a Refusal when a
    limit holds (the password must then not be checked), else None.
    """
    window = signin_window()
    if device_nonce:
        decision = ratelimit.hit(
            "signin-device",
            device_nonce,
            limit=setting("SIGNIN_THROTTLE_DEVICE_FAILURES"),
            window=window,
        )
        return None if decision else Refusal("device", decision)
    decision = ratelimit.hit(
        "signin-address",
        ratelimit.client_group(request),
        limit=setting("SIGNIN_THROTTLE_ADDRESS_FAILURES"),
        window=window,
    )
    if not decision:
        return Refusal("address", decision)
    decision = ratelimit.hit(
        "signin-username",
        username_key(username),
        limit=setting("SIGNIN_THROTTLE_FAILURES"),
        window=window,
    )
    return None if decision else Refusal("username", decision)


def signin_succeeded(device_nonce=None):
    if device_nonce:
        ratelimit.reset("signin-device", device_nonce, window=signin_window())


def username_is_held(username):
    return not ratelimit.peek(
        "signin-username",
        username_key(username),
        limit=setting("SIGNIN_THROTTLE_FAILURES"),
        window=signin_window(),
    )


def _hit_hourly(scope, key, name):
    return ratelimit.hit(scope, key, limit=setting(name), window=HOUR)


def count_unlock_request(request):
    """One unlock request from this address; its Decision."""
    return _hit_hourly(
        "unlock-address",
        ratelimit.client_group(request),
        "SIGNIN_UNLOCK_REQUESTS_PER_ADDRESS_PER_HOUR",
    )


def may_send_unlock_mail(user):
    return bool(
        _hit_hourly("unlock-mail", "user:%d" % user.pk, "SIGNIN_UNLOCK_MAILS_PER_HOUR")
    )


def count_signup(request):
    return _hit_hourly(
        "signup-address",
        ratelimit.client_group(request),
        "SIGNUP_PER_ADDRESS_PER_HOUR",
    )


def count_password_reset(request):
    return _hit_hourly(
        "reset-address",
        ratelimit.client_group(request),
        "PASSWORD_RESET_PER_ADDRESS_PER_HOUR",
    )


def may_mail_address(email):
    """One account e-mail (sign-up, reset) to `email`; False past the cap."""
    return bool(
        _hit_hourly(
            "account-mail",
            (email or "").strip().casefold(),
            "ACCOUNT_MAILS_PER_EMAIL_PER_HOUR",
        )
    )
