"""Two-factor sign-in for staff (twofactor/): setup, verify, recovery codes, limits."""

from datetime import timedelta

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import roles
from comments.models import Comment
from tests.articles.newsroom_admin import PASSWORD, make_person
from tests.factories import make_comment, make_moderator, make_post, make_user
from twofactor.views import make_recovery_codes

pytestmark = pytest.mark.django_db

Status = Comment.Status

ADMIN = "/admin/"
CHANGELIST = "/admin/articles/post/"
SETUP = "/two-factor/setup/"
VERIFY = "/two-factor/verify/"
MANAGE = "/two-factor/"


@pytest.fixture
def required(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "REQUIRE_2FA_FOR_STAFF": True}


@pytest.fixture
def not_required(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "REQUIRE_2FA_FOR_STAFF": False}


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS)
    client.force_login(user)
    return user


def code_for(device):
    return "%06d" % totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift,
    )


def give_app(user):
    """A confirmed authenticator app and 10 recovery codes, as after setup."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return device, make_recovery_codes(user)


def next_step(frozen_now):
    """Past the app's current time step and django-otp's throttling delay."""
    frozen_now.shift(timedelta(seconds=31))


def is_verified(client):
    return "otp_device_id" in client.session


class TestRequired:
    def test_editor_without_app_is_sent_to_setup_and_kept_out_of_the_admin(
        self, client, editor, required
    ):
        for path in (ADMIN, CHANGELIST, "/admin/articles/post/add/"):
            response = client.get(path)
            assert response.status_code == 302
            assert response["Location"].startswith(SETUP + "?next=")
        response = client.post(CHANGELIST, {"action": "delete_selected"})
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP)

    def test_editor_with_app_is_asked_for_a_code(self, client, editor, required):
        give_app(editor)
        response = client.get(CHANGELIST)
        assert response.status_code == 302
        assert response["Location"] == VERIFY + "?next=%2Fadmin%2Farticles%2Fpost%2F"
        assert client.get(SETUP)["Location"].startswith(VERIFY)

    def test_password_sign_in_through_the_admin_leads_to_setup(self, required):
        make_person(roles.EDITORS, username="asha")
        client = Client()
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": "asha", "password": PASSWORD, "next": "/admin/"},
        )
        assert response.status_code == 302
        assert "_auth_user_id" in client.session
        response = client.get(response["Location"])
        assert response["Location"] == SETUP + "?next=%2Fadmin%2F"

    def test_setup_confirms_the_app_with_its_first_code_and_shows_recovery_codes(
        self, client, editor, required, frozen_now
    ):
        response = client.get(SETUP + "?next=/admin/articles/post/")
        assert response.status_code == 200
        html = response.content.decode()
        assert '<img src="data:image/svg+xml' in html
        assert "csrfmiddlewaretoken" in html
        assert "no-cache" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        device = TOTPDevice.objects.get(user=editor)
        assert not device.confirmed
        secret = response.context["secret"].replace(" ", "")
        assert len(secret) == 32
        assert secret in html.replace(" ", "")
        # A reload keeps the same secret (the app may already hold it).
        assert client.get(SETUP).context["secret"] == response.context["secret"]

        response = client.post(
            SETUP, {"code": code_for(device), "next": "/admin/articles/post/"}
        )
        assert response.status_code == 200
        codes = response.context["codes"]
        assert len(codes) == 10
        for code in codes:
            assert code in response.content.decode()
        assert "no-cache" in response["Cache-Control"]
        device.refresh_from_db()
        assert device.confirmed
        assert is_verified(client)
        assert client.get(CHANGELIST).status_code == 200
        assert client.get(ADMIN).status_code == 200
        # Set up once: the setup page now leads to the account's settings.
        assert client.get(SETUP)["Location"] == MANAGE

    def test_setup_refuses_a_wrong_code(self, client, editor, required, frozen_now):
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=editor)
        wrong = "%06d" % ((int(code_for(device)) + 1) % 1_000_000)
        response = client.post(SETUP, {"code": wrong})
        assert response.status_code == 200
        assert "That code is not right" in response.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
        assert not is_verified(client)
        assert client.get(ADMIN).status_code == 302
        assert not StaticDevice.objects.filter(user=editor).exists()

    def test_code_from_the_app_verifies_the_session(
        self, client, editor, required, frozen_now
    ):
        device, _codes = give_app(editor)
        response = client.post(
            VERIFY, {"code": code_for(device), "next": "/admin/articles/post/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/admin/articles/post/"
        assert client.get(CHANGELIST).status_code == 200

    def test_wrong_code_is_refused(self, client, editor, required, frozen_now):
        device, codes = give_app(editor)
        for wrong in ("000000" if code_for(device) != "000000" else "111111", "zzzz"):
            response = client.post(VERIFY, {"code": wrong})
            assert response.status_code == 200
            assert "That code is not right" in response.content.decode()
            assert not is_verified(client)
        assert client.get(ADMIN).status_code == 302
        # An app code is never taken from the next user's device, nor twice.
        next_step(frozen_now)
        code = code_for(device)
        assert client.post(VERIFY, {"code": code}).status_code == 302
        other = Client()
        other.force_login(editor)
        assert other.post(VERIFY, {"code": code}).status_code == 200
        assert not is_verified(other)

    def test_recovery_code_works_once(self, client, editor, required):
        _device, codes = give_app(editor)
        code = codes[3]
        # Typed with a space and in capitals, it still matches.
        response = client.post(
            VERIFY, {"code": " %s %s" % (code[:4].upper(), code[4:])}
        )
        assert response.status_code == 302
        assert is_verified(client)
        assert client.get(ADMIN).status_code == 200
        assert not StaticToken.objects.filter(token=code).exists()
        assert StaticToken.objects.filter(device__user=editor).count() == 9

        again = Client()
        again.force_login(editor)
        response = again.post(VERIFY, {"code": code})
        assert response.status_code == 200
        assert not is_verified(again)
        assert again.get(ADMIN).status_code == 302

    def test_too_many_wrong_codes_answer_429_with_retry_after(
        self, client, editor, required, frozen_now
    ):
        device, codes = give_app(editor)
        for _attempt in range(5):
            response = client.post(VERIFY, {"code": "not-a-code"})
            assert response.status_code == 200
        response = client.post(VERIFY, {"code": "not-a-code"})
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "Too many wrong codes" in response.content.decode()
        # Past the limit even a right code is not tried.
        response = client.post(VERIFY, {"code": codes[0]})
        assert response.status_code == 429
        assert not is_verified(client)
        assert StaticToken.objects.filter(token=codes[0]).exists()
        # The limit is per user: another editor is not locked out.
        other_user = make_person(roles.EDITORS)
        _other_device, other_codes = give_app(other_user)
        other = Client()
        other.force_login(other_user)
        assert other.post(VERIFY, {"code": other_codes[0]}).status_code == 302
        # When the window ends, the right code works again.
        frozen_now.shift(timedelta(minutes=16))
        assert client.post(VERIFY, {"code": codes[0]}).status_code == 302

    def test_setup_wrong_codes_are_limited_too(
        self, client, editor, required, frozen_now
    ):
        client.get(SETUP)
        for _attempt in range(5):
            assert client.post(SETUP, {"code": "123"}).status_code == 200
        response = client.post(SETUP, {"code": "123"})
        assert response.status_code == 429
        assert "Retry-After" in response

    def test_moderation_needs_the_second_factor(self, client, required):
        moderator = make_moderator()
        comment = make_comment(make_post(), status=Status.PENDING)
        client.force_login(moderator)
        response = client.post(
            "/comments/%d/approve/" % comment.pk,
            HTTP_REFERER="http://testserver/some/page.html",
        )
        assert response.status_code == 302
        assert response["Location"] == SETUP + "?next=%2Fsome%2Fpage.html"
        comment.refresh_from_db()
        assert comment.status == Status.PENDING
        response = client.get("/comments/%d/delete/" % comment.pk)
        assert response["Location"].startswith(SETUP)

    def test_staff_cannot_turn_it_off(self, client, editor, required):
        _device, codes = give_app(editor)
        client.post(VERIFY, {"code": codes[0]})
        response = client.get(MANAGE)
        assert "Turn off" not in response.content.decode()
        assert client.post("/two-factor/turn-off/").status_code == 403
        assert TOTPDevice.objects.filter(user=editor).exists()

    def test_new_recovery_codes_replace_the_old_ones(self, client, editor, required):
        _device, codes = give_app(editor)
        client.post(VERIFY, {"code": codes[0]})
        response = client.get(MANAGE)
        assert "9 recovery codes left" in response.content.decode()
        response = client.post("/two-factor/recovery-codes/")
        assert response.status_code == 200
        fresh = response.context["codes"]
        assert len(fresh) == 10
        assert set(fresh).isdisjoint(codes)
        assert set(
            StaticToken.objects.filter(device__user=editor).values_list(
                "token", flat=True
            )
        ) == set(fresh)

    def test_unverified_session_changes_nothing(self, client, editor, required):
        _device, codes = give_app(editor)
        response = client.post("/two-factor/recovery-codes/")
        assert response["Location"].startswith(VERIFY)
        assert set(
            StaticToken.objects.filter(device__user=editor).values_list(
                "token", flat=True
            )
        ) == set(codes)
        assert client.get(MANAGE)["Location"].startswith(VERIFY)

    def test_forms_need_csrf(self, editor, required):
        _device, codes = give_app(editor)
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        assert client.post(VERIFY, {"code": codes[0]}).status_code == 403
        assert not is_verified(client)

    def test_superuser_resets_a_users_devices_in_the_admin(
        self, client, editor, required
    ):
        device, _codes = give_app(editor)
        boss = make_user(is_staff=True, is_superuser=True)
        _boss_device, boss_codes = give_app(boss)
        admin = Client()
        admin.force_login(boss)
        admin.post(VERIFY, {"code": boss_codes[0]})
        url = "/admin/otp_totp/totpdevice/%d/" % device.pk
        response = admin.get(url + "change/")
        assert response.status_code == 200
        assert device.key not in response.content.decode()
        response = admin.post(url + "delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=editor).exists()
        # The editor sets up a new app next time.
        assert client.get(ADMIN)["Location"].startswith(SETUP)


class TestNotRequired:
    def test_staff_reach_the_admin_as_before(self, client, editor, not_required):
        assert client.get(ADMIN).status_code == 200
        assert client.get(CHANGELIST).status_code == 200

    def test_the_demo_accounts_sign_in_with_a_password_only(self, not_required):
        make_person(roles.WRITERS, username="kavya")
        client = Client()
        response = client.post(
            "/admin/login/", {"username": "kavya", "password": PASSWORD}
        )
        assert response.status_code == 302
        assert client.get(CHANGELIST).status_code == 200

    def test_staff_may_turn_it_on_and_off_for_themselves(
        self, client, editor, not_required, frozen_now
    ):
        assert "Two-factor sign-in is off" in client.get(MANAGE).content.decode()
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=editor)
        assert client.post(SETUP, {"code": code_for(device)}).status_code == 200
        # Turned on for themselves: a new session asks for a code.
        other = Client()
        other.force_login(editor)
        assert other.get(ADMIN)["Location"].startswith(VERIFY)
        assert "Turn off" in client.get(MANAGE).content.decode()
        response = client.post("/two-factor/turn-off/")
        assert response["Location"] == MANAGE
        assert not TOTPDevice.objects.filter(user=editor).exists()
        assert not StaticDevice.objects.filter(user=editor).exists()
        assert other.get(ADMIN).status_code == 200


class TestReaders:
    @pytest.fixture(params=[True, False], ids=["required", "not-required"])
    def setting(self, request, settings):
        settings.NEWSROOM = {
            **settings.NEWSROOM,
            "REQUIRE_2FA_FOR_STAFF": request.param,
        }

    def test_readers_never_see_two_factor(self, client, setting):
        reader = make_person(roles.MEMBERS)
        client.force_login(reader)
        post = make_post()
        assert client.get("/").status_code == 200
        assert client.get(post.get_absolute_url()).status_code == 200
        response = client.get(ADMIN)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        for path in (MANAGE, SETUP, VERIFY):
            assert client.get(path).status_code == 404
        assert not TOTPDevice.objects.exists()

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, setting):
        response = client.get(VERIFY)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")


def test_an_empty_form_is_refused_politely(client, required):
    user = make_person(roles.EDITORS)
    give_app(user)
    client.force_login(user)
    response = client.post(VERIFY)
    assert response.status_code == 200
    assert not is_verified(client)
    for _attempt in range(5):
        client.post(VERIFY, {"code": "wrong-code"})
    response = client.post(VERIFY)
    assert response.status_code == 429


def test_an_unverified_editor_can_still_sign_out(client, required):
    user = make_person(roles.EDITORS)
    give_app(user)
    client.force_login(user)
    assert client.get(VERIFY).status_code == 200
    response = client.post("/admin/logout/")
    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session


def test_setup_page_keeps_the_site_policy_no_script(client, required):
    user = make_person(roles.EDITORS)
    client.force_login(user)
    response = client.get(SETUP)
    policy = response["Content-Security-Policy"]
    scripts = policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "unsafe" not in scripts
    assert "img-src 'self' https: data:" in policy
    html = response.content.decode()
    assert "<script>" not in html
    assert "https://" not in html.split("<img", 1)[1].split(">", 1)[0]


def test_an_unverified_editor_cannot_change_the_password(client, required):
    """A stolen password alone must not let anyone lock the owner out."""
    user = make_person(roles.EDITORS)
    give_app(user)
    client.force_login(user)
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_the_admin_links_to_two_factor_sign_in(client, not_required):
    client.force_login(make_person(roles.EDITORS))
    html = client.get("/admin/").content.decode()
    assert '<a href="/two-factor/">Two-factor sign-in</a>' in html
    assert "Change password" in html  # Django's own links are kept


def test_a_staff_comment_skips_moderation_only_after_the_second_factor(
    client, required
):
    """With two-factor required, a password alone posts nothing unmoderated."""
    from comments import services
    from comments.models import CommentSettings

    settings_row = CommentSettings.load()
    settings_row.moderation = CommentSettings.Moderation.ALWAYS
    settings_row.save()
    user = make_person(roles.EDITORS)
    user.is_verified = lambda: False
    post = make_post()
    held = services.comment_submit(target=post, name="Ed", text="One", user=user)
    assert held.status == Status.PENDING
    user.is_verified = lambda: True
    trusted = services.comment_submit(target=post, name="Ed", text="Two", user=user)
    assert trusted.status == Status.APPROVED
