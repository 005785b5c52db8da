"""Old Blogger addresses after the move."""

import pytest


@pytest.mark.parametrize(
    "old, new",
    [
        ("/2025_03_05_archive.html", "/2025/03/"),
        ("/2024_12_01_archive.html", "/2024/12/"),
    ],
)
def test_archive_pages_redirect_permanently_to_the_month(client, db, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/2025_13_01_archive.html", "/2025_00_01_archive.html", "/25_03_05_archive.html"],
)
def test_impossible_archive_dates_are_not_found(client, db, path):
    assert client.get(path).status_code == 404


def test_every_imported_address_answers(classic, client):
    for path in (
        "/2025/03/russian-us-diplomats-discuss-steps-in.html",
        "/2025/03/russian-us-diplomats-discuss-steps-in.html?m=1",
        "/2024/12/ben-jerrys-q.html",
        "/2023/06/old-title.html?showComment=1688178600000#c1",
        "/p/about-us.html",
        "/p/about-us.html?m=1",
        "/search/label/TOP%20STORY",
        "/search/label/Kerala%20News+Caf%C3%A9%20Soci%C3%A9t%C3%A9",
        "/2025_03_05_archive.html",
    ):
        assert client.get(path, follow=True).status_code == 200, path


def test_imported_feeds_keep_blogger_ids_and_addresses(classic, client):
    post_id = "1111111111111111111"
    feed = client.get("/feeds/posts/default?alt=json").json()["feed"]
    ids = [entry["id"]["$t"] for entry in feed["entry"]]
    assert "tag:blogger.com,1999:blog-8255692317570297677.post-%s" % post_id in ids
    comments = client.get("/feeds/%s/comments/default?alt=json" % post_id)
    assert comments.status_code == 200
    entries = comments.json()["feed"].get("entry", [])
    assert entries, "the post's imported comments are in its comment feed"
    for entry in entries:
        assert entry["id"]["$t"].startswith(
            "tag:blogger.com,1999:blog-8255692317570297677.post-9"
        )
    atom = client.get("/feeds/%s/comments/default" % post_id)
    assert atom.status_code == 200
    assert atom["Content-Type"].startswith("application/atom+xml")
