"""articles.publishing: the table of moves, who may make each, and the bulk path."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import publishing, roles
from articles.models import Post, Status
from articles.publishing import State
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.factories import make_draft, make_post, make_scheduled

pytestmark = pytest.mark.django_db

N, D, P, S, L = State.NEW, State.DRAFT, State.PENDING, State.SCHEDULED, State.LIVE
TARGETS = [D, P, S, L]
# Written out by hand, not read from the table: what each role may do.
WRITER_MOVES = {(N, D), (N, P), (D, P), (P, D), (D, D), (P, P)}
EDITOR_MOVES = {(was, to) for was in [N, D, P, S, L] for to in TARGETS}


@pytest.fixture
def people():
    writer = make_person(roles.WRITERS)
    return {
        "writer": writer,
        "other writer": make_person(roles.WRITERS),
        "editor": make_person(roles.EDITORS),
        "system": None,
    }


def post_in(state, author):
    if state == N:
        return Post(title="New", author=author)
    if state == D:
        return make_draft(author=author)
    if state == P:
        return make_draft(author=author, status=Status.PENDING)
    if state == S:
        return make_scheduled(author=author)
    return make_post(author=author)


@pytest.mark.parametrize("was", [N, D, P, S, L])
@pytest.mark.parametrize("to", TARGETS)
def test_every_move_for_every_role(people, frozen_now, was, to):
    writer = people["writer"]
    allowed = {
        "writer": WRITER_MOVES,
        "other writer": {move for move in WRITER_MOVES if move[0] == N},
        "editor": EDITOR_MOVES,
        "system": EDITOR_MOVES,
    }
    for role, user in people.items():
        post = post_in(was, writer)
        if (was, to) in allowed[role]:
            publishing.check_move(post=post, user=user, was=was, to=to)
        else:
            with pytest.raises(PermissionDenied):
                publishing.check_move(post=post, user=user, was=was, to=to)


# (function, states it applies to, state it leads to)
FUNCTIONS = [
    (publishing.submit, {N, D}, P),
    (publishing.withdraw, {P}, D),
    (publishing.request_changes, {P}, D),
    (publishing.publish_now, {N, D, P, S}, L),
    (publishing.schedule, {N, D, P, L}, S),
    (publishing.unschedule, {S}, D),
    (publishing.unpublish, {L}, D),
]


@pytest.mark.parametrize("function, sources, target", FUNCTIONS)
def test_each_function_moves_from_its_states_and_refuses_the_others(
    people, frozen_now, function, sources, target
):
    extra = {"at": timezone.now() + timedelta(days=1)}
    for was in [N, D, P, S, L]:
        post = post_in(was, people["writer"])
        kwargs = extra if function is publishing.schedule else {}
        if was in sources:
            function(post=post, user=people["editor"], **kwargs)
            post.refresh_from_db()
            assert publishing.state_of(post) == target
        else:
            with pytest.raises(ValidationError) as caught:
                function(post=post, user=people["editor"], **kwargs)
            assert caught.value.code == "invalid_transition"


def test_writers_submit_and_withdraw_their_own_drafts_only(people, frozen_now):
    draft = make_draft(author=people["writer"])
    publishing.submit(post=draft, user=people["writer"])
    assert draft.status == Status.PENDING
    publishing.withdraw(post=draft, user=people["writer"])
    assert draft.status == Status.DRAFT
    with pytest.raises(PermissionDenied):
        publishing.submit(post=draft, user=people["other writer"])
    with pytest.raises(PermissionDenied):
        publishing.request_changes(
            post=make_draft(author=people["writer"], status=Status.PENDING),
            user=people["writer"],
        )


def test_writers_cannot_publish_schedule_or_take_down(people, frozen_now):
    writer = people["writer"]
    message = "Only editors may publish now a post."
    with pytest.raises(PermissionDenied, match=message):
        publishing.publish_now(post=make_draft(author=writer), user=writer)
    with pytest.raises(PermissionDenied):
        publishing.schedule(
            post=make_draft(author=writer),
            user=writer,
            at=timezone.now() + timedelta(hours=2),
        )
    with pytest.raises(PermissionDenied):
        publishing.unpublish(post=make_post(author=writer), user=writer)
    assert Post.objects.published().count() == 1


def test_schedule_needs_a_future_time(people, frozen_now):
    with pytest.raises(ValidationError) as caught:
        publishing.schedule(post=make_draft(), user=people["editor"], at=timezone.now())
    assert caught.value.code == "past_schedule"


def test_publish_now_sets_the_time_and_permalink(people, frozen_now):
    post = publishing.publish_now(
        post=make_draft(title="Harbour opens"), user=people["editor"]
    )
    assert post.published_at == timezone.now()
    assert post.permalink == "/2026/03/harbour-opens.html"
    assert post.is_published() is True


def test_unpublish_keeps_the_address(people, frozen_now):
    post = make_post(title="Kept address")
    publishing.unpublish(post=post, user=people["editor"])
    post.refresh_from_db()
    assert (post.status, post.permalink) == (
        Status.DRAFT,
        "/2026/03/kept-address.html",
    )


def test_revert_goes_through_the_table(people, frozen_now):
    import reversion
    from reversion.models import Version

    writer = people["writer"]
    post = make_draft(author=writer, title="First")
    with reversion.create_revision():
        post.save()
    post.status = Status.PUBLISHED
    post.title = "Second"
    with reversion.create_revision():
        post.save()
    live_version = Version.objects.get_for_object(post).first()
    draft_version = Version.objects.get_for_object(post).last()
    before = post.version
    publishing.revert(post=post, user=people["editor"], version=draft_version)
    post.refresh_from_db()
    assert (post.title, post.status) == ("First", Status.DRAFT)
    assert post.version > before
    # Back to a live revision is publishing: not the writer's to make.
    with pytest.raises(PermissionDenied):
        publishing.revert(post=post, user=writer, version=live_version)
    post.refresh_from_db()
    assert post.status == Status.DRAFT


def test_bulk_path_creates_many_posts_in_one_transaction(people, frozen_now):
    make_post(title="Flood warning")  # takes the plain address
    now = timezone.now()
    posts = [
        Post(
            title="Flood warning",
            body="<p>One two three.</p>",
            status=Status.PUBLISHED,
            published_at=now - timedelta(minutes=n),
        )  # noqa: E501
        for n in range(3)
    ] + [
        Post(title="Draft", status=Status.DRAFT),
        Post(title="Later", status=Status.PUBLISHED, published_at=now + timedelta(1)),
    ]
    with CaptureQueriesContext(connection) as queries:
        created = publishing.create_many(posts, user=people["editor"])
    # Taken permalinks once, then two inserts: the five public ids, the five
    # posts (SQLite may add savepoints; the kept counts add a row for a day
    # or month that had none).
    inserts = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith("INSERT")
        and not re.match(r'INSERT (OR IGNORE )?INTO "articles_\w*count"', q["sql"])
    ]
    assert len(inserts) == 2
    assert len({post.public_id for post in created}) == 5
    assert all(post.pk for post in created)
    assert [post.permalink for post in created[:3]] == [
        "/2026/03/flood-warning_1.html",
        "/2026/03/flood-warning_2.html",
        "/2026/03/flood-warning_3.html",
    ]
    assert created[0].summary == "One two three."
    assert created[3].permalink is None
    assert created[4].is_scheduled() is True
    assert all(post.author == people["editor"] for post in created)


def test_bulk_path_never_makes_an_address_given_in_the_same_list(people, frozen_now):
    """A made address steers clear of an address another post of the list brings."""
    now = timezone.now()
    given = Post(
        title="Imported",
        status=Status.PUBLISHED,
        published_at=now,
        slug="flood-warning",
        permalink="/2026/03/flood-warning.html",
    )
    made = Post(title="Flood warning", status=Status.PUBLISHED, published_at=now)
    created = publishing.create_many([given, made], user=people["editor"])
    assert [post.permalink for post in created] == [
        "/2026/03/flood-warning.html",
        "/2026/03/flood-warning_1.html",
    ]


def test_bulk_path_checks_the_table(people):
    with pytest.raises(PermissionDenied):
        publishing.create_many(
            [Post(title="Sneaky", status=Status.PUBLISHED)], user=people["writer"]
        )
    assert not Post.objects.exists()


class TestAdminGoesThroughPublishing:
    @pytest.fixture
    def calls(self, monkeypatch):
        seen = []
        for name in ["publish_now", "take_down", "submit", "save_post", "revert"]:
            original = getattr(publishing, name)

            def spy(*args, _name=name, _original=original, **kwargs):
                seen.append(_name)
                return _original(*args, **kwargs)

            monkeypatch.setattr(publishing, name, spy)
        return seen

    def test_form_buttons(self, client, calls, frozen_now):
        editor = make_person(roles.EDITORS)
        client.force_login(editor)
        post = make_draft()
        client.post(change_url(post), post_form_data(post, title="Edited"))
        post.refresh_from_db()
        client.post(change_url(post), post_form_data(post, _publish_now="1"))
        post.refresh_from_db()
        client.post(change_url(post), post_form_data(post, _unpublish="1"))
        assert calls == ["save_post", "publish_now", "take_down"]

    def test_bulk_actions(self, client, calls, frozen_now):
        client.force_login(make_person(roles.EDITORS))
        ids = [make_draft().pk, make_draft().pk]
        changelist = "/admin/articles/post/"
        client.post(changelist, {"action": "publish_now", "_selected_action": ids})
        client.post(changelist, {"action": "unpublish", "_selected_action": ids})
        assert calls == ["publish_now"] * 2 + ["take_down"] * 2

    def test_writer_submit_button(self, client, calls, frozen_now):
        writer = make_person(roles.WRITERS)
        client.force_login(writer)
        post = make_draft(author=writer)
        client.post(change_url(post), post_form_data(post, _submit_review="1"))
        post.refresh_from_db()
        assert post.status == Status.PENDING
        assert calls == ["submit"]
