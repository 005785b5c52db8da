"""The imported blog sets the site: its labels, title, description and zone."""

import shutil

import pytest

from articles.models import SiteSettings

from .conftest import CLASSIC, TAKEOUT, run_import
from .test_import_tolerance import summary_rows


def assert_rows_add_up(out):
    rows = summary_rows(out)
    assert "settings" in rows
    for name, (in_file, created, updated, unchanged) in rows.items():
        assert in_file == created + updated + unchanged, (name, rows[name])
    return rows


@pytest.mark.parametrize("export", [CLASSIC, TAKEOUT], ids=["classic", "takeout"])
def test_every_row_adds_up_on_the_first_run_and_on_a_re_run(db, frozen_now, export):
    first = assert_rows_add_up(run_import(export)[0])
    assert first["settings"][2] > 0
    again = assert_rows_add_up(run_import(export)[0])
    in_file = first["settings"][0]
    assert again["settings"] == [in_file, 0, 0, in_file]


def test_labels_the_blog_lacks_become_its_most_used_ones(db, frozen_now):
    site = SiteSettings.objects.get_or_create(pk=1)[0]
    assert (site.featured_label, site.home_labels) == (
        "TOP STORY",
        "AROUND THE GLOBE, Movie, SPECIAL STORY",
    )
    out, _err = run_import(TAKEOUT)
    site = SiteSettings.objects.get()
    # Kerala News is on two published posts (one scheduled), മഴ on one.
    assert site.featured_label == "Kerala News"
    assert site.home_labels == "മഴ"
    assert "the home page now features 'Kerala News'" in out


def test_labels_the_blog_has_are_kept(db, frozen_now):
    out, _err = run_import(CLASSIC)
    site = SiteSettings.objects.get()
    assert site.featured_label == "TOP STORY"
    # AROUND THE GLOBE is the blog's; Movie and SPECIAL STORY are not.
    names = site.home_label_names
    assert names[0] == "AROUND THE GLOBE" and len(names) == 3
    assert not {"Movie", "SPECIAL STORY", "TOP STORY"} & set(names)
    assert "the home page now features" not in out


def test_an_editors_choice_stands_on_every_re_import(db, frozen_now):
    run_import(TAKEOUT)
    site = SiteSettings.objects.get()
    site.featured_label, site.home_labels = "മഴ", "Kerala News"
    site.save()
    for _run in range(2):
        out, _err = run_import(TAKEOUT)
        site = SiteSettings.objects.get()
        assert (site.featured_label, site.home_labels) == ("മഴ", "Kerala News")
        assert "home labels" not in out.lower()


def test_title_description_and_zone_come_from_takeout_settings(
    db, frozen_now, tmp_path
):
    shutil.copy(TAKEOUT, tmp_path / "feed.atom")
    (tmp_path / "settings.csv").write_text(
        "blog_name,blog_description,blog_time_zone\n"
        "Glob Berlin,Berlin every week,Europe/Berlin\n",
        encoding="utf-8",
    )
    out, _err = run_import(tmp_path / "feed.atom")
    site = SiteSettings.objects.get()
    assert (site.name, site.tagline, site.time_zone) == (
        "Glob Berlin",
        "Berlin every week",
        "Europe/Berlin",
    )
    rows = assert_rows_add_up(out)
    # blog title, description, blog id, time zone
    assert rows["settings"] == [4, 0, 4, 0]


def test_title_description_and_zone_come_from_classic_settings(db, frozen_now):
    out, _err = run_import(CLASSIC)
    site = SiteSettings.objects.get()
    assert (site.tagline, site.time_zone) == (
        "All the news from around the globe",
        "America/New_York",
    )
    assert assert_rows_add_up(out)["settings"] == [5, 0, 3, 2]
