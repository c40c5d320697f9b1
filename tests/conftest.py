"""Fixtures shared by the whole suite.

Browser tests drive Debian's Chromium (/usr/bin/chromium, apt package `chromium`) through
Playwright for Python; Playwright never downloads a browser of its own here. Mark them
`@pytest.mark.browser` and take the `page` fixture (with pytest-django's `live_server`); those
that take a screenshot write it into the `screenshots` folder.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API keeps an event loop in the main thread; Django would otherwise refuse
# ORM calls from the test body (SynchronousOnlyOperation) while a browser is open.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, as the tests assert them (the site's default language is vi)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def province():
    """Điện Biên in miniature (tests/workbooks.py), for a test that takes `db`."""
    from tests.workbooks import small_province

    return small_province()


@pytest.fixture
def demo_province(demo):
    """Điện Biên in the demo (the `demo` fixture), as a Unit of the 2004 scheme."""
    from tests.demo_snapshot import dien_bien

    return dien_bien()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole session. A missing Chromium fails the test, never skips it."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: browser tests need Debian's Chromium "
            "(apt-get install chromium; `make test` installs it when run as root).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """The folder a browser test writes its screenshots to: a temporary one, so a test run leaves
    the checkout as it was; docs/screenshots/ (the README's) with SCREENSHOTS_UPDATE=1, which
    `make screenshots` sets (tests/screenshots.py)."""
    from tests.screenshots import screenshots_folder

    return screenshots_folder(os.environ, lambda: tmp_path_factory.mktemp("screenshots"))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context per test (no cookies carried over), in Vietnamese."""
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Điện Biên's units, published figures and synthetic villages, loaded once per module.

    Tests that take it also take `db`, so what they change is rolled back; the demo is taken
    away at the end of the module (tests/demo_snapshot.py `demo_held`) so other modules start
    from an empty database.
    """
    from tests.demo_snapshot import demo_held

    held = demo_held()
    with django_db_blocker.unblock():
        held.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            held.__exit__(None, None, None)


@pytest.fixture
def demo_loaded(transactional_db) -> Iterator[None]:
    """The demo for one test that commits (a browser test with `live_server`, whose thread reads
    the same database); taken away before pytest-django's flush at the end of the test."""
    from tests.demo_snapshot import demo_held

    with demo_held(flush=False):
        yield


# The suite's SQLite test database lives in memory, where no journal applies (and a second
# connection is refused at once by its shared cache's table locks): the tests of SQLite's WAL
# (tests/partystats/test_sqlite_wal.py, test_sqlite_writers.py) and of a download's snapshot
# (tests/units/web/test_export_streaming.py) copy it into a file and point the default
# connection at it, with the project's options, as the site opens its database.
@pytest.fixture
def database_file(tmp_path) -> Iterator[dict]:
    """The (migrated, empty) test database copied into a file, this thread's default connection
    pointed at it; the settings of that connection, for another thread to open its own."""
    in_memory = connections["default"]
    in_memory.ensure_connection()
    path = tmp_path / "site.sqlite3"
    with closing(sqlite3.connect(path)) as copy:
        in_memory.connection.backup(copy)
    settings = {**in_memory.settings_dict, "NAME": str(path)}
    connections["default"] = DatabaseWrapper(settings)
    try:
        yield settings
    finally:
        connections["default"].close()
        connections["default"] = in_memory
