"""Fixtures of the project-wide tests."""

import sqlite3
from collections.abc import Iterator
from contextlib import closing

import pytest
from django.core.cache import caches
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper


@pytest.fixture
def page_cache(settings):
    """The page cache on (an hour) and empty, emptied again after the test."""
    settings.PAGE_CACHE_SECONDS = 3600
    cache = caches[settings.PAGE_CACHE_ALIAS]
    cache.clear()
    yield cache
    cache.clear()


# The suite's SQLite test database lives in memory, where no journal applies (and a second
# connection is refused at once by its shared cache's table locks): the tests of SQLite's WAL
# (test_sqlite_wal.py, test_sqlite_writers.py) copy it into a file and point the default
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


@pytest.fixture
def row_by_row(monkeypatch):
    """The CSV in pieces of one row, each row read from the database as its piece is sent."""
    monkeypatch.setattr("units.reads.coverage_table.EXPORT_CHUNK", 1)
    monkeypatch.setattr("units.web.exports.CSV_CHUNK_CHARACTERS", 1)
