"""write_transaction (units.domain.transactions), on the database the suite runs on: an atomic
block like any other, which on SQLite leaves the connection's deferred BEGIN as it found it;
trial_write, the same always rolled back. Its write lock, and two writers taking turns:
tests/partystats/test_sqlite_writers.py; pages that write and roll back taking theirs:
tests/partystats/test_sqlite_trial_writes.py."""

import datetime

import pytest
from django.db import connection, transaction

from units.domain.transactions import trial_write, write_transaction
from units.models import Period

D = datetime.date


class Refused(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_write_transaction_commits_or_rolls_back_as_atomic_does():
    with write_transaction():
        Period.objects.create(date=D(2017, 12, 31), label="2017")
    with pytest.raises(Refused), write_transaction():
        Period.objects.create(date=D(2018, 6, 30), label="2018Q2")
        raise Refused
    assert list(Period.objects.values_list("date", flat=True)) == [D(2017, 12, 31)]
    assert getattr(connection, "transaction_mode", None) is None  # the next BEGIN deferred


@pytest.mark.django_db(transaction=True)
def test_nested_it_is_a_savepoint_of_the_callers_transaction():
    with transaction.atomic():
        Period.objects.create(date=D(2017, 12, 31), label="2017")
        with pytest.raises(Refused), write_transaction():
            Period.objects.create(date=D(2018, 6, 30), label="2018Q2")
            raise Refused
    assert list(Period.objects.values_list("date", flat=True)) == [D(2017, 12, 31)]


@pytest.mark.django_db(transaction=True)
def test_a_trial_write_is_seen_inside_and_always_rolled_back():
    with trial_write():
        Period.objects.create(date=D(2017, 12, 31), label="2017")
        assert Period.objects.count() == 1
    assert not Period.objects.exists()
    assert getattr(connection, "transaction_mode", None) is None
