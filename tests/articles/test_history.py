"""Post history with django-reversion: revisions with authors, compare, revert, recover."""

import pytest
from reversion.models import Version

from articles import roles
from articles.models import Post
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.factories import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS, first_name="Asha", last_name="Menon")
    client.force_login(user)
    return user


def save_through_admin(client, post, **changes):
    post.refresh_from_db()
    response = client.post(change_url(post), post_form_data(post, **changes))
    assert response.status_code == 302, response.content[:500]
    post.refresh_from_db()
    return post


def test_every_admin_save_is_a_revision_with_its_author(client, editor):
    client.post("/admin/articles/post/add/", post_form_data(title="First"))
    post = Post.objects.get(title="First")
    save_through_admin(client, post, title="Second")
    versions = Version.objects.get_for_object(post)
    assert versions.count() == 2
    assert {v.revision.user for v in versions} == {editor}
    history = client.get("/admin/articles/post/%d/history/" % post.pk)
    assert "Asha Menon" in history.content.decode()


def test_compare_two_revisions(client, editor):
    post = make_draft(title="Report", body="<p>The river rose.</p><p>Roads shut.</p>")
    save_through_admin(client, post)
    save_through_admin(client, post, body="<p>The river fell.</p><p>Roads shut.</p>")
    newer, older = Version.objects.get_for_object(post)[:2]
    response = client.get(
        "/admin/articles/post/%d/history/compare/?a=%d&b=%d"
        % (post.pk, older.pk, newer.pk)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '&lt;p&gt;The&nbsp;river&nbsp;<span class="diff_chg">ros</span>e.' in page
    assert '<span class="diff_add">ll</span>' in page
    assert [change["name"] for change in response.context["changes"]] == ["body"]


def test_compare_needs_two_revisions_of_this_post(client, editor):
    post = make_draft()
    save_through_admin(client, post)
    response = client.get(
        "/admin/articles/post/%d/history/compare/?a=999&b=x" % post.pk
    )
    assert response.status_code == 302


def test_revert_to_an_earlier_revision(client, editor):
    post = make_draft(title="Good title", body="<p>Good body.</p>", labels=["GLOBE"])
    save_through_admin(client, post)
    save_through_admin(
        client, post, title="Bad title", body="<p>Oops.</p>", chosen_labels=[]
    )
    assert post.label_list == []
    good = Version.objects.get_for_object(post).last()
    url = "/admin/articles/post/%d/history/%d/" % (post.pk, good.pk)
    form_page = client.get(url)
    assert form_page.status_code == 200
    # Looking at an old revision changes nothing.
    post.refresh_from_db()
    assert post.title == "Bad title"
    version_before = post.version
    data = post_form_data(post, title="Good title", body="<p>Good body.</p>")
    data["edit_version"] = form_page.context["adminform"].form["edit_version"].value()
    data["chosen_labels"] = form_page.context["adminform"].form["chosen_labels"].value()
    response = client.post(url, data)
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.body) == ("Good title", "<p>Good body.</p>")
    assert [label.name for label in post.label_list] == ["GLOBE"]
    # Version numbers keep rising, so forms opened before the revert are stale.
    assert post.version > version_before


def test_recover_a_deleted_post(client, editor):
    client.post("/admin/articles/post/add/", post_form_data(title="Deleted by mistake"))
    post = Post.objects.get(title="Deleted by mistake")
    response = client.post("/admin/articles/post/%d/delete/" % post.pk, {"post": "yes"})
    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
    listing = client.get("/admin/articles/post/recover/")
    assert "Deleted by mistake" in listing.content.decode()
    version = Version.objects.get_deleted(Post).get(object_id=str(post.pk))
    url = "/admin/articles/post/recover/%d/" % version.pk
    form = client.get(url).context["adminform"].form
    data = post_form_data(title="Deleted by mistake")
    data["edit_version"] = form["edit_version"].value()
    response = client.post(url, data)
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).title == "Deleted by mistake"


def test_writer_cannot_recover_or_revert_others_posts(client):
    writer = make_person(roles.WRITERS)
    client.force_login(writer)
    other = make_draft(author=make_person(roles.WRITERS), title="Theirs")
    other.title = "Theirs, edited"
    import reversion

    with reversion.create_revision():
        other.save()
    version = Version.objects.get_for_object(other).first()
    assert client.get("/admin/articles/post/recover/").status_code == 403
    url = "/admin/articles/post/%d/history/%d/" % (other.pk, version.pk)
    response = client.post(url, post_form_data(other, title="Hijacked"))
    assert response.status_code == 403
    assert Post.objects.get(pk=other.pk).title == "Theirs, edited"


def test_pages_have_history_too(client, editor):
    client.post(
        "/admin/articles/page/add/",
        {
            "title": "About",
            "slug": "",
            "body": "<p>Hi</p>",
            "status": "draft",
            "published_at_0": "",
            "published_at_1": "",
            "show_in_menu": "on",
            "blogger_id": "",
        },
    )
    from articles.models import Page

    page = Page.objects.get(title="About")
    assert Version.objects.get_for_object(page).count() == 1


def test_compare_shows_label_changes(client, editor):
    post = make_draft(labels=["GLOBE", "KERALA"])
    save_through_admin(client, post)
    globe, kerala = post.label_list
    save_through_admin(client, post, chosen_labels=[kerala.pk])
    newer, older = Version.objects.get_for_object(post)[:2]
    response = client.get(
        "/admin/articles/post/%d/history/compare/?a=%d&b=%d"
        % (post.pk, older.pk, newer.pk)
    )
    assert [str(change["name"]) for change in response.context["changes"]] == ["labels"]
    assert "GLOBE" in str(response.context["changes"][0]["table"])
