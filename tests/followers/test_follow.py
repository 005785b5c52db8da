"""Following by e-mail: double opt-in by a signed link, one-click unfollow."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from articles.models import Label
from followers.models import Follower
from tests.factories import make_post


def _link(message, name):
    match = re.search(r"https?://\S*/follow/%s/[^\s/]+/" % name, message.body)
    assert match, message.body
    return match.group(0).split("testserver", 1)[1]


@pytest.fixture
def labels(db):
    make_post(labels=["KERALA"])
    make_post(labels=["Movie"])
    return {label.name: label for label in Label.objects.all()}


def _follow(client, email="reader@example.com", labels=()):
    return client.post(
        "/follow/", {"email": email, "labels": [label.pk for label in labels]}
    )


@pytest.mark.django_db
def test_follow_sends_one_confirmation_and_records_a_pending_follower(client, labels):
    response = _follow(client, "Reader@Example.com", [labels["KERALA"]])
    assert response.status_code == 302
    assert response["Location"] == "/follow/sent/"
    follower = Follower.objects.get()
    assert follower.email == "reader@example.com"
    assert follower.confirmed_at is None
    assert follower.labels.count() == 0  # applied only on confirmation
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.com"]
    assert "KERALA" in message.body
    assert _link(message, "confirm")
    unfollow = _link(message, "unfollow")
    assert message.extra_headers["List-Unsubscribe"] == "<http://testserver%s>" % (
        unfollow
    )
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    assert "Check your inbox" in client.get("/follow/sent/").content.decode()


@pytest.mark.django_db
def test_confirm_link_confirms_with_the_chosen_labels(client, frozen_now, labels):
    _follow(client, labels=[labels["KERALA"], labels["Movie"]])
    response = client.get(_link(mail.outbox[0], "confirm"))
    assert response.status_code == 200
    assert "You are following" in response.content.decode()
    follower = Follower.objects.get()
    assert follower.is_confirmed
    assert follower.last_sent_at == follower.confirmed_at
    assert set(follower.labels.values_list("name", flat=True)) == {"KERALA", "Movie"}


@pytest.mark.django_db
def test_confirming_twice_changes_nothing(client, frozen_now, labels):
    _follow(client, labels=[labels["KERALA"]])
    link = _link(mail.outbox[0], "confirm")
    client.get(link)
    first = Follower.objects.get()
    frozen_now.shift(timedelta(hours=2))
    response = client.get(link)
    assert response.status_code == 200
    assert "Already confirmed" in response.content.decode()
    again = Follower.objects.get()
    assert again.confirmed_at == first.confirmed_at
    assert again.last_sent_at == first.last_sent_at
    assert list(again.labels.all()) == [labels["KERALA"]]


@pytest.mark.django_db
def test_expired_link_gives_a_clear_page_and_changes_nothing(
    client, frozen_now, labels
):
    _follow(client)
    link = _link(mail.outbox[0], "confirm")
    frozen_now.shift(timedelta(days=3, minutes=1))
    response = client.get(link)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This link has expired" in html
    assert "Nothing was changed" in html
    assert Follower.objects.get().confirmed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
        lambda token: "x" + token,
        lambda token: "not-a-token",
    ],
)
def test_tampered_link_gives_a_clear_page_and_changes_nothing(client, labels, tamper):
    _follow(client)
    link = _link(mail.outbox[0], "confirm")
    token = link.rstrip("/").rsplit("/", 1)[1]
    response = client.get("/follow/confirm/%s/" % tamper(token))
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert Follower.objects.get().confirmed_at is None


@pytest.mark.django_db
def test_an_older_confirmation_link_is_replaced_by_a_newer_one(client, labels):
    _follow(client, labels=[labels["KERALA"]])
    _follow(client, labels=[labels["Movie"]])
    old, new = (_link(message, "confirm") for message in mail.outbox)
    response = client.get(old)
    assert response.status_code == 400
    assert "replaced" in response.content.decode()
    assert Follower.objects.get().confirmed_at is None
    client.get(new)
    assert list(Follower.objects.get().labels.all()) == [labels["Movie"]]


@pytest.mark.django_db
def test_nobody_can_change_a_confirmed_followers_labels_without_their_link(
    client, labels
):
    _follow(client, labels=[labels["KERALA"]])
    client.get(_link(mail.outbox[0], "confirm"))
    _follow(client, labels=[labels["Movie"]])  # someone else, same address
    follower = Follower.objects.get()
    assert follower.is_confirmed
    assert list(follower.labels.all()) == [labels["KERALA"]]


@pytest.mark.django_db
def test_unfollow_link_asks_once_then_forgets_the_follower(client, labels):
    _follow(client)
    client.get(_link(mail.outbox[0], "confirm"))
    link = _link(mail.outbox[0], "unfollow")
    page = client.get(link)
    assert page.status_code == 200
    assert Follower.objects.count() == 1  # a link scanner's GET changes nothing
    assert 'method="post"' in page.content.decode()
    response = Client(enforce_csrf_checks=True).post(link)
    assert response.status_code == 200
    assert "You no longer follow" in response.content.decode()
    assert Follower.objects.count() == 0
    # The same link again: still a clear answer.
    assert client.post(link).status_code == 200


@pytest.mark.django_db
def test_one_click_unfollow_from_the_mail_client_header(labels):
    """RFC 8058: the mail provider POSTs `List-Unsubscribe=One-Click`, no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    Client().post("/follow/", {"email": "reader@example.com"})
    header = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    response = client.post(
        header,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Follower.objects.exists()


@pytest.mark.django_db
def test_tampered_unfollow_link_changes_nothing(client, labels):
    _follow(client)
    link = _link(mail.outbox[0], "unfollow")
    response = client.post(link.replace("/unfollow/", "/unfollow/x"))
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert Follower.objects.count() == 1


@pytest.mark.django_db
def test_bad_address_is_a_form_error_and_sends_nothing(client, labels):
    response = client.post("/follow/", {"email": "not-an-address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []
    assert not Follower.objects.exists()


@pytest.mark.django_db
def test_a_mail_server_that_is_down_is_a_form_error_keeping_the_address(
    client, labels, mail_server_down
):
    response = _follow(client, "reader@example.com", [labels["KERALA"]])
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not send the confirmation e-mail just now." in html
    assert 'value="reader@example.com"' in html
    assert re.search(r'value="%d"[^>]*checked' % labels["KERALA"].pk, html)
    # Nothing is confirmed or applied: the reader simply tries again later.
    assert not Follower.objects.filter(confirmed_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_capped_post_leaves_the_mailed_link_working(client, frozen_now, labels):
    """Once the hourly cap stops the mail, the code in the mailed link stays."""
    for _attempt in range(3):
        assert _follow(client, labels=[labels["KERALA"]]).status_code == 302
    mailed = _link(mail.outbox[-1], "confirm")
    response = _follow(client, labels=[labels["Movie"]])
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "sent to this address in the last hour" in response.content.decode()
    assert len(mail.outbox) == 3
    response = client.get(mailed)
    assert "You are following" in response.content.decode()
    assert list(Follower.objects.get().labels.all()) == [labels["KERALA"]]


@pytest.mark.django_db
def test_a_successful_send_after_the_cap_replaces_the_mailed_link(
    client, frozen_now, labels
):
    from followers import tokens

    for _attempt in range(4):
        _follow(client, labels=[labels["KERALA"]])
    mailed = _link(mail.outbox[-1], "confirm")
    _id, nonce, _labels = tokens.read_confirm_token(mailed.split("/")[-2])
    assert Follower.objects.get().confirm_nonce == nonce  # capped: unchanged
    frozen_now.shift(timedelta(hours=1))  # a new window: mail goes out again
    assert _follow(client, labels=[labels["Movie"]]).status_code == 302
    assert len(mail.outbox) == 4
    assert "replaced" in client.get(mailed).content.decode()
    client.get(_link(mail.outbox[-1], "confirm"))
    assert list(Follower.objects.get().labels.all()) == [labels["Movie"]]


@pytest.mark.django_db
def test_a_failed_send_leaves_the_mailed_link_working(client, labels, request):
    _follow(client, labels=[labels["KERALA"]])
    mailed = _link(mail.outbox[0], "confirm")
    request.getfixturevalue("mail_server_down")
    response = _follow(client, labels=[labels["Movie"]])
    assert "We could not send the confirmation e-mail just now." in (
        response.content.decode()
    )
    assert "You are following" in client.get(mailed).content.decode()
    assert list(Follower.objects.get().labels.all()) == [labels["KERALA"]]


@pytest.mark.django_db
def test_the_form_cannot_flood_an_inbox_exactly_three_mails_an_hour(
    client, frozen_now, labels
):
    from followers.services import CONFIRMATIONS_PER_HOUR

    assert CONFIRMATIONS_PER_HOUR == 3
    statuses = [
        _follow(client, "Reader@example.com" if n % 2 else "reader@example.com")
        for n in range(5)
    ]
    assert [response.status_code for response in statuses] == [302] * 3 + [429] * 2
    assert len(mail.outbox) == 3
    # Another address, from the same client, is not held back.
    assert _follow(client, "other@example.com").status_code == 302
    frozen_now.shift(timedelta(hours=1))
    assert _follow(client).status_code == 302
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_one_client_gets_an_exact_number_of_follow_requests_an_hour(frozen_now, labels):
    from followers.services import REQUESTS_PER_CLIENT_PER_HOUR

    def follow(n, address):
        return Client(REMOTE_ADDR=address).post(
            "/follow/", {"email": "reader%d@example.com" % n}
        )

    limit = REQUESTS_PER_CLIENT_PER_HOUR
    for n in range(limit):
        assert follow(n, "2001:db8:1:2::%x" % (n + 1)).status_code == 302
    # The same IPv6 /64 is one client, whatever the rest of the address.
    response = follow(limit, "2001:db8:1:2:ffff::1")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many follow requests" in response.content.decode()
    assert len(mail.outbox) == limit
    assert not Follower.objects.filter(email="reader%d@example.com" % limit).exists()
    assert follow(limit, "2001:db8:1:3::1").status_code == 302
    assert follow(limit + 1, "203.0.113.5").status_code == 302


@pytest.mark.django_db
def test_follow_needs_a_csrf_token_fetched_by_the_page(labels):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/follow/", {"email": "reader@example.com"})
    assert response.status_code == 403
    assert mail.outbox == []


@pytest.fixture
def every_count(db):
    """The widget shows the count from 0 followers (editors' threshold, default 10)."""
    from articles.models import SiteSettings

    SiteSettings(followers_shown_from=0).save()


@pytest.mark.django_db
def test_sidebar_widget_counts_confirmed_followers_only(client, labels, every_count):
    Follower.objects.create(email="pending@example.com")
    confirmed = Follower.objects.create(email="one@example.com")
    Follower.objects.filter(pk=confirmed.pk).update(confirmed_at="2026-01-01T00:00Z")
    html = client.get("/").content.decode()
    widget = html[html.index('class="widget follow-widget"') :]
    widget = widget[: widget.index("</section>")]
    assert "Followers" in widget
    assert "<strong>1</strong> follower" in widget
    assert 'action="/follow/"' in widget
    assert 'data-csrf="lazy"' in widget


@pytest.mark.django_db
def test_follow_page_lists_labels_with_live_posts_only(client, labels):
    from tests.factories import make_draft

    make_draft(labels=["DRAFTS ONLY"])
    html = client.get("/follow/").content.decode()
    assert "KERALA" in html
    assert "DRAFTS ONLY" not in html


@pytest.mark.django_db
def test_follow_page_lists_labels_alphabetically_whatever_their_case(client):
    for name in ("TRAVEL", "business", "Movie", "AROUND THE GLOBE"):
        make_post(labels=[name])
    html = client.get("/follow/").content.decode()
    names = re.findall(r'class="follow-label"><input[^>]*> ([^<]+)</label>', html)
    assert names == ["AROUND THE GLOBE", "business", "Movie", "TRAVEL"]


@pytest.mark.django_db
def test_follower_count_follows_confirmations_and_unfollows(
    client, labels, every_count
):
    def count():
        html = client.get("/").content.decode()
        return re.search(r"<strong>(\d+)</strong> follower", html).group(1)

    assert count() == "0"
    _follow(client)
    assert count() == "0"
    client.get(_link(mail.outbox[0], "confirm"))
    assert count() == "1"
    client.post(_link(mail.outbox[0], "unfollow"))
    assert count() == "0"


@pytest.mark.django_db
def test_list_unsubscribe_header_is_a_plain_url_on_the_wire(client, labels):
    """As SMTP sends it: not folded into encoded words a mail client cannot use."""
    import email.policy

    _follow(client)
    message = mail.outbox[0]
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    unfollow = _link(message, "unfollow")
    assert b"List-Unsubscribe: <http://testserver%s>\r\n" % unfollow.encode() in raw
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert b"=?utf-8?" not in raw


HOSTILE = [
    "x" * 5000,
    "%00",
    "..%2F..%2Fetc",
    "%FF%FE",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "eyJmIjoxfQ:1xXB7F:bad",
]


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_links_get_a_clear_400_never_a_500(client, labels, value):
    for url in ["/follow/confirm/%s/" % value, "/follow/unfollow/%s/" % value]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (400, 404), (url, response.status_code)
            assert b"<script>alert(1)</script>" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"email": "a@example.com", "labels": ["abc"]},
        {"email": "a@example.com", "labels": ["99999999999999999999999"]},
        {"email": "a@example.com", "labels": ["-1"]},
        {"email": "x" * 300 + "@example.com"},
        {},
    ],
)
def test_hostile_follow_forms_get_a_form_error(client, labels, data):
    response = client.post("/follow/", data)
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db
def test_follow_requests_do_not_purge_the_page_cache_but_confirmations_do(
    client, labels, monkeypatch
):
    """Anybody can post the form; only a confirmed change shows on pages."""
    from articles.models import SiteSettings
    from pagecache import store as pagecache

    SiteSettings.load()  # a fresh database makes its settings row on first use
    purged = []
    purge_tags = pagecache.purge_tags

    def recorded(tags):
        purged.append(sorted(tags))
        return purge_tags(tags)

    monkeypatch.setattr(pagecache, "purge_tags", recorded)
    _follow(client)
    _follow(client, "other@example.com")
    assert purged == []
    client.get(_link(mail.outbox[0], "confirm"))
    assert purged == [["sidebar"]]  # the follower count on every page
    # A confirmed follower asking again (new labels) changes nothing shown
    # until they confirm: the form cannot be used to purge the site.
    purged.clear()
    _follow(client)
    assert len(mail.outbox) == 3
    assert purged == []
