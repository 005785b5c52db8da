"""People appear by display name on the desk, as they do in bylines."""

import pytest
import reversion

from articles import roles
from tests.articles.newsroom_admin import make_person
from tests.factories import make_comment, make_image, make_page, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_person(
        roles.EDITORS, username="editor", first_name="Asha", last_name="Menon"
    )
    client.force_login(user)
    return user


def test_post_list_names_authors_by_display_name(client, editor):
    make_post(title="Harbour story", author=editor)
    nameless = make_user(username="stringer")
    make_post(title="Wire story", author=nameless)
    html = client.get("/admin/articles/post/").content.decode()
    assert '<td class="field-author_name">Asha Menon</td>' in html
    assert '<td class="field-author_name">stringer</td>' in html
    # The author filter offers the same names.
    assert ">Asha Menon</a>" in html
    assert ">editor</a>" not in html


def test_post_list_sorts_and_searches_by_display_name(client, editor):
    make_post(title="Zed's story", author=make_user(username="bala"))  # no name
    make_post(title="Asha's story", author=editor)
    html = client.get("/admin/articles/post/?o=4").content.decode()
    assert html.index("Asha Menon") < html.index(">bala<")
    found = client.get("/admin/articles/post/?q=Asha").content.decode()
    assert "Asha&#x27;s story" in found
    assert "Zed&#x27;s story" not in found


def test_author_select_shows_display_names(client, editor):
    html = client.get("/admin/articles/post/add/").content.decode()
    assert '<option value="%d" selected>Asha Menon</option>' % editor.pk in html or (
        '<option value="%d">Asha Menon</option>' % editor.pk in html
    )
    assert ">editor</option>" not in html


def test_page_list_and_author_select_show_display_names(client, editor):
    make_page(title="About us", author=editor)
    html = client.get("/admin/articles/page/").content.decode()
    assert '<td class="field-author_name">Asha Menon</td>' in html
    form = client.get("/admin/articles/page/add/").content.decode()
    assert ">Asha Menon</option>" in form
    assert ">editor</option>" not in form


def test_image_list_names_the_uploader(client, editor):
    make_image(uploaded_by=editor)
    html = client.get("/admin/articles/image/").content.decode()
    assert '<td class="field-uploaded_by_name">Asha Menon</td>' in html


def test_history_names_who_saved_each_version(client, editor):
    writer = make_user(username="writer", first_name="Kavya", last_name="Raman")
    post = make_post(title="Harbour story", author=editor)
    with reversion.create_revision():
        post.save()
        reversion.set_user(writer)
    html = client.get("/admin/articles/post/%d/history/" % post.pk).content.decode()
    assert "Kavya Raman" in html
    assert ">writer<" not in html


def test_header_welcomes_by_display_name(client, editor):
    html = client.get("/admin/").content.decode()
    assert "<strong>Asha Menon</strong>" in html


def test_moderation_log_names_moderators_by_display_name(client, editor):
    from comments import services
    from comments.models import Comment

    moderator = make_user(first_name="Ravi", last_name="Kumar", username="moderator")
    comment = make_comment(status=Comment.Status.PENDING)
    services.comment_approve(comment=comment, actor=moderator)
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    html = client.get("/admin/comments/moderationevent/").content.decode()
    assert '<td class="field-actor_name">Ravi Kumar</td>' in html
    assert ">Ravi Kumar</a>" in html  # the filter
