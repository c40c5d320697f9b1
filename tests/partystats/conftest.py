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
