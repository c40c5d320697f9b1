"""Screenshots of the browser tests: where they go, and what a written one must be.

A test run writes them to a temporary folder, so the checkout stays as it was (docs/screenshots/
is tracked and shown in the README). They go to docs/screenshots/ only when asked:
SCREENSHOTS_UPDATE=1, which `make screenshots` sets. The `screenshots` fixture (tests/conftest.py)
is the folder.
"""

import math
import struct
from collections.abc import Callable, Mapping
from pathlib import Path

from django.conf import settings

UPDATE = "SCREENSHOTS_UPDATE"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def docs_screenshots() -> Path:
    """The README's screenshots."""
    return Path(settings.BASE_DIR) / "docs" / "screenshots"


def screenshots_folder(environ: Mapping[str, str], scratch: Callable[[], Path]) -> Path:
    """docs/screenshots/ when the environment says SCREENSHOTS_UPDATE=1, else `scratch()`."""
    if environ.get(UPDATE) != "1":
        return scratch()
    folder = docs_screenshots()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of the PNG at `path`, read from its header (IHDR, the first chunk);
    fails unless the file is a PNG of at least one pixel."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    assert width and height, f"{path} has no pixel"
    return width, height


def element_size(locator) -> tuple[int, int]:
    """The size of an element's screenshot: its box widened to whole pixels, as Playwright
    clips it (the same rounding, so a box at x = 8.5 is 1 pixel wider than its width)."""
    box = locator.bounding_box()
    left, top = math.floor(box["x"] + 1e-3), math.floor(box["y"] + 1e-3)
    right = math.ceil(box["x"] + box["width"] - 1e-3)
    bottom = math.ceil(box["y"] + box["height"] - 1e-3)
    return right - left, bottom - top


# What Playwright measures for a full-page screenshot: the largest of the document's sizes.
FULL_PAGE_SIZE = """() => {
    const body = document.body, root = document.documentElement;
    return [
        Math.max(body.scrollWidth, root.scrollWidth, body.offsetWidth, root.offsetWidth,
                 body.clientWidth, root.clientWidth),
        Math.max(body.scrollHeight, root.scrollHeight, body.offsetHeight, root.offsetHeight,
                 body.clientHeight, root.clientHeight),
    ];
}"""


def full_page_size(page) -> tuple[int, int]:
    """The size of `page.screenshot(full_page=True)`."""
    width, height = page.evaluate(FULL_PAGE_SIZE)
    return width, height
