import io
from pathlib import Path

import pytest
from django.core.management import call_command

DATA = Path(__file__).parent / "data"
CLASSIC = DATA / "classic-backup.xml"
TAKEOUT = DATA / "takeout" / "feed.atom"
MEDIA = DATA / "media"


def run_import(*args):
    """Run `import_blogger` and return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_blogger", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def classic(db, frozen_now):
    return run_import(CLASSIC)


@pytest.fixture
def takeout(db, frozen_now):
    return run_import(TAKEOUT)
