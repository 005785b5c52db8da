"""Labels as editors need them: live and total counts, rename, merge with a 301."""

import pytest

from articles import roles
from articles.labels import label_merge
from articles.models import Label, LabelRedirect
from tests.articles.newsroom_admin import make_person
from tests.factories import make_draft, make_post

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/label/"


@pytest.fixture
def editor(client):
    user = make_person(roles.EDITORS)
    client.force_login(user)
    return user


def counts(client):
    rows = client.get(CHANGELIST).context["cl"].result_list
    return {label.name: (label.live, label.total) for label in rows}


def test_list_shows_live_and_total_counts(client, editor):
    make_post(labels=["business"])
    make_post(labels=["business", "Business"])
    make_draft(labels=["business"])
    assert counts(client) == {"business": (2, 3), "Business": (1, 1)}


def test_rename_moves_posts_and_redirects_the_old_address(client, editor):
    post = make_post(labels=["Movie"])
    label = Label.objects.get(name="Movie")
    response = client.post(
        "/admin/articles/label/%d/change/" % label.pk,
        {"name": "Movies", "exclude_from_news_sitemap": ""},
    )
    assert response.status_code == 302
    assert [item.name for item in post.label_list] == ["Movies"]
    assert client.get("/search/label/Movies").status_code == 200
    old = client.get("/search/label/Movie")
    assert old.status_code == 301
    assert old["Location"] == "/search/label/Movies"


def test_rename_to_an_existing_name_is_refused(client, editor):
    make_post(labels=["business", "Business"])
    label = Label.objects.get(name="business")
    response = client.post(
        "/admin/articles/label/%d/change/" % label.pk, {"name": "Business"}
    )
    assert response.status_code == 200
    assert Label.objects.filter(name="business").exists()


def test_merge_business_into_Business(client, editor):
    for _ in range(3):
        make_post(labels=["business"])
    make_draft(labels=["business"])
    for _ in range(2):
        make_post(labels=["Business"])
    both = make_post(labels=["TOP STORY", "business", "Business"])
    source = Label.objects.get(name="business")
    target = Label.objects.get(name="Business")
    assert counts(client)["business"] == (4, 5)
    assert counts(client)["Business"] == (3, 3)

    confirm = client.post(
        CHANGELIST, {"action": "merge_labels", "_selected_action": [source.pk]}
    )
    assert confirm.status_code == 200
    assert b'name="apply"' in confirm.content
    assert Label.objects.filter(pk=source.pk).exists()  # nothing happens yet

    response = client.post(
        CHANGELIST,
        {
            "action": "merge_labels",
            "_selected_action": [source.pk],
            "target": target.pk,
            "apply": "1",
        },
    )
    assert response.status_code == 302
    assert not Label.objects.filter(name="business").exists()
    # Posts moved and the counts added up (the post with both counts once).
    assert counts(client) == {"Business": (6, 7), "TOP STORY": (1, 1)}
    assert [label.name for label in both.label_list] == ["TOP STORY", "Business"]
    moved = client.get("/search/label/business?max-results=5")
    assert moved.status_code == 301
    assert moved["Location"] == "/search/label/Business?max-results=5"
    assert client.get("/search/label/Business").status_code == 200


def test_merged_label_in_a_combination_redirects(client):
    make_post(labels=["business", "KERALA"])
    label_merge(
        sources=[Label.objects.get(name="business")],
        target=Label.objects.create(name="Business"),
    )
    response = client.get("/search/label/business+KERALA")
    assert response.status_code == 301
    assert response["Location"] == "/search/label/Business+KERALA"


def test_merging_twice_keeps_old_addresses_working(client):
    make_post(labels=["biz"])
    business = Label.objects.create(name="business")
    final = Label.objects.create(name="Business")
    label_merge(sources=[Label.objects.get(name="biz")], target=business)
    label_merge(sources=[business], target=final)
    assert LabelRedirect.objects.get(old_name="biz").label == final
    assert client.get("/search/label/biz")["Location"] == "/search/label/Business"


def test_unknown_label_is_still_404(client):
    assert client.get("/search/label/nothing-here").status_code == 404


def test_writer_cannot_merge_or_rename(client):
    client.force_login(make_person(roles.WRITERS))
    make_post(labels=["business", "Business"])
    source = Label.objects.get(name="business")
    target = Label.objects.get(name="Business")
    client.post(
        CHANGELIST,
        {
            "action": "merge_labels",
            "_selected_action": [source.pk],
            "target": target.pk,
            "apply": "1",
        },
    )
    response = client.post(
        "/admin/articles/label/%d/change/" % source.pk, {"name": "Renamed"}
    )
    assert response.status_code == 403
    assert set(Label.objects.values_list("name", flat=True)) == {
        "business",
        "Business",
    }
    assert not LabelRedirect.objects.exists()


def test_a_new_label_takes_back_an_old_name(client, editor):
    make_post(labels=["biz"])
    label_merge(
        sources=[Label.objects.get(name="biz")],
        target=Label.objects.create(name="Business"),
    )
    client.post("/admin/articles/label/add/", {"name": "biz"})
    assert not LabelRedirect.objects.filter(old_name="biz").exists()
    assert client.get("/search/label/biz").status_code != 301


def test_the_post_forms_label_search_lists_labels_alphabetically(client, editor):
    """Its pages come from an ordered list (no unordered-pagination warning)."""
    import warnings

    from django.core.paginator import UnorderedObjectListWarning
    from django.urls import reverse

    for name in ["Weather", "Arts", "Markets"]:
        Label.objects.create(name=name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "term": "",
                "app_label": "articles",
                "model_name": "post",
                "field_name": "labels",
            },
        )
    assert response.status_code == 200
    names = [row["text"] for row in response.json()["results"]]
    assert names == ["Arts", "Markets", "Weather"]
