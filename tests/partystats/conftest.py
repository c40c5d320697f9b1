"""Fixtures of the project-wide tests."""

import pytest
from django.core.cache import caches


@pytest.fixture
def page_cache(settings):
    """The page cache on (an hour) and empty, emptied again after the test."""
    settings.PAGE_CACHE_SECONDS = 3600
    cache = caches[settings.PAGE_CACHE_ALIAS]
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def row_by_row(monkeypatch):
    """The CSV in pieces of one row, each row read from the database as its piece is sent."""
    monkeypatch.setattr("units.reads.coverage_table.EXPORT_CHUNK", 1)
    monkeypatch.setattr("units.web.exports.CSV_CHUNK_CHARACTERS", 1)
