"""The raw bulk inserts (units.domain.rows), on the database the suite runs on: values shared
by every row, the ids of a multi-row insert, all or nothing."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from units.domain import rows as rows_module
from units.domain.names import name_key, sort_key
from units.domain.rows import (
    db_value,
    rows_insert,
    rows_insert_returning,
    statistics_follow,
    writes_behind,
    writes_caught_up,
)
from units.models import Village

D = datetime.date
pytestmark = pytest.mark.django_db
FIELDS = ("name", "name_key", "sort_key", "code")
# Over MAX_ROWS_PER_STATEMENT: the ids must follow on from one statement to the next.
MANY = rows_module.MAX_ROWS_PER_STATEMENT * 2 + 17


def village_rows(count: int, prefix: str = "Bản") -> list[tuple]:
    names = [f"{prefix} {number}" for number in range(count)]
    return [(name, name_key(name), sort_key(name), f"C{n}") for n, name in enumerate(names)]


def shared() -> dict:
    return {"valid_from": db_value(Village, "valid_from", D(2017, 12, 31)), "from_reports": True}


def village(name: str) -> Village:
    return Village.objects.create(
        name=name, name_key=name_key(name), sort_key=sort_key(name), valid_from=D(2015, 1, 1)
    )


def test_shared_values_and_defaults_go_with_every_row():
    written = rows_insert(Village, FIELDS, village_rows(3), shared())
    assert written == 3
    assert list(
        Village.objects.order_by("id").values_list(
            "name", "code", "valid_from", "valid_to", "from_reports", "synthetic"
        )
    ) == [
        (f"Bản {n}", f"C{n}", D(2017, 12, 31), None, True, False) for n in range(3)
    ]  # valid_to and synthetic: the model's defaults


def test_rows_from_a_generator_without_shared_values():
    start = db_value(Village, "valid_from", D(2016, 6, 30))
    rows = ((*row, start) for row in village_rows(MANY))
    assert rows_insert(Village, (*FIELDS, "valid_from"), rows) == MANY
    assert Village.objects.filter(valid_from=D(2016, 6, 30), from_reports=False).count() == MANY


def test_the_ids_returned_are_those_of_the_rows_in_order():
    village("Bản Cũ")  # the table holds rows already, and has held one more
    village("Bản Xoá").delete()
    rows = village_rows(MANY)
    ids = rows_insert_returning(Village, FIELDS, rows, shared())
    assert len(ids) == len(set(ids)) == MANY
    stored = dict(Village.objects.filter(id__in=ids).values_list("id", "name"))
    assert [stored[id_] for id_ in ids] == [row[0] for row in rows]


def test_new_ids_are_above_every_id_the_table_has_held():
    deleted = village("Bản Xoá")
    highest = deleted.id
    deleted.delete()
    ids = rows_insert_returning(Village, FIELDS, village_rows(5), shared())
    assert min(ids) > highest
    # and the database knows them: the next ordinary insert comes after them
    assert village("Bản Sau").id > max(ids)


def test_a_second_batch_follows_the_first():
    first = rows_insert_returning(Village, FIELDS, village_rows(3, "Thôn"), shared())
    second = rows_insert_returning(Village, FIELDS, village_rows(4, "Xóm"), shared())
    assert min(second) > max(first)
    names = dict(Village.objects.values_list("id", "name"))
    assert [names[id_] for id_ in second] == [f"Xóm {n}" for n in range(4)]


def test_a_row_refused_leaves_none_of_its_batch():
    before = set(Village.objects.values_list("id", flat=True))
    rows = village_rows(MANY)
    name, key, _, code = rows[-1]
    rows[-1] = (name, key, "", code)  # an empty sort key: refused by the database
    with pytest.raises(IntegrityError):
        rows_insert_returning(Village, FIELDS, rows, shared())
    assert set(Village.objects.values_list("id", flat=True)) == before


def test_no_rows_no_ids():
    assert rows_insert_returning(Village, FIELDS, [], shared()) == []
    assert rows_insert(Village, FIELDS, [], shared()) == 0


# ---------------------------------------------------------------------------- writing behind


def test_rows_written_behind_are_all_there_in_order_when_it_ends():
    with transaction.atomic(), writes_behind():
        first = rows_insert_returning(Village, FIELDS, village_rows(MANY, "Thôn"), shared())
        rows_insert(Village, FIELDS, village_rows(MANY, "Xóm"), shared())
        second = rows_insert_returning(Village, FIELDS, village_rows(3, "Bản"), shared())
    names = dict(Village.objects.values_list("id", "name"))
    assert len(names) == 2 * MANY + 3
    assert [names[id_] for id_ in first] == [f"Thôn {n}" for n in range(MANY)]
    assert [names[id_] for id_ in second] == [f"Bản {n}" for n in range(3)]
    assert min(second) > max(first)


def test_a_row_refused_behind_is_raised_when_it_ends_and_nothing_after_it_is_written():
    before = set(Village.objects.values_list("id", flat=True))
    refused = village_rows(MANY, "Thôn")
    name, key, _, code = refused[-1]
    refused[-1] = (name, key, "", code)  # an empty sort key: refused by the database
    with pytest.raises(IntegrityError), transaction.atomic():
        with writes_behind():
            rows_insert(Village, FIELDS, refused, shared())
            rows_insert(Village, FIELDS, village_rows(5, "Xóm"), shared())
    assert set(Village.objects.values_list("id", flat=True)) == before


def test_writes_caught_up_raises_a_refusal_at_once():
    refused = village_rows(3)
    refused[0] = (*refused[0][:2], "", refused[0][3])
    with pytest.raises(IntegrityError), transaction.atomic(), writes_behind():
        rows_insert(Village, FIELDS, refused, shared())
        with pytest.raises(IntegrityError):
            writes_caught_up()
        # and again when writing behind ends: what was given is not all written


def test_nothing_is_left_queued_after_a_failure_in_the_caller():
    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        with writes_behind():
            rows_insert(Village, FIELDS, village_rows(MANY), shared())
            raise Stop
    # the thread has ended: the connection is the caller's alone again
    assert not [thread for thread in threading.enumerate() if thread.name == "rows-behind"]
    assert Village.objects.count() == 0


# ---------------------------------------------------------------------------- statistics


def _other_session_analyze(table: str) -> None:
    """ANALYZE from another session, as autovacuum does: it sees none of the rows the test's
    transaction has written and not committed."""
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"],
        autocommit=True,
    ) as other:
        other.execute(f"ANALYZE {table}")


def _counted(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's planner statistics")
def test_statistics_follow_the_rows_the_transaction_wrote():
    """Taken by another session while the rows were not committed, the statistics say the table
    is empty; taken again in the writing transaction, they count its rows."""
    table = Village._meta.db_table
    written = rows_insert(Village, FIELDS, village_rows(MANY), shared())
    _other_session_analyze(table)
    assert _counted(table) == 0  # what autovacuum saw: a table of pages and no row
    statistics_follow({Village: written})
    assert _counted(table) >= MANY * 0.9
    statistics_follow({Village: 1})  # a few rows more: the statistics are left as they are
    assert _counted(table) >= MANY * 0.9
