"""No lost edits: a save made from a stale form is refused and keeps the text."""

import pytest
from django.test import Client

from articles import roles
from articles.models import Post
from tests.articles.newsroom_admin import change_url, make_person, post_form_data
from tests.factories import make_draft

pytestmark = pytest.mark.django_db


def editor_client(**names):
    client = Client()
    client.force_login(make_person(roles.EDITORS, **names))
    return client


def test_second_of_two_concurrent_saves_is_refused_and_keeps_its_text(frozen_now):
    post = make_draft(title="Harbour", body="<p>Original.</p>")
    asha = editor_client(first_name="Asha", last_name="Menon")
    ravi = editor_client(first_name="Ravi", last_name="Kumar")
    # Both open the post: both forms carry the same version.
    form_asha = post_form_data(post)
    form_ravi = post_form_data(post)
    assert asha.get(change_url(post)).status_code == 200
    assert ravi.get(change_url(post)).status_code == 200

    first = asha.post(change_url(post), {**form_asha, "body": "<p>Asha's text.</p>"})
    assert first.status_code == 302

    frozen_now.shift(60)
    second = ravi.post(
        change_url(post), {**form_ravi, "body": "<p>Ravi's careful rewrite.</p>"}
    )
    assert second.status_code == 200
    page = second.content.decode()
    assert "Asha Menon changed this post at March 5, 2026, noon" in page
    assert "Ravi&#x27;s careful rewrite." in page or "Ravi's careful rewrite." in page
    post.refresh_from_db()
    assert post.body == "<p>Asha's text.</p>"

    # Having been told, Ravi may save again on purpose: the form now carries
    # the version he was warned about.
    form = second.context["adminform"].form
    assert form["edit_version"].value() == post.version
    third = ravi.post(
        change_url(post),
        {
            **form_ravi,
            "edit_version": post.version,
            "body": "<p>Ravi's careful rewrite.</p>",
        },
    )
    assert third.status_code == 302
    post.refresh_from_db()
    assert post.body == "<p>Ravi's careful rewrite.</p>"


def test_every_save_raises_the_version():
    post = make_draft()
    assert post.version == 1
    post.save()
    post.save()
    assert Post.objects.get(pk=post.pk).version == 3


def test_save_outside_the_admin_also_makes_a_form_stale():
    post = make_draft(title="Before")
    client = editor_client()
    form = post_form_data(post)
    post.title = "Changed by an import"
    post.save()
    response = client.post(change_url(post), {**form, "title": "From the form"})
    assert response.status_code == 200
    assert "changed this post" in response.content.decode()
    assert Post.objects.get(pk=post.pk).title == "Changed by an import"


def test_a_missing_version_is_treated_as_stale():
    post = make_draft(title="Before")
    client = editor_client()
    form = post_form_data(post)
    del form["edit_version"]
    response = client.post(change_url(post), {**form, "title": "Blind save"})
    assert response.status_code == 200
    assert Post.objects.get(pk=post.pk).title == "Before"


def test_form_carries_the_version_and_the_autosave_script():
    post = make_draft()
    page = editor_client().get(change_url(post)).content.decode()
    assert '<input type="hidden" name="edit_version" value="%d"' % post.version in page
    assert "js/admin_autosave.js" in page
    assert "localStorage" not in page  # the script is a static file, not inline
