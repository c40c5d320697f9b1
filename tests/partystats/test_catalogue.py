"""Every string the code marks for translation has its Vietnamese in locale/vi (the site's first
language), and the catalogue is what `make catalogue` would write: a string added to the code
without its translation shows in English to a Vietnamese reader, and a catalogue that
makemessages would change hides such a string until someone runs it.

The project's sources are copied (makemessages writes into the locale folder it finds), the
catalogue is made again from them with the project's options, and compared with the committed
one. Needs GNU gettext (msgfmt, msgattrib), as `make messages` does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("manage.py", "partystats", "units", "imports", "templates", "locale")
CATALOGUE = Path("locale/vi/LC_MESSAGES/django.po")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")


@pytest.fixture(scope="module")
def remade(tmp_path_factory) -> Path:
    """The catalogue as `make catalogue` makes it from the sources as they are."""
    copy = tmp_path_factory.mktemp("catalogue")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=IGNORED)
        else:
            shutil.copy2(source, copy / name)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "partystats.settings.test"}
    subprocess.run(
        [sys.executable, "manage.py", *CATALOGUE_COMMAND],
        cwd=copy, env=environment, check=True, capture_output=True,
    )  # fmt: skip
    return copy / CATALOGUE


# The arguments of `make catalogue` (Makefile): kept in one place with it by this test.
CATALOGUE_COMMAND = ("makemessages", "-l", "vi", "--no-obsolete", "--add-location", "file")


def msgids(catalogue: Path, *only: str) -> list[str]:
    """The catalogue's messages (all, or those `msgattrib` selects with `only`), one line each."""
    selected = subprocess.run(
        ["msgattrib", "--no-wrap", "--no-location", *only, str(catalogue)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [
        line for line in selected.splitlines() if line.startswith("msgid ") and line != 'msgid ""'
    ]


def test_every_string_of_the_code_has_its_vietnamese(remade):
    assert msgids(remade, "--untranslated") == []
    assert msgids(remade, "--only-fuzzy") == []  # a changed string whose translation is a guess


def test_the_committed_catalogue_is_the_one_the_code_makes(remade):
    """Same messages, nothing left over from strings the code no longer has: `make catalogue`
    was run after the last change to a translated string."""
    assert sorted(msgids(ROOT / CATALOGUE)) == sorted(msgids(remade))


def test_the_makefile_makes_the_catalogue_as_this_test_does():
    assert " ".join(CATALOGUE_COMMAND) in (ROOT / "Makefile").read_text(encoding="utf-8")
