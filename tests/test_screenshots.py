"""Where the browser tests write their screenshots (tests/screenshots.py): a temporary folder,
so a test run leaves docs/screenshots/ (tracked, shown in the README) as it was, unless asked."""

import os
import re
import struct
import zlib
from pathlib import Path

import pytest

from tests.screenshots import docs_screenshots, png_size, screenshots_folder


@pytest.mark.parametrize("environ", [{}, {"SCREENSHOTS_UPDATE": "0"}, {"SCREENSHOTS_UPDATE": ""}])
def test_a_test_run_writes_screenshots_to_a_temporary_folder(environ, tmp_path):
    assert screenshots_folder(environ, lambda: tmp_path) == tmp_path


def test_screenshots_update_1_writes_them_into_docs(tmp_path):
    assert screenshots_folder({"SCREENSHOTS_UPDATE": "1"}, lambda: tmp_path) == docs_screenshots()


def test_the_fixture_points_into_docs_only_when_asked(screenshots):
    """The folder this session's browser tests write to: nowhere under docs/ unless asked."""
    asked = os.environ.get("SCREENSHOTS_UPDATE") == "1"
    assert screenshots.is_relative_to(docs_screenshots().parent) == asked
    assert screenshots.is_dir()


def png(width: int, height: int) -> bytes:
    """The smallest PNG of that size: a header chunk, then nothing of the image."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def test_a_screenshot_is_a_png_of_some_size(tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(png(390, 844))
    assert png_size(shot) == (390, 844)
    for wrong in (b"", b"GIF89a" + bytes(18), png(0, 844)):
        shot.write_bytes(wrong)
        with pytest.raises(AssertionError):
            png_size(shot)


# A path built into the README's folder: `... / "docs" / "screenshots"`, `"docs/screenshots/..."`.
DOCS_PATH = re.compile(r'"docs"\s*/\s*"screenshots"|["\']docs/screenshots')


def test_no_test_writes_into_docs_on_its_own():
    """Only tests/screenshots.py names docs/screenshots/ in code: a test building the path
    itself would write there on every run again."""
    tests = Path(__file__).parent
    own = {tests / "screenshots.py", Path(__file__)}
    naming = [
        str(path.relative_to(tests))
        for path in sorted(tests.rglob("*.py"))
        if path not in own and DOCS_PATH.search(path.read_text(encoding="utf-8"))
    ]
    assert naming == []
