"""Reader comments on static pages (/p/slug.html): as on posts, through the same code."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import SiteSettings
from articles.models import Status as PublishStatus
from comments import spam
from comments.cookies import COOKIE_NAME, remember_comment
from comments.models import Comment, CommentSettings
from comments.services import comment_approve, comment_remove
from tests.factories import make_comment, make_moderator, make_page, make_post

from .helpers import errors, form_data, section, send

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture(autouse=True)
def _always_hold():
    settings = CommentSettings.load()
    settings.moderation = CommentSettings.Moderation.ALWAYS
    settings.save()


@pytest.fixture
def about():
    return make_page(title="About Local Glob", slug="about", comments_open=True)


class TestReading:
    def test_threads_count_and_permalinks_on_the_page(self, client, about):
        first = make_comment(about, name="Meera", text="First on the page")
        reply = make_comment(about, parent=first, name="Ravi", text="A reply")
        make_comment(about, status=Status.PENDING, text="Not yet")
        make_comment(make_post(), text="On a post, not here")
        response = client.get("/p/about.html")
        assert response.status_code == 200
        html = section(response)
        assert "2 Comments" in html
        assert html.index('id="c%d"' % first.pk) < html.index('id="c%d"' % reply.pk)
        assert 'href="/p/about.html#c%d"' % reply.pk in html
        assert 'href="/p/about.html?replyto=%d#comment-form"' % first.pk in html
        assert "Not yet" not in html and "On a post" not in html
        assert 'action="/comments/page/%d/"' % about.pk in html

    def test_removed_comment_with_a_reply_leaves_the_placeholder(self, client, about):
        root = make_comment(about, text="Rude words", status=Status.REMOVED)
        make_comment(about, parent=root, text="Kind reply")
        html = section(client.get("/p/about.html"))
        assert "This comment has been removed" in html
        assert "Rude words" not in html and "Kind reply" in html
        assert "1 Comment<" in html

    def test_blogger_show_comment_permalink_works(self, client, about):
        comment = make_comment(about, blogger_id="7000000000000000001")
        path, _, fragment = comment.blogger_url.partition("#")
        assert path.startswith("/p/about.html?showComment=")
        response = client.get(path)
        assert response.status_code == 200
        assert fragment == "c7000000000000000001"
        assert 'id="%s"' % fragment in section(response)

    def test_reply_link_works_without_javascript(self, client, about):
        root = make_comment(about, name="Meera")
        html = section(client.get("/p/about.html?replyto=%d" % root.pk))
        assert "Reply to Meera" in html
        assert 'name="parent" value="%d"' % root.pk in html
        assert '<a class="comment-cancel" href="/p/about.html#comment-form">' in html

    def test_the_query_count_is_the_same_for_2_and_20_comments(
        self, client, about, django_assert_num_queries
    ):
        """All the page's comments, threads and placeholders come in one query."""

        def comment_on(count):
            for _ in range(count // 2):
                root = make_comment(about)
                make_comment(about, parent=root)

        comment_on(2)
        removed = make_comment(about, status=Status.REMOVED)
        make_comment(about, parent=removed)
        client.get("/p/about.html")  # the site settings row is read once
        with CaptureQueriesContext(connection) as small:
            assert client.get("/p/about.html").status_code == 200
        comment_on(18)
        with django_assert_num_queries(len(small)):
            html = section(client.get("/p/about.html"))
        assert "21 Comments" in html


class TestPosting:
    def test_a_comment_is_held_and_shown_to_its_author_only(self, client, about):
        response = send(client, about, text="My page comment")
        comment = Comment.objects.get()
        assert (comment.page, comment.post, comment.status) == (
            about,
            None,
            Status.PENDING,
        )
        assert response.status_code == 302
        assert response["Location"] == "/p/about.html#c%d" % comment.pk
        assert COOKIE_NAME in response.cookies
        html = section(client.get("/p/about.html"))
        assert "My page comment" in html
        assert "Your comment is awaiting moderation." in html
        assert "0 Comments" in html
        client.cookies.clear()
        assert "My page comment" not in section(client.get("/p/about.html"))

    def test_a_reply_to_a_reply_joins_the_thread(self, client, about):
        root = make_comment(about)
        reply = make_comment(about, parent=root)
        send(client, about, parent=str(reply.pk), text="Deep reply")
        assert Comment.objects.get(text="Deep reply").parent == root

    def test_a_reply_to_a_comment_on_another_page_or_post_is_refused(
        self, client, about
    ):
        for elsewhere in (make_comment(make_page()), make_comment(make_post())):
            response = send(client, about, parent=str(elsewhere.pk), text="Stray")
            assert "no longer available" in errors(response)
            assert "Stray</textarea>" in section(response)
        assert not Comment.objects.filter(text="Stray").exists()

    def test_without_moderation_it_appears_at_once(self, client, about):
        settings = CommentSettings.load()
        settings.moderation = CommentSettings.Moderation.NEVER
        settings.save()
        send(client, about, text="Straight out")
        client.cookies.clear()
        assert "Straight out" in section(client.get("/p/about.html"))

    def test_spam_defences_apply_and_keep_the_text(self, client, about):
        response = send(client, about, website="http://spam.example", text="Buy now")
        assert str(spam.HONEYPOT.message) in errors(response)
        assert "Buy now</textarea>" in section(response)
        assert Comment.objects.get().status == Status.SPAM
        make_comment(about, text="Same again")
        response = send(client, about, text="Same again")
        assert str(spam.DUPLICATE_ON_PAGE.message) in errors(response)

    def test_a_posts_form_token_is_refused_on_a_page(self, client, about):
        post = make_post(pk=about.pk)
        response = send(client, about, token=form_data(post)["token"], text="Moved")
        assert str(spam.FORGED.message) in errors(response)
        assert Comment.objects.get().status == Status.SPAM

    def test_a_new_page_takes_no_comments_until_an_editor_opens_them(self, client):
        page = make_page(slug="contact")
        # Closed and never commented (About, Contact): no comment section.
        html = client.get("/p/contact.html").content.decode()
        assert 'id="comments"' not in html
        assert client.post(reverse("comments:page", args=[page.pk])).status_code == 403
        page.comments_open = True
        page.save()
        assert 'id="comment-form"' in section(client.get("/p/contact.html"))

    def test_a_closed_page_shows_its_comments_and_refuses_new_ones(self, client):
        closed = make_page(slug="closed", comments_open=False)
        make_comment(closed, text="Before closing")
        html = section(client.get("/p/closed.html"))
        assert "Comments are closed on this page." in html
        assert "Before closing" in html
        assert 'id="comment-form"' not in html and ">Reply<" not in html
        response = send(client, closed)
        assert response.status_code == 403
        assert "Comments are closed on this page." in errors(response)
        assert Comment.objects.count() == 1

    def test_a_draft_or_unknown_page_is_404(self, client):
        draft = make_page(status=PublishStatus.DRAFT)
        assert send(client, draft).status_code == 404
        assert client.post(reverse("comments:page", args=[99999])).status_code == 404

    def test_a_held_comment_emails_moderators_with_the_page(
        self, client, about, mailoutbox, django_capture_on_commit_callbacks
    ):
        make_moderator(email="mod@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            send(client, about, text="Please look")
        [mail] = mailoutbox
        assert "About Local Glob" in mail.subject
        assert "http://testserver/p/about.html" in mail.body
        assert (
            "/admin/comments/comment/?status__exact=pending&page__id__exact=%d"
            % about.pk
            in mail.body
        )


class TestModerators:
    def test_a_moderator_sees_held_comments_approves_and_deletes(self, client, about):
        held = make_comment(about, status=Status.PENDING, text="Held one")
        root = make_comment(about, text="To remove")
        make_comment(about, parent=root, text="A reply")
        client.force_login(make_moderator())
        html = section(client.get("/p/about.html"))
        assert "Held one" in html
        assert reverse("comments:approve", args=[held.pk]) in html
        assert 'href="%s"' % reverse("comments:delete", args=[root.pk]) in html
        answer = client.post(reverse("comments:approve", args=[held.pk]))
        assert answer["Location"] == "/p/about.html#c%d" % held.pk
        url = reverse("comments:delete", args=[root.pk])
        confirm = client.get(url).content.decode()
        assert "On “About Local Glob”:" in confirm
        assert client.post(url)["Location"] == "/p/about.html#c%d" % root.pk
        held.refresh_from_db()
        root.refresh_from_db()
        assert (held.status, root.status) == (Status.APPROVED, Status.REMOVED)
        client.logout()
        html = section(client.get("/p/about.html"))
        assert "This comment has been removed" in html and "A reply" in html
        assert "Held one" in html and "comment-delete" not in html


class TestPageCache:
    @pytest.fixture(autouse=True)
    def page_cache_on(self, settings):
        settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE": True}
        SiteSettings.load()  # made before caching starts: its creation purges

    def state(self, response):
        return response.headers.get("X-Page-Cache")

    def test_approving_or_removing_a_page_comment_purges_the_page(self, client, about):
        held = make_comment(about, text="Held words", status=Status.PENDING)
        shown = make_comment(about, text="Shown words")
        client.get("/p/about.html")
        assert self.state(client.get("/p/about.html")) == "hit"
        comment_approve(comment=held, actor=None)
        response = client.get("/p/about.html")
        assert self.state(response) == "miss"
        assert "Held words" in response.content.decode()
        comment_remove(comment=shown, actor=None)
        response = client.get("/p/about.html")
        assert self.state(response) == "miss"
        assert "Shown words" not in response.content.decode()

    def test_a_writers_held_comment_never_reaches_the_shared_page(self, client, about):
        make_comment(about, text="Approved words")
        held = make_comment(about, text="Held words", status=Status.PENDING)
        writer = Client()
        signed = HttpResponse()
        remember_comment(writer.get("/p/about.html").wsgi_request, signed, held)
        writer.cookies[COOKIE_NAME] = signed.cookies[COOKIE_NAME].value
        own = writer.get("/p/about.html")
        assert self.state(own) is None
        assert "Held words" in own.content.decode()
        for reader in (client, Client()):
            html = reader.get("/p/about.html").content.decode()
            assert "Approved words" in html and "Held words" not in html

    def test_a_pages_shared_comments_are_its_own_not_a_posts(self, client, about):
        """Shared parts are kept per post or page: the same number never mixes them."""
        post = make_post(pk=about.pk)
        make_comment(post, text="Words on the post")
        make_comment(about, text="Words on the page")
        client.cookies["sessionid"] = "no-such-session"  # no whole-page cache
        assert (
            "Words on the post" in client.get(post.get_absolute_url()).content.decode()
        )
        html = client.get("/p/about.html").content.decode()
        assert "Words on the page" in html and "Words on the post" not in html
