import gettext
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from articles.reltime import absolute_date, relative_text
from tests.conftest import FROZEN_NOW
from tests.factories import make_post

pytestmark = pytest.mark.django_db

HINDI = Path(settings.BASE_DIR) / "locale" / "hi" / "LC_MESSAGES"
# What makemessages reads: the apps, the templates, the catalogue (tests and
# bench have no reader-facing strings).
SOURCES = [
    "manage.py",
    # Every app of the project (a folder with an apps.py), so a new app is
    # never left out of the check.
    *sorted(
        path.name
        for path in Path(settings.BASE_DIR).iterdir()
        if (path / "apps.py").is_file()
    ),
    "templates",
    "locale",
]


@pytest.fixture
def story(frozen_now):
    make_post(
        title="Older story",
        labels=["KERALA"],
        published_at=FROZEN_NOW - timedelta(days=3),
    )
    return make_post(
        title="Backwaters",
        labels=["KERALA"],
        published_at=FROZEN_NOW - timedelta(hours=3),
    )


@pytest.mark.parametrize(
    "age, text",
    [
        (timedelta(seconds=30), "अभी-अभी"),
        (timedelta(minutes=1), "1 मिनट पहले"),
        (timedelta(hours=1), "1 घंटा पहले"),
        (timedelta(hours=5), "5 घंटे पहले"),
        (timedelta(days=1), "कल"),
        (timedelta(days=7), "1 सप्ताह पहले"),
        (timedelta(days=40), "5 सप्ताह से अधिक पहले"),
    ],
)
def test_relative_times_in_hindi_use_plural_forms(age, text):
    with translation.override("hi"):
        assert relative_text(FROZEN_NOW - age, now=FROZEN_NOW) == text


def test_hindi_page_through_the_language_cookie(client, story):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<html lang="hi" dir="ltr">' in html
    assert 'title="मार्च 05, 2026" data-reltime>3 घंटे पहले</time>' in html
    assert "आपके लिए अनुशंसित" in html
    assert "सारा कोड कॉपी करें" in html
    assert ">होम</a>" in html
    assert "RECOMMENDED FOR YOU" not in html


def test_browser_language_is_followed(client, story):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="hi,en;q=0.5").content.decode()
    assert '<html lang="hi"' in html
    assert "कोई पोस्ट नहीं मिली" not in html
    assert "3 घंटे पहले" in html


def test_english_stays_the_default(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert 'title="Mar 05, 2026" data-reltime>3 hours ago</time>' in html


def test_footer_switcher_changes_the_language(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="next" value="%s"' % story.get_absolute_url() in html
    response = client.post(
        "/i18n/setlang/", {"language": "hi", "next": story.get_absolute_url()}
    )
    assert response.status_code == 302
    assert response["Location"] == story.get_absolute_url()
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<html lang="hi"' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en"' in client.get("/").content.decode()


def test_switcher_refuses_an_outside_next_address(client, db):
    response = client.post(
        "/i18n/setlang/", {"language": "hi", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@override_settings(LANGUAGES=[("en", "English"), ("hi", "Hindi"), ("ar", "Arabic")])
def test_a_right_to_left_language_sets_dir_rtl(client, story):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def untranslated(po_text):
    """The entries of a .po file that are fuzzy or have an empty translation."""
    entries = po_text.split("\n\n")[1:]  # The first entry is the header.
    empty = re.compile(r'^msgstr(\[\d\])? ""\n(?!")', re.MULTILINE)
    return [e for e in entries if "#, fuzzy" in e or empty.search(e + "\n")]


def test_the_hindi_catalogue_is_complete():
    """No message is left untranslated or fuzzy."""
    po = (HINDI / "django.po").read_text()
    assert po.count("msgid ") > 100
    assert untranslated(po) == []


@pytest.mark.skipif(
    not shutil.which("xgettext"), reason="gettext's xgettext is not installed"
)
def test_every_string_in_the_code_is_in_the_hindi_catalogue(tmp_path):
    """makemessages on a copy of the code adds nothing left to translate."""
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        if (root / name).is_dir():
            shutil.copytree(root / name, tmp_path / name)
        else:
            shutil.copy(root / name, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "hi", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    po = (tmp_path / "locale" / "hi" / "LC_MESSAGES" / "django.po").read_text()
    missing = untranslated(po)
    assert missing == [], "run makemessages -l hi and translate:\n" + "\n\n".join(
        missing
    )


@pytest.mark.skipif(
    not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed"
)
def test_the_committed_mo_file_matches_the_po_file(tmp_path):
    """A translation edited in django.po must be compiled and committed too."""
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(HINDI / "django.po")], check=True
    )
    with fresh.open("rb") as new, (HINDI / "django.mo").open("rb") as committed:
        assert (
            gettext.GNUTranslations(committed)._catalog
            == gettext.GNUTranslations(new)._catalog
        )


@pytest.mark.parametrize(
    "month, name", [(3, "मार्च"), (9, "सितंबर"), (11, "नवंबर"), (12, "दिसंबर")]
)
def test_hindi_dates_spell_month_names_as_readers_do(month, name):
    moment = datetime(2025, month, 5, 6, 0, tzinfo=UTC)
    with translation.override("hi"):
        assert absolute_date(moment) == "%s 05, 2025" % name
    assert absolute_date(moment).endswith(" 05, 2025")
