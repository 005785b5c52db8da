import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments import spam
from comments.cookies import COOKIE_NAME
from comments.models import Comment, CommentSettings
from tests.factories import make_comment, make_moderator, make_post, make_user

from .helpers import aged_token, errors, form_data, section, send

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture(autouse=True)
def _always_hold():
    settings = CommentSettings.load()
    settings.moderation = CommentSettings.Moderation.ALWAYS
    settings.save()


def post_url(post):
    return reverse("comments:post", args=[post.pk])


class TestReading:
    def test_threads_count_and_permalinks_on_the_post_page(self, client):
        post = make_post()
        first = make_comment(post, name="Meera", text="First!")
        reply = make_comment(post, parent=first, name="Ravi", text="Second")
        make_comment(post, status=Status.PENDING, text="Not yet")
        html = section(client.get(post.get_absolute_url()))
        assert "2 Comments" in html
        assert html.index('id="c%d"' % first.pk) < html.index('id="c%d"' % reply.pk)
        assert 'href="%s#c%d"' % (post.get_absolute_url(), reply.pk) in html
        assert "Not yet" not in html
        assert "<time" in html

    def test_one_comment_is_singular(self, client):
        post = make_post()
        make_comment(post)
        assert "1 Comment<" in section(client.get(post.get_absolute_url()))

    def test_blogger_show_comment_permalink_works(self, client):
        comment = make_comment(text="Old Blogger comment")
        path, _, fragment = comment.blogger_url.partition("#")
        response = client.get(path)
        assert response.status_code == 200
        assert 'id="%s"' % fragment in section(response)

    def test_removed_comment_with_replies_leaves_placeholder(self, client):
        post = make_post()
        root = make_comment(post, text="Rude words", status=Status.REMOVED)
        make_comment(post, parent=root, text="Kind reply")
        html = section(client.get(post.get_absolute_url()))
        assert "This comment has been removed" in html
        assert "Rude words" not in html
        assert "Kind reply" in html
        assert "1 Comment<" in html

    def test_card_shows_exact_count(self, client):
        post = make_post(title="Counted")
        make_comment(post)
        make_comment(post)
        make_comment(post, status=Status.SPAM)
        html = client.get("/").content.decode()
        assert '%s#comments">2 Comments</a>' % post.get_absolute_url() in html

    def test_email_is_never_shown(self, client):
        post = make_post()
        make_comment(post, email="secret@example.com")
        assert (
            "secret@example.com"
            not in client.get(post.get_absolute_url()).content.decode()
        )

    def test_xss_in_name_and_text_is_shown_as_text(self, client):
        post = make_post()
        make_comment(
            post,
            name='<script>alert("name")</script>',
            text=(
                "<img src=x onerror=alert(1)> javascript:alert(2) "
                '<a href="javascript:alert(3)">x</a> http://ok.example/"onmouseover="alert(4)'
            ),
        )
        html = section(client.get(post.get_absolute_url()))
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in html
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert 'href="javascript' not in html.lower()
        assert '<a href="http://ok.example/" rel="nofollow ugc">' in html
        assert 'onmouseover="' not in html

    def test_reply_link_works_without_javascript(self, client):
        post = make_post()
        root = make_comment(post, name="Meera")
        reply = make_comment(post, parent=root, name="Ravi")
        html = section(client.get(post.get_absolute_url()))
        link = "%s?replyto=%d#comment-form" % (post.get_absolute_url(), reply.pk)
        assert 'href="%s"' % link in html
        html = section(
            client.get("%s?replyto=%d" % (post.get_absolute_url(), reply.pk))
        )
        assert "Reply to Ravi" in html
        assert 'name="parent" value="%d"' % reply.pk in html
        # The form sits in the thread, after its replies; "Cancel reply" is a link.
        assert html.index('id="c%d"' % reply.pk) < html.index('id="comment-form"')
        assert (
            '<a class="comment-cancel" href="%s#comment-form">'
            % post.get_absolute_url()
            in html
        )

    def test_replyto_a_hidden_or_unknown_comment_is_ignored(self, client):
        post = make_post()
        held = make_comment(post, status=Status.PENDING)
        for value in [str(held.pk), "999999", "abc"]:
            response = client.get("%s?replyto=%s" % (post.get_absolute_url(), value))
            assert response.status_code == 200
            assert "Post a Comment" in section(response)


class TestPosting:
    def test_posted_comment_is_pending_and_shown_to_its_author_only(self, client):
        post = make_post()
        response = send(client, post, text="My first comment")
        comment = Comment.objects.get()
        assert comment.status == Status.PENDING
        assert response.status_code == 302
        assert response["Location"] == "%s#c%d" % (post.get_absolute_url(), comment.pk)
        assert COOKIE_NAME in response.cookies
        html = section(client.get(post.get_absolute_url()))
        assert "My first comment" in html
        assert "Your comment is awaiting moderation." in html
        assert "0 Comments" in html
        client.cookies.clear()
        assert "My first comment" not in section(client.get(post.get_absolute_url()))

    def test_a_forged_cookie_shows_nothing(self, client):
        post = make_post()
        held = make_comment(post, status=Status.PENDING, text="Someone else's")
        client.cookies[COOKIE_NAME] = str(held.pk)
        assert "Someone else" not in section(client.get(post.get_absolute_url()))

    def test_reply_attaches_to_thread_even_when_replying_to_a_reply(self, client):
        post = make_post()
        root = make_comment(post)
        reply = make_comment(post, parent=root)
        send(client, post, parent=str(reply.pk), text="Deep reply")
        created = Comment.objects.get(text="Deep reply")
        assert created.parent == root
        html = section(client.get(post.get_absolute_url()))
        assert html.index('id="c%d"' % reply.pk) < html.index('id="c%d"' % created.pk)

    def test_reply_to_a_hidden_comment_is_refused_with_text_kept(self, client):
        post = make_post()
        held = make_comment(post, status=Status.PENDING)
        response = send(client, post, parent=str(held.pk), text="Replying")
        assert response.status_code == 200
        assert "no longer available" in errors(response)
        assert "Replying</textarea>" in section(response)
        assert Comment.objects.count() == 1

    def test_form_errors_name_the_field_and_keep_the_text(self, client):
        post = make_post()
        response = send(client, post, name="", email="not-an-address", text="Kept text")
        html = section(response)
        assert response.status_code == 200
        assert "Kept text</textarea>" in html
        assert html.count('class="errorlist') == 2
        assert Comment.objects.count() == 0

    def test_too_long_text_is_refused(self, client, settings):
        settings.COMMENTS = {"MAX_LENGTH": 20}
        post = make_post()
        response = send(client, post, text="x" * 21)
        assert "at most 20 characters" in section(response)
        assert Comment.objects.count() == 0

    def test_signed_in_editor_is_published_at_once(self, client):
        post = make_post()
        client.force_login(make_user(is_staff=True))
        send(client, post, text="From the newsroom")
        assert Comment.objects.get().status == Status.APPROVED

    def test_every_comment_needs_a_csrf_token(self):
        """
        The readers' page carries no per-request token (cacheable; the form
        fetches one before sending); a POST without a token is refused for
        readers and signed-in authors alike.
        """
        post = make_post()
        reader = Client(enforce_csrf_checks=True)
        html = section(reader.get(post.get_absolute_url()))
        assert "csrfmiddlewaretoken" not in html
        assert send(reader, post, text="Forged as reader").status_code == 403
        editor = Client(enforce_csrf_checks=True)
        editor.force_login(make_user(is_staff=True))
        assert "csrfmiddlewaretoken" in section(editor.get(post.get_absolute_url()))
        assert send(editor, post, text="Forged as editor").status_code == 403
        assert not Comment.objects.exists()

    def test_only_a_signed_in_readers_page_holds_a_form_token(self, client):
        """
        Anonymous pages are shared (and cached): their form asks for its own
        token (data-token-for), on the plain page and on a ?replyto= page
        alike. A signed-in reader's page is drawn for them and carries one.
        """
        post = make_post()
        root = make_comment(post)
        token = re.compile(r'name="token"(?: value="([^"]*)")?')
        for url in (
            post.get_absolute_url(),
            "%s?replyto=%d" % (post.get_absolute_url(), root.pk),
        ):
            html = section(client.get(url))
            assert 'data-token-for="post-%d"' % post.pk in html
            assert not token.search(html)[1]
        client.force_login(make_user())
        html = section(client.get(post.get_absolute_url()))
        assert "data-token-for" not in html
        assert spam.read_token(token.search(html)[1], post)[1] is None

    def test_closed_post_says_so_and_refuses_posts(self, client):
        post = make_post(comments_open=False)
        make_comment(post, text="Before closing")
        html = section(client.get(post.get_absolute_url()))
        assert "Comments are closed on this post." in html
        assert 'id="comment-form"' not in html
        assert "Before closing" in html
        assert ">Reply<" not in html
        response = send(client, post)
        assert response.status_code == 403
        assert Comment.objects.count() == 1

    def test_unknown_or_unpublished_post_is_404(self, client):
        draft = make_post(status="draft", published_at=None)
        assert send(client, draft).status_code == 404
        assert (
            client.post(reverse("comments:post", args=[99999]), {}).status_code == 404
        )

    def test_get_is_not_allowed(self, client):
        post = make_post()
        assert client.get(post_url(post)).status_code == 405

    def test_held_comment_emails_moderators(
        self, client, mailoutbox, django_capture_on_commit_callbacks
    ):
        make_moderator(email="mod@example.com")
        post = make_post(title="Harbour news")
        with django_capture_on_commit_callbacks(execute=True):
            send(client, post, text="Please look")
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["mod@example.com"]
        assert "Harbour news" in mailoutbox[0].subject
        assert "Please look" in mailoutbox[0].body
        assert "http://testserver/admin/comments/comment/" in mailoutbox[0].body

    def test_a_mail_server_that_is_down_never_fails_the_comment(
        self, client, mail_server_down, django_capture_on_commit_callbacks, caplog
    ):
        make_moderator(email="mod@example.com")
        post = make_post(title="Harbour news")
        with django_capture_on_commit_callbacks(execute=True):
            response = send(client, post, text="Please look")
        assert response.status_code == 302
        comment = Comment.objects.get(text="Please look")
        # Not marked as notified: send_comment_notifications mails it later.
        assert comment.notified_at is None
        [logged] = [r for r in caplog.records if r.exc_info]
        assert isinstance(logged.exc_info[1], ConnectionRefusedError)


class TestSpamDefences:
    """Each refusal: a clear message, the reader's text kept, bots' comments kept as spam."""

    def test_honeypot(self, client):
        post = make_post()
        response = send(client, post, website="http://spam.example", text="Buy now")
        assert str(spam.HONEYPOT.message) in errors(response)
        assert "Buy now</textarea>" in section(response)
        assert Comment.objects.get().status == Status.SPAM

    def test_minimum_fill_time(self, client):
        post = make_post()
        response = send(
            client, post, token=aged_token(post, seconds=1), text="Quick one"
        )
        assert str(spam.TOO_FAST.message) in errors(response)
        assert "Quick one</textarea>" in section(response)
        assert Comment.objects.get().status == Status.SPAM

    def test_forged_token(self, client):
        post = make_post()
        response = send(client, post, token="forged", text="Forged one")
        assert str(spam.FORGED.message) in errors(response)
        assert Comment.objects.get().status == Status.SPAM

    def test_maximum_age(self, client, frozen_now):
        post = make_post()
        token = spam.form_token(post)
        frozen_now.shift(timedelta(days=2))
        response = send(client, post, token=token, text="Left open")
        assert str(spam.EXPIRED.message) in errors(response)
        assert "Left open</textarea>" in section(response)
        assert Comment.objects.count() == 0
        # The form shown again carries a fresh token, so sending it again works.
        fresh = re.search(r'name="token" value="([^"]+)"', section(response)).group(1)
        frozen_now.shift(timedelta(seconds=10))
        assert send(client, post, token=fresh, text="Left open").status_code == 302

    def test_rate_limit(self, client, settings):
        settings.COMMENTS = {"RATE_LIMIT": 2}
        post = make_post()
        for number in range(2):
            assert send(client, post, text="Comment %d" % number).status_code == 302
        response = send(client, post, text="One too many")
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 600
        assert str(spam.RATE_LIMITED.message) in errors(response)
        assert "One too many</textarea>" in section(response)
        assert Comment.objects.count() == 2
        # Another address is not limited.
        other = client.post(
            post_url(post), form_data(post, text="Hi"), REMOTE_ADDR="192.0.2.77"
        )
        assert other.status_code == 302
        assert "Retry-After" not in other

    def test_rate_limit_counts_an_ipv6_64_as_one_reader(self, client, settings):
        settings.COMMENTS = {"RATE_LIMIT": 2}
        post = make_post()
        for number, address in enumerate(["2001:db8:5:6::1", "2001:db8:5:6:a:b:c:d"]):
            answer = client.post(
                post_url(post),
                form_data(post, text="From v6 %d" % number),
                REMOTE_ADDR=address,
            )
            assert answer.status_code == 302
        refused = client.post(
            post_url(post),
            form_data(post, text="Third from the /64"),
            REMOTE_ADDR="2001:db8:5:6:ffff::2",
        )
        assert refused.status_code == 429
        assert refused["Retry-After"]
        other_net = client.post(
            post_url(post),
            form_data(post, text="Another /64"),
            REMOTE_ADDR="2001:db8:5:7::1",
        )
        assert other_net.status_code == 302
        assert sorted(Comment.objects.values_list("ip_address", flat=True)) == [
            "2001:db8:5:6::1",
            "2001:db8:5:6:a:b:c:d",
            "2001:db8:5:7::1",
        ]

    def test_the_comments_client_ip_header_still_names_the_reader(
        self, client, settings
    ):
        settings.COMMENTS = {"RATE_LIMIT": 1, "CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}
        post = make_post()
        first = client.post(
            post_url(post), form_data(post, text="One"), HTTP_X_REAL_IP="198.51.100.7"
        )
        assert first.status_code == 302
        assert Comment.objects.get().ip_address == "198.51.100.7"
        # Same proxy address, another reader: counted apart.
        other = client.post(
            post_url(post), form_data(post, text="Two"), HTTP_X_REAL_IP="198.51.100.8"
        )
        assert other.status_code == 302
        again = client.post(
            post_url(post), form_data(post, text="Three"), HTTP_X_REAL_IP="198.51.100.7"
        )
        assert again.status_code == 429

    def test_one_token_cannot_post_twice(self, client):
        post = make_post()
        token = aged_token(post)
        assert send(client, post, token=token, text="First words").status_code == 302
        response = send(client, post, token=token, text="Second words")
        assert response.status_code == 200
        assert str(spam.REUSED.message) in errors(response)
        assert "Second words</textarea>" in section(response)
        assert list(Comment.objects.values_list("text", flat=True)) == ["First words"]
        # The form shown again carries a fresh token (and, never cached, the
        # CSRF token), so the reader can send it after a moment.
        html = section(response)
        fresh = re.search(r'name="token" value="([^"]+)"', html).group(1)
        assert fresh != token
        assert 'name="csrfmiddlewaretoken"' in html
        assert "data-token-for" not in html
        again = send(client, post, token=fresh, text="Second words")
        assert str(spam.TOO_FAST.message) in errors(again)

    def test_a_token_spent_as_spam_cannot_post_again(self, client):
        post = make_post()
        token = aged_token(post)
        send(client, post, token=token, website="http://spam.example", text="Bot 1")
        response = send(client, post, token=token, text="Bot 2")
        assert str(spam.REUSED.message) in errors(response)
        assert list(Comment.objects.values_list("text", "status")) == [
            ("Bot 1", Status.SPAM)
        ]

    def test_a_fresh_token_is_too_fast_then_accepted(self, client, frozen_now):
        """What /csrf-token?for= gives when the reader starts writing."""
        post = make_post()
        token = client.get("/csrf-token?for=post-%d" % post.pk).json()["form_token"]
        frozen_now.shift(timedelta(seconds=1))
        response = send(client, post, token=token, text="Too quick")
        assert str(spam.TOO_FAST.message) in errors(response)
        assert Comment.objects.get().status == Status.SPAM
        token = client.get("/csrf-token?for=post-%d" % post.pk).json()["form_token"]
        frozen_now.shift(timedelta(seconds=4))
        assert send(client, post, token=token, text="Calmly").status_code == 302
        assert Comment.objects.get(text="Calmly").status == Status.PENDING

    def test_link_limit(self, client):
        post = make_post()
        text = "http://a.example http://b.example http://c.example"
        response = send(client, post, text=text)
        assert "at most 2 links" in section(response)
        assert "%s</textarea>" % text in section(response)
        assert Comment.objects.count() == 0

    def test_duplicate(self, client):
        post = make_post()
        make_comment(post, text="Same again")
        response = send(client, post, text="Same again")
        assert str(spam.DUPLICATE.message) in errors(response)
        assert "Same again</textarea>" in section(response)
        assert Comment.objects.count() == 1


class TestModeratorsOnThePublicPage:
    def test_moderator_sees_pending_and_delete(self, client):
        post = make_post()
        held = make_comment(post, status=Status.PENDING, text="Held one")
        client.force_login(make_moderator())
        html = section(client.get(post.get_absolute_url()))
        assert "Held one" in html
        assert 'href="%s"' % reverse("comments:delete", args=[held.pk]) in html
        assert reverse("comments:approve", args=[held.pk]) in html

    def test_readers_see_no_delete(self, client):
        comment = make_comment()
        html = section(client.get(comment.post.get_absolute_url()))
        assert "comment-delete" not in html

    def test_delete_asks_for_confirmation_then_removes(self, client):
        moderator = make_moderator()
        root = make_comment(text="To remove")
        make_comment(parent=root, text="A reply")
        client.force_login(moderator)
        url = reverse("comments:delete", args=[root.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert "Delete this comment?" in page.content.decode()
        assert 'name="csrfmiddlewaretoken"' in page.content.decode()
        root.refresh_from_db()
        assert root.status == Status.APPROVED
        response = client.post(url)
        assert response["Location"] == root.get_absolute_url()
        root.refresh_from_db()
        assert (root.status, root.moderated_by) == (Status.REMOVED, moderator)
        html = section(client.get(root.post.get_absolute_url()))
        assert "This comment has been removed" in html
        assert "A reply" in html

    def test_deleting_twice_changes_nothing(self, client):
        moderator = make_moderator()
        comment = make_comment(status=Status.REMOVED)
        client.force_login(moderator)
        url = reverse("comments:delete", args=[comment.pk])
        assert "already been removed" in client.get(url).content.decode()
        assert client.post(url).status_code == 302
        comment.refresh_from_db()
        assert comment.moderated_by is None

    def test_delete_needs_csrf(self, client):
        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(make_moderator())
        comment = make_comment()
        response = csrf_client.post(reverse("comments:delete", args=[comment.pk]))
        assert response.status_code == 403
        comment.refresh_from_db()
        assert comment.status == Status.APPROVED

    def test_approve_from_the_public_page(self, client):
        held = make_comment(status=Status.PENDING)
        client.force_login(make_moderator())
        client.post(reverse("comments:approve", args=[held.pk]))
        held.refresh_from_db()
        assert held.status == Status.APPROVED

    @pytest.mark.parametrize("who", ["anonymous", "reader", "editor"])
    def test_others_cannot_moderate(self, client, who):
        """Readers and editors without comment permissions get 403 and change nothing."""
        if who == "reader":
            client.force_login(make_user())
        elif who == "editor":
            from articles.roles import EDITORS, ensure_roles

            editor = make_user(is_staff=True)
            editor.groups.add(ensure_roles()[EDITORS])
            client.force_login(editor)
        comment = make_comment()
        held = make_comment(comment.post, status=Status.PENDING)
        assert (
            client.get(reverse("comments:delete", args=[comment.pk])).status_code == 403
        )
        assert (
            client.post(reverse("comments:delete", args=[comment.pk])).status_code
            == 403
        )
        assert (
            client.post(reverse("comments:approve", args=[held.pk])).status_code == 403
        )
        comment.refresh_from_db()
        held.refresh_from_db()
        assert (comment.status, held.status) == (Status.APPROVED, Status.PENDING)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_post_page_costs_the_same_with_5_and_200_comments(client, signed_in):
    """
    All comments, placeholders and own pending ones come in one query, so
    200 comments cost no more than 5 (no query per comment or per thread).
    """
    post = make_post()
    if signed_in:
        client.force_login(make_moderator())

    def add(count):
        for number in range(count):
            if number % 4 == 0:
                root = make_comment(
                    post, status=Status.REMOVED if number % 8 == 0 else Status.APPROVED
                )
            else:
                make_comment(post, parent=root)
        make_comment(post, status=Status.PENDING)

    add(5)
    url = post.get_absolute_url()
    client.get(url)  # Warm the settings caches.
    few = count_queries(client, url)
    add(195)
    many = count_queries(client, url)
    assert few == many
    assert Comment.objects.filter(post=post).count() == 202


def test_list_page_counts_cost_no_query_per_card(client):
    """Card counts come from the list query itself: 12 commented cards cost what 2 do."""

    def add_commented_posts(count):
        for _ in range(count):
            post = make_post()
            make_comment(post)
            make_comment(post, status=Status.PENDING)

    # The home page's Latest shows 10 unless asked for more.
    home = "/?max-results=20"
    add_commented_posts(2)
    client.get(home)
    few = count_queries(client, home)
    add_commented_posts(10)
    response = client.get(home)
    assert response.content.decode().count(">1 Comment</a>") == 12
    assert count_queries(client, home) == few
