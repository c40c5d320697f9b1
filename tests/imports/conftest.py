"""Fixtures of the importer's tests."""

import pytest
from django.utils import translation

from tests.workbooks import small_province


@pytest.fixture
def english():
    """Messages in English, as the tests assert them."""
    with translation.override("en"):
        yield


@pytest.fixture
def province():
    """Điện Biên in miniature (tests/workbooks.py)."""
    return small_province()
