"""Fixtures of the importer's tests."""

import pytest

from tests.workbooks import small_province


@pytest.fixture
def province():
    """Điện Biên in miniature (tests/workbooks.py)."""
    return small_province()
