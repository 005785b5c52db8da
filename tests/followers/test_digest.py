"""`manage.py send_digest`: new live posts, in the follower's labels, once."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from articles.models import Label
from followers import digest
from followers.models import Follower
from tests.factories import make_draft, make_post, make_scheduled


def _follower(email, confirmed_at, labels=()):
    follower = Follower.objects.create(
        email=email, confirmed_at=confirmed_at, last_sent_at=confirmed_at
    )
    if labels:
        follower.labels.set(Label.objects.filter(name__in=labels))
    return follower


def _run(now):
    out = StringIO()
    call_command("send_digest", now=now.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def site(db, frozen_now):
    """Posts before and after the followers confirmed, two hours ago."""
    now = timezone.now()
    confirmed = now - timedelta(hours=2)
    make_post(
        title="Old Kerala news", labels=["KERALA"], published_at=now - timedelta(days=1)
    )
    make_post(
        title="Kerala boat race",
        labels=["KERALA"],
        published_at=now - timedelta(hours=1),
    )
    make_post(
        title="Film festival opens",
        labels=["Movie"],
        published_at=now - timedelta(minutes=30),
        premium_body="<p>premium-secret-for-members</p>",
    )
    make_draft(title="Unfinished draft", labels=["KERALA"])
    make_scheduled(title="Tomorrow's story", labels=["KERALA"])
    return {"now": now, "confirmed": confirmed}


@pytest.mark.django_db
def test_digest_lists_new_live_posts_once_when_runs_overlap(site):
    _follower("all@example.com", site["confirmed"])
    first = _run(site["now"])
    second = _run(site["now"])  # cron started again before/while the first ran
    assert "Sent 1 digest e-mail." in first
    assert "Sent 0 digest e-mails." in second
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["all@example.com"]
    assert message.subject == "Local Glob: 2 new posts"
    assert "Kerala boat race" in message.body
    assert "Film festival opens" in message.body
    assert "http://127.0.0.1:8000/" in message.body
    for absent in ["Old Kerala news", "Unfinished draft", "Tomorrow's story"]:
        assert absent not in message.body
    assert "premium-secret-for-members" not in message.body
    unfollow = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unfollow in message.body
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )


@pytest.mark.django_db
def test_two_runs_that_read_the_follower_at_the_same_moment_send_one_email(site):
    """The conditional UPDATE claim lets only one of two racing runs through."""
    _follower("all@example.com", site["confirmed"])
    seen_by_run_a = Follower.objects.prefetch_related("labels").get()
    seen_by_run_b = Follower.objects.prefetch_related("labels").get()
    assert digest.send_one(seen_by_run_a, site["now"]) is True
    assert digest.send_one(seen_by_run_b, site["now"]) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_labels_are_respected(site):
    _follower("kerala@example.com", site["confirmed"], labels=["KERALA"])
    _follower("movies@example.com", site["confirmed"], labels=["Movie", "TRAVEL"])
    _run(site["now"])
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Kerala boat race" in bodies["kerala@example.com"]
    assert "Film festival opens" not in bodies["kerala@example.com"]
    assert "Film festival opens" in bodies["movies@example.com"]
    assert "Kerala boat race" not in bodies["movies@example.com"]


@pytest.mark.django_db
def test_no_email_to_unconfirmed_followers(site):
    Follower.objects.create(email="pending@example.com")
    assert "Sent 0 digest e-mails." in _run(site["now"])
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_email_when_nothing_new(site):
    _follower("late@example.com", site["now"] - timedelta(minutes=10))
    _run(site["now"])
    assert mail.outbox == []


@pytest.mark.django_db
def test_next_digest_has_only_what_is_newer(site, frozen_now):
    _follower("all@example.com", site["confirmed"])
    _run(site["now"])
    frozen_now.shift(timedelta(days=1))  # the scheduled post is live by now
    make_post(title="Next day story", published_at=timezone.now())
    _run(timezone.now())
    assert len(mail.outbox) == 2
    body = mail.outbox[1].body
    assert "Next day story" in body
    assert "Tomorrow's story" in body
    assert "Kerala boat race" not in body


@pytest.mark.django_db
def test_a_failed_send_is_retried_by_the_next_run(site):
    _follower("all@example.com", site["confirmed"])
    with mock.patch(
        "django.core.mail.EmailMessage.send", side_effect=ConnectionError("down")
    ):
        assert "Sent 0 digest e-mails." in _run(site["now"])
    assert Follower.objects.get().last_sent_at == site["confirmed"]
    assert "Sent 1 digest e-mail." in _run(site["now"])
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_now_in_the_future_never_skips_posts(site, frozen_now):
    """A run told a later time stops at the present, so later posts still come."""
    _follower("all@example.com", site["confirmed"])
    _run(site["now"] + timedelta(days=2))
    frozen_now.shift(timedelta(hours=1))
    make_post(title="Published after the run", published_at=timezone.now())
    _run(timezone.now())
    assert "Published after the run" in mail.outbox[-1].body


@pytest.mark.django_db
def test_bad_now_is_a_clear_error(site):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--now must be an ISO date and time."):
        call_command("send_digest", now="yesterday")


@pytest.mark.django_db(transaction=True)
def test_two_runs_in_parallel_threads_mail_each_follower_once():
    """
    Two cron runs at the same moment, on real connections: nobody gets two
    e-mails. A follower a run could not reach (SQLite's in-memory test
    database refuses rather than waits) is mailed by the next run.
    """
    import threading

    from django.db import connection

    now = timezone.now()
    confirmed = now - timedelta(hours=2)
    make_post(title="Parallel news", published_at=now - timedelta(minutes=5))
    for number in range(12):
        _follower("reader%d@example.com" % number, confirmed)
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait()
            digest.send_digests(now)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    digest.send_digests(now)  # the next cron run
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        "reader%d@example.com" % number for number in range(12)
    )
