"""Fixtures of the importer's tests (`province`, Điện Biên in miniature: tests/conftest.py)."""

import pytest

from tests.gate import logged_in, staff_make


@pytest.fixture
def staff():
    """A member of staff who may import (not publish)."""
    return staff_make("staff")


@pytest.fixture
def staff_client(client, staff):
    return logged_in(client, staff)
