"""
The moderators' desk (issue 17, point 7): one-click buttons on every row of
the queue, replies quoting their parent, Spam on the public page, blocking a
commenter, readers' reports, and the one-page Comment and Site settings.
"""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import SiteSettings
from articles.roles import EDITORS, WRITERS, ensure_roles
from comments import views
from comments.models import Block, Comment, CommentSettings, ModerationEvent, Report
from comments.roles import MODERATORS
from tests.factories import make_comment, make_moderator, make_post, make_user

from .helpers import errors, send

pytestmark = pytest.mark.django_db

Status = Comment.Status
CHANGELIST = "admin:comments_comment_changelist"


def moderate_url(comment, action):
    return reverse("admin:comments_comment_moderate", args=[comment.pk, action])


def block_url(comment):
    return reverse("admin:comments_comment_block", args=[comment.pk])


@pytest.fixture
def moderator_client(client):
    client.user = make_moderator(first_name="Ravi", last_name="Kumar")
    client.force_login(client.user)
    return client


@pytest.fixture
def strict_client():
    """A moderator's browser whose POSTs must carry the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.user = make_moderator()
    client.force_login(client.user)
    return client


def queue_html(client, **params):
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return response.content.decode()


def row_of(html, comment):
    """The queue row (<tr>) that holds `comment`."""
    marker = 'id="queue-c%d"' % comment.pk
    at = html.index(marker)
    start = html.rindex("<tr", 0, at)
    return html[start : html.index("</tr>", at)]


class TestRowButtons:
    def test_each_state_offers_its_buttons(self, moderator_client):
        held = make_comment(status=Status.PENDING)
        shown = make_comment()
        spam = make_comment(status=Status.SPAM)
        removed = make_comment(status=Status.REMOVED)
        html = queue_html(moderator_client)

        def buttons(comment):
            return re.findall(r'data-moderate="([a-z]+)"', row_of(html, comment))

        assert buttons(held) == ["approve", "spam", "remove"]
        assert buttons(shown) == ["spam", "remove"]
        assert buttons(spam) == ["restore", "remove"]
        assert ">Not spam<" in row_of(html, spam)
        assert buttons(removed) == ["restore", "spam"]
        # Plain buttons of the list's own form: they work without JavaScript.
        assert 'formaction="%s"' % moderate_url(held, "approve") in row_of(html, held)

    def test_approve_without_javascript_returns_to_the_same_list_position(
        self, moderator_client
    ):
        post = make_post()
        held = make_comment(post, status=Status.PENDING, name="Meera")
        position = reverse(CHANGELIST) + "?status__exact=pending&p=1"
        response = moderator_client.post(
            moderate_url(held, "approve"), {"next": position}
        )
        assert response.status_code == 302
        assert response["Location"] == position + "#queue-c%d" % held.pk
        held.refresh_from_db()
        assert (held.status, held.moderated_by) == (
            Status.APPROVED,
            moderator_client.user,
        )
        event = ModerationEvent.objects.get(comment=held)
        assert (event.action, event.actor) == ("approve", moderator_client.user)
        page = moderator_client.get(response["Location"]).content.decode()
        assert "Approved the comment by Meera." in page

    @pytest.mark.parametrize(
        ("start", "action", "end"),
        [
            (Status.PENDING, "spam", Status.SPAM),
            (Status.PENDING, "remove", Status.REMOVED),
            (Status.APPROVED, "spam", Status.SPAM),
            (Status.SPAM, "restore", Status.APPROVED),
            (Status.REMOVED, "restore", Status.APPROVED),
        ],
    )
    def test_each_button_goes_through_the_service(
        self, moderator_client, start, action, end
    ):
        comment = make_comment(status=start)
        moderator_client.post(moderate_url(comment, action))
        comment.refresh_from_db()
        assert comment.status == end
        assert ModerationEvent.objects.filter(
            comment=comment, action=action, to_status=end
        ).exists()

    def test_json_answer_carries_the_new_row(self, moderator_client):
        held = make_comment(status=Status.PENDING, name="Meera")
        response = moderator_client.post(
            moderate_url(held, "approve"),
            {"next": reverse(CHANGELIST)},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 200
        data = response.json()
        assert data["ok"] is True
        assert data["status"] == "approved"
        assert data["message"] == "Approved the comment by Meera."
        assert "Approved" in data["status_html"]
        # The row's new cell: the comment, then the buttons of its new state.
        assert 'id="queue-c%d"' % held.pk in data["comment_html"]
        assert re.findall(r'data-moderate="([a-z]+)"', data["comment_html"]) == [
            "spam",
            "remove",
        ]
        held.refresh_from_db()
        assert held.status == Status.APPROVED

    def test_a_button_that_no_longer_applies_says_so(self, moderator_client):
        shown = make_comment()
        response = moderator_client.post(
            moderate_url(shown, "approve"), HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 409
        assert response.json() == {
            "ok": False,
            "message": "A approved comment cannot be approved.",
        }
        response = moderator_client.post(moderate_url(shown, "approve"), follow=True)
        assert "cannot be approved" in response.content.decode()
        assert not ModerationEvent.objects.exists()

    def test_get_is_405_unknown_comment_or_action_404(self, moderator_client):
        held = make_comment(status=Status.PENDING)
        assert moderator_client.get(moderate_url(held, "approve")).status_code == 405
        missing = reverse("admin:comments_comment_moderate", args=[999999, "approve"])
        assert moderator_client.post(missing).status_code == 404
        assert moderator_client.post(moderate_url(held, "publish")).status_code == 404
        held.refresh_from_db()
        assert held.status == Status.PENDING

    def test_next_never_leaves_the_queue(self, moderator_client):
        held = make_comment(status=Status.PENDING)
        response = moderator_client.post(
            moderate_url(held, "approve"), {"next": "https://evil.example/admin/"}
        )
        assert response["Location"] == reverse(CHANGELIST) + "#queue-c%d" % held.pk

    def test_csrf_is_required(self, strict_client):
        held = make_comment(status=Status.PENDING)
        response = strict_client.post(
            moderate_url(held, "approve"), HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 403
        held.refresh_from_db()
        assert held.status == Status.PENDING
        # With the list form's token, as the button sends it, it goes through.
        html = queue_html(strict_client)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        response = strict_client.post(
            moderate_url(held, "approve"),
            {"csrfmiddlewaretoken": token},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 200
        held.refresh_from_db()
        assert held.status == Status.APPROVED

    def test_editors_and_view_only_staff_cannot_press_them(self, client):
        editor = make_user(is_staff=True)
        editor.groups.add(ensure_roles()[EDITORS])
        client.force_login(editor)
        held = make_comment(status=Status.PENDING)
        assert client.post(moderate_url(held, "approve")).status_code == 403
        viewer = make_user(is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
        client.force_login(viewer)
        assert "data-moderate" not in queue_html(client)
        assert client.post(moderate_url(held, "approve")).status_code == 403
        held.refresh_from_db()
        assert held.status == Status.PENDING
        assert not ModerationEvent.objects.exists()

    def test_readers_are_sent_to_sign_in(self, client):
        held = make_comment(status=Status.PENDING)
        response = client.post(moderate_url(held, "approve"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
        held.refresh_from_db()
        assert held.status == Status.PENDING

    def test_bulk_actions_are_still_there(self, moderator_client):
        make_comment(status=Status.PENDING)
        html = queue_html(moderator_client, status__exact="pending")
        for action in ["approve", "mark_spam", "remove", "restore"]:
            assert 'value="%s"' % action in html


class TestWideColumn:
    def test_reply_quotes_its_parent_and_shows_everything_about_the_author(
        self, moderator_client
    ):
        post = make_post(title="Harbour reopens")
        parent = make_comment(post, name="Priya", text="First words " + "x" * 300)
        author = make_user(first_name="Anand", last_name="K")
        reply = make_comment(
            post,
            parent=parent,
            status=Status.PENDING,
            name="Anand",
            email="anand@example.com",
            ip_address="2001:db8::7",
            user=author,
            text="A long reply that is shown whole. " * 10 + "<b>not bold</b>",
        )
        row = row_of(queue_html(moderator_client), reply)
        assert "In reply to Priya:" in row
        assert "First words" in row
        assert "x" * 300 not in row  # the parent is quoted short
        cell = row[
            row.index('id="queue-c') : row.index("</td>", row.index('id="queue-c'))
        ]
        assert cell.count("A long reply that is shown whole.") == 10
        assert "&lt;b&gt;not bold&lt;/b&gt;" in row
        assert "anand@example.com" in row
        assert "2001:db8::7" in row
        assert "account: Anand K" in row
        assert "Harbour reopens" in row
        assert 'href="%s"' % reply.get_absolute_url() in row

    def test_query_count_is_the_same_for_5_and_50_comments(
        self, moderator_client, django_assert_num_queries
    ):
        def fill(count):
            """`count` comments: threads and replies, accounts, reports, a block."""
            post = make_post()
            parent = None
            for number in range(count):
                comment = make_comment(
                    post,
                    parent=parent if number % 2 else None,
                    status=Status.PENDING if number % 3 else Status.APPROVED,
                    user=make_user() if number % 4 == 0 else None,
                    email="reader%d@example.com" % number,
                    ip_address="203.0.113.%d" % (number % 250 + 1),
                )
                parent = parent or comment
                if number % 5 == 0:
                    Report.objects.create(
                        comment=comment, reporter="addr:%d" % number, reason="spam"
                    )
            Block.objects.get_or_create(kind="email", value="reader1@example.com")

        fill(5)
        queue_html(moderator_client)  # the session and permissions, once
        with CaptureQueriesContext(connection) as five:
            html = queue_html(moderator_client)
        assert html.count('class="row-actions"') == 5
        fill(45)
        with django_assert_num_queries(len(five)):
            html = queue_html(moderator_client)
        assert html.count('class="row-actions"') == 50
        assert "Blocked by e-mail" in html


class TestReports:
    def report(self, client, comment, **data):
        data.setdefault("reason", "abuse")
        return client.post(reverse("comments:report", args=[comment.pk]), data)

    def test_report_button_on_published_comments_opens_a_form(self, client):
        post = make_post()
        comment = make_comment(post, name="Meera")
        html = client.get(post.get_absolute_url()).content.decode()
        url = reverse("comments:report", args=[comment.pk])
        assert 'href="%s" rel="nofollow">Report' % url in html
        page = client.get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "Abusive or hateful" in body
        assert 'name="csrfmiddlewaretoken"' in body
        assert '<meta name="robots" content="noindex' in body
        # Its token is this reader's: the page is never kept in a cache.
        assert "no-store" in page["Cache-Control"]
        again = Client().get(url).content.decode()
        token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
        assert token.search(again)[1] != token.search(body)[1]

    def test_a_report_is_stored_once_per_reader(self, client):
        comment = make_comment()
        response = self.report(client, comment, note="Insults a reader")
        assert response.status_code == 200
        assert "Thank you. The moderators will look at this comment." in (
            response.content.decode()
        )
        response = self.report(client, comment, reason="spam")
        assert "You have already reported this comment." in response.content.decode()
        report = Report.objects.get()
        assert (report.reason, report.note, report.address) == (
            "abuse",
            "Insults a reader",
            "127.0.0.1",
        )
        # Another address is another reader; so is a signed-in reader.
        self.report(Client(REMOTE_ADDR="203.0.113.5"), comment)
        reader = make_user()
        signed_in = Client()
        signed_in.force_login(reader)
        self.report(signed_in, comment)
        self.report(signed_in, comment)
        assert Report.objects.count() == 3
        assert Report.objects.filter(user=reader).count() == 1

    def test_ipv6_readers_count_by_their_64(self, client):
        comment = make_comment()
        self.report(Client(REMOTE_ADDR="2001:db8:1:2::10"), comment)
        self.report(Client(REMOTE_ADDR="2001:db8:1:2::99"), comment)
        assert Report.objects.get().address == "2001:db8:1:2::/64"

    def test_reports_are_rate_limited(self, client, monkeypatch):
        monkeypatch.setattr(views, "REPORT_LIMIT", 2)
        comments = [make_comment() for _ in range(3)]
        for comment in comments[:2]:
            assert self.report(client, comment).status_code == 200
        response = self.report(client, comments[2])
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "several reports in a short time" in response.content.decode()
        assert Report.objects.count() == 2

    def test_bad_reports_and_unpublished_comments(self, client):
        comment = make_comment()
        response = self.report(client, comment, reason="because")
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        for status in (Status.PENDING, Status.SPAM, Status.REMOVED):
            hidden = make_comment(status=status)
            assert self.report(client, hidden).status_code == 404
        assert client.get(reverse("comments:report", args=[999999])).status_code == 404
        assert not Report.objects.exists()

    def test_reported_comments_rise_to_the_top_with_count_and_reasons(
        self, moderator_client
    ):
        held = make_comment(status=Status.PENDING)
        reported = make_comment(text="Rude words")
        once = make_comment(text="Meh")
        for number, reason in enumerate(["abuse", "abuse", "spam"]):
            Report.objects.create(
                comment=reported,
                reason=reason,
                reporter="addr:%d" % number,
                note="He insults us" if number == 0 else "",
            )
        Report.objects.create(comment=once, reason="off-topic", reporter="addr:9")
        response = moderator_client.get(reverse(CHANGELIST))
        assert list(response.context["cl"].result_list)[:3] == [reported, once, held]
        row = row_of(response.content.decode(), reported)
        assert "3 reports:" in row
        assert "Abusive or hateful (2), Spam or advertising (1)" in row
        assert "He insults us" in row
        assert re.findall(r'data-moderate="([a-z]+)"', row) == [
            "keep",
            "spam",
            "remove",
        ]
        filtered = moderator_client.get(reverse(CHANGELIST), {"reported": "yes"})
        assert list(filtered.context["cl"].result_list) == [reported, once]

    def test_a_decision_closes_the_reports(self, moderator_client):
        kept = make_comment()
        spammed = make_comment()
        for comment in (kept, spammed):
            Report.objects.create(comment=comment, reason="abuse", reporter="addr:1")
        response = moderator_client.post(moderate_url(kept, "keep"), follow=True)
        assert (
            "Dismissed the reports on the comment by %s; it stays published."
            % kept.name
        ) in response.content.decode()
        moderator_client.post(moderate_url(spammed, "spam"))
        assert not Report.objects.filter(resolved_at__isnull=True).exists()
        kept.refresh_from_db()
        assert kept.status == Status.APPROVED
        assert ModerationEvent.objects.filter(comment=kept, action="keep").exists()
        response = moderator_client.get(reverse(CHANGELIST), {"reported": "yes"})
        assert list(response.context["cl"].result_list) == []
        # Keep applies only while reports are open.
        answer = moderator_client.post(
            moderate_url(kept, "keep"), HTTP_ACCEPT="application/json"
        )
        assert answer.status_code == 409


class TestSpamOnThePublicPage:
    def test_moderators_get_spam_beside_delete(self, moderator_client):
        post = make_post()
        comment = make_comment(post)
        held = make_comment(post, status=Status.PENDING)
        html = moderator_client.get(post.get_absolute_url()).content.decode()
        for shown in (comment, held):
            spam_form = 'action="%s"' % reverse("comments:spam", args=[shown.pk])
            delete = 'href="%s"' % reverse("comments:delete", args=[shown.pk])
            assert spam_form in html
            assert html.index(spam_form) < html.index(delete)

    def test_spam_is_a_post_through_the_service(self, moderator_client):
        comment = make_comment()
        url = reverse("comments:spam", args=[comment.pk])
        assert moderator_client.get(url).status_code == 405
        response = moderator_client.post(url)
        assert response.status_code == 302
        assert response["Location"] == comment.get_absolute_url()
        comment.refresh_from_db()
        assert comment.status == Status.SPAM
        assert ModerationEvent.objects.get(comment=comment).action == "spam"
        assert moderator_client.post(url).status_code == 302  # twice: no harm

    def test_readers_see_report_but_not_spam(self, client):
        post = make_post()
        comment = make_comment(post)
        html = client.get(post.get_absolute_url()).content.decode()
        assert reverse("comments:spam", args=[comment.pk]) not in html
        assert client.post(reverse("comments:spam", args=[comment.pk])).status_code in (
            403,
        )
        comment.refresh_from_db()
        assert comment.status == Status.APPROVED


class TestBlocks:
    def test_block_page_offers_account_email_and_address(self, moderator_client):
        author = make_user(first_name="Spam", last_name="Bot")
        comment = make_comment(
            user=author, email="Bot@Example.com", ip_address="2001:db8:5:6::1"
        )
        html = moderator_client.get(block_url(comment)).content.decode()
        assert "Account: Spam Bot" in html
        assert "E-mail: Bot@Example.com" in html
        assert "Address: 2001:db8:5:6::/64 (the network of 2001:db8:5:6::1)" in html
        row = row_of(queue_html(moderator_client), comment)
        assert 'href="%s?next=' % block_url(comment) in row

    def test_blocking_from_the_queue(self, moderator_client):
        author = make_user()
        comment = make_comment(
            user=author, email="Bot@Example.com", ip_address="203.0.113.7"
        )
        response = moderator_client.post(
            block_url(comment),
            {
                "kinds": ["account", "email", "address"],
                "reason": "Adverts",
                "also_spam": "on",
                "next": reverse(CHANGELIST),
            },
        )
        assert response.status_code == 302
        blocks = set(Block.objects.values_list("kind", "value"))
        assert blocks == {
            ("account", str(author.pk)),
            ("email", "bot@example.com"),
            ("address", "203.0.113.7"),
        }
        comment.refresh_from_db()
        assert comment.status == Status.SPAM
        row = row_of(queue_html(moderator_client), comment)
        assert "Blocked by account, e-mail, address" in row
        # Blocking again changes nothing.
        moderator_client.post(block_url(comment), {"kinds": ["email"]})
        assert Block.objects.count() == 3

    def test_block_form_errors(self, moderator_client):
        comment = make_comment(email="", ip_address=None)
        html = moderator_client.get(block_url(comment)).content.decode()
        assert "no account, e-mail or address to block by" in html
        # The row offers no Block… for it, then.
        assert block_url(comment) not in row_of(queue_html(moderator_client), comment)
        other = make_comment(email="a@example.com")
        response = moderator_client.post(block_url(other), {"kinds": ["address"]})
        assert response.status_code == 400
        assert not Block.objects.exists()
        response = moderator_client.post(block_url(other), {})
        assert "Choose at least one way to block them." in response.content.decode()
        missing = reverse("admin:comments_comment_block", args=[999999])
        assert moderator_client.get(missing).status_code == 404

    def test_only_moderators_block(self, client):
        editor = make_user(is_staff=True)
        editor.groups.add(ensure_roles()[EDITORS])
        client.force_login(editor)
        comment = make_comment(email="a@example.com")
        assert client.post(block_url(comment), {"kinds": ["email"]}).status_code == 403
        assert not Block.objects.exists()

    @pytest.mark.parametrize("kind", ["account", "email", "address"])
    def test_blocked_commenters_are_kept_as_spam_and_not_told(self, kind):
        from comments.services import commenter_block

        author = make_user()
        origin = make_comment(
            user=author, email="Troll@Example.com", ip_address="2001:db8:9:9::1"
        )
        commenter_block(comment=origin, actor=None, kinds=[kind])
        post = make_post()
        settings = CommentSettings.load()
        settings.moderation = CommentSettings.Moderation.NEVER
        settings.save()
        reader = Client(REMOTE_ADDR="2001:db8:9:9::abcd")  # same /64
        if kind == "account":
            reader = Client(REMOTE_ADDR="198.51.100.1")
            reader.force_login(author)
        email = "troll@example.com" if kind == "email" else ""
        if kind == "email":
            reader = Client(REMOTE_ADDR="198.51.100.2")
        response = send(reader, post, email=email, text="Blocked words")
        assert response.status_code == 200
        assert (
            "Your comment could not be published. It has been kept for the "
            "moderators to look at."
        ) in errors(response)
        assert "Blocked words" in unescape(response.content.decode())  # text kept
        stored = Comment.objects.get(text="Blocked words")
        assert stored.status == Status.SPAM
        # Someone else is not held.
        ok = send(Client(REMOTE_ADDR="198.51.100.9"), post, text="Fine words")
        assert ok.status_code == 302
        assert Comment.objects.get(text="Fine words").status == Status.APPROVED

    def test_blocks_are_listed_and_lifted_in_the_admin(self, moderator_client):
        from comments.services import commenter_block

        comment = make_comment(email="a@example.com")
        (block,) = commenter_block(
            comment=comment, actor=moderator_client.user, kinds=["email"]
        )
        changelist = reverse("admin:comments_block_changelist")
        html = moderator_client.get(changelist).content.decode()
        assert "a@example.com" in html
        assert "Ravi Kumar" in html
        assert (
            moderator_client.get(reverse("admin:comments_block_add")).status_code == 403
        )
        delete = reverse("admin:comments_block_delete", args=[block.pk])
        response = moderator_client.post(delete, {"post": "yes"})
        assert response.status_code == 302
        assert not Block.objects.exists()


class TestSettingsPages:
    def test_moderator_opens_comment_settings_as_one_page(self, moderator_client):
        changelist = reverse("admin:comments_commentsettings_changelist")
        response = moderator_client.get(changelist)
        row = reverse("admin:comments_commentsettings_change", args=[1])
        assert response.status_code == 302
        assert response["Location"] == row
        page = moderator_client.get(row)
        assert page.status_code == 200
        html = page.content.decode()
        assert "<h1>Comment settings</h1>" in html
        assert "Add comment settings" not in html
        assert "_addanother" not in html
        assert "_continue" not in html
        assert "deletelink" not in html
        # No list to go back to: Home › Comments › Comment settings.
        crumbs = html[html.index('<ol class="breadcrumbs">') :]
        crumbs = crumbs[: crumbs.index("</ol>")]
        assert 'aria-current="page">Comment settings</li>' in crumbs
        assert "commentsettings/" not in crumbs
        assert not CommentSettings.objects.exists()  # reading never writes
        response = moderator_client.post(
            row,
            {
                "moderation": "older",
                "moderation_days": "7",
                "notify_minutes": "30",
                "trusted_after": "0",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == row
        saved = CommentSettings.objects.get()
        assert (saved.pk, saved.moderation, saved.moderation_days) == (1, "older", 7)
        assert "Comment settings saved." in moderator_client.get(row).content.decode()

    def test_admin_index_links_and_no_add(self, moderator_client):
        html = moderator_client.get(reverse("admin:index")).content.decode()
        assert reverse("admin:comments_commentsettings_changelist") in html
        assert reverse("admin:comments_commentsettings_add") not in html
        assert (
            moderator_client.get(
                reverse("admin:comments_commentsettings_add")
            ).status_code
            == 403
        )

    def test_only_row_one_exists(self, moderator_client):
        other = reverse("admin:comments_commentsettings_change", args=[2])
        response = moderator_client.get(other)
        assert response.status_code == 302  # "doesn't exist", back to the index
        assert not CommentSettings.objects.exists()

    def test_editor_opens_site_settings(self, client):
        editor = make_user(is_staff=True)
        editor.groups.add(ensure_roles()[EDITORS])
        client.force_login(editor)
        response = client.get(reverse("admin:articles_sitesettings_changelist"))
        row = reverse("admin:articles_sitesettings_change", args=[1])
        assert response["Location"] == row
        html = client.get(row).content.decode()
        assert "<h1>Site settings</h1>" in html
        assert "_addanother" not in html
        data = {
            "name": "Local Glob",
            "tagline": "News for everyone",
            "blog_id": "8255692317570297677",
            "time_zone": "Asia/Kolkata",
            "featured_label": "TOP STORY",
        }
        form = client.get(row).context["adminform"].form
        for name, field in form.fields.items():
            if name not in data:
                value = form.initial.get(name, field.initial)
                if value is not None and value is not False:
                    data[name] = value
        response = client.post(row, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert SiteSettings.objects.get().tagline == "News for everyone"
        # Editors do not set the comment rules.
        assert (
            client.get(
                reverse("admin:comments_commentsettings_change", args=[1])
            ).status_code
            == 403
        )

    @pytest.mark.parametrize(
        "url",
        [
            "admin:comments_commentsettings_changelist",
            "admin:articles_sitesettings_changelist",
        ],
    )
    def test_writers_get_403(self, client, url):
        writer = make_user(is_staff=True)
        writer.groups.add(ensure_roles()[WRITERS])
        client.force_login(writer)
        assert client.get(reverse(url)).status_code == 403
        change = url.replace("changelist", "change")
        assert client.get(reverse(change, args=[1])).status_code == 403
        assert client.post(reverse(change, args=[1]), {}).status_code == 403

    def test_the_groups_hold_the_rights(self):
        """The role sync (migrations, loaddemo) gives them; nothing else."""
        editors = ensure_roles()[EDITORS]
        assert set(
            editors.permissions.filter(codename__endswith="settings").values_list(
                "codename", flat=True
            )
        ) == {"view_sitesettings", "change_sitesettings"}
        moderators = Group.objects.get(name=MODERATORS)
        assert set(
            moderators.permissions.filter(codename__endswith="settings").values_list(
                "codename", flat=True
            )
        ) == {"view_commentsettings", "change_commentsettings"}


class TestRightsReachEveryDatabase:
    """New databases (migrations), existing ones (data migrations) and the demo."""

    def strip(self):
        Permission.objects.filter(codename__endswith="settings").delete()

    def can_open(self, client, user, url):
        client.force_login(user)
        return client.get(reverse(url, args=[1])).status_code == 200

    def people(self):
        editor = make_user(is_staff=True)
        editor.groups.add(Group.objects.get(name=EDITORS))
        moderator = make_user(is_staff=True)
        moderator.groups.add(Group.objects.get(name=MODERATORS))
        return editor, moderator

    def test_migrations_made_the_groups_with_them(self, client):
        editor, moderator = self.people()
        assert self.can_open(client, editor, "admin:articles_sitesettings_change")
        assert self.can_open(client, moderator, "admin:comments_commentsettings_change")
        assert not self.can_open(
            client, editor, "admin:comments_commentsettings_change"
        )
        assert not self.can_open(
            client, moderator, "admin:articles_sitesettings_change"
        )

    def test_data_migrations_give_existing_databases_the_rights(self, client):
        from importlib import import_module

        from django.db.migrations.loader import MigrationLoader

        # The migrations' own (historical) models, as `migrate` would pass them.
        apps = MigrationLoader(connection).project_state().apps
        editor, moderator = self.people()
        self.strip()  # a database from before
        assert not self.can_open(client, editor, "admin:articles_sitesettings_change")
        import_module("articles.migrations.0008_editors_site_settings").grant(
            apps, None
        )
        import_module("comments.migrations.0006_moderators_settings_blocks").grant(
            apps, None
        )
        editor, moderator = self.people()  # fresh users: no cached permissions
        assert self.can_open(client, editor, "admin:articles_sitesettings_change")
        assert self.can_open(client, moderator, "admin:comments_commentsettings_change")

    def test_loaddemo_gives_the_demo_moderator_and_editor_their_pages(self, client):
        import io

        from articles.demo import _ensure_groups
        from comments.pages import _load_demo

        Group.objects.filter(name__in=[EDITORS, MODERATORS]).delete()
        _ensure_groups()  # what loaddemo runs for articles' roles
        _load_demo(io.StringIO())  # and then the comments app's demo loader
        editor, moderator = self.people()
        assert self.can_open(client, editor, "admin:articles_sitesettings_change")
        assert self.can_open(client, moderator, "admin:comments_commentsettings_change")
