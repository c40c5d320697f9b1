"""A copy of the demo (tests/demo_snapshot.py) is the demo the importer loaded, table by table."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from tests import demo_snapshot
from units.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)


def flushed() -> None:
    call_command("flush", interactive=False, verbosity=0)


def test_a_copy_of_the_demo_equals_the_first_load():
    demo_snapshot.load_demo()  # through the importer if no module loaded it before
    flushed()

    assert demo_snapshot.load_demo() == ("backup" if connection.vendor == "sqlite" else "copy")
    assert demo_snapshot.fingerprint() == demo_snapshot.first_load

    # A row in another table (as a test that made a user first): on SQLite the rows are copied
    # in instead of the whole database, and the user stays.
    flushed()
    User.objects.create(username="before-the-demo")
    assert demo_snapshot.load_demo() in ("insert", "copy")
    assert demo_snapshot.fingerprint() == demo_snapshot.first_load
    assert User.objects.filter(username="before-the-demo").exists()


def test_the_demo_held_then_taken_away_leaves_the_database_as_it_was():
    User.objects.create(username="before-the-demo")
    with demo_snapshot.demo_held():
        assert Unit.objects.count() == demo_snapshot.first_load["units_unit"][0]
        assert demo_snapshot.fingerprint() == demo_snapshot.first_load
    assert not Unit.objects.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["before-the-demo"]
