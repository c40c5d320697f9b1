"""Fixtures of the importer's tests (`province`, Điện Biên in miniature: tests/conftest.py)."""

import pytest

from tests.gate import PUBLISHER, logged_in, staff_make


@pytest.fixture
def staff():
    """A member of staff who may import (not publish)."""
    return staff_make("staff")


@pytest.fixture
def staff_client(client, staff):
    return logged_in(client, staff)


@pytest.fixture
def importer():
    """Staff who import: the first pair of eyes of the publish gate."""
    return staff_make("importer")


@pytest.fixture
def publisher():
    """Staff with `imports.publish`: the second pair of eyes."""
    return staff_make("publisher", PUBLISHER)


@pytest.fixture
def publisher_client(client, publisher):
    """Logged in as `publisher`: may import, publish, withdraw and restore."""
    return logged_in(client, publisher)
