"""Writing many already validated rows fast: the one raw bulk-insert path of the project.

The importer (its villages, placements and figures), the coverage rebuild and the national
generator all write here. A 100,000-village report must import in a few times the time it takes
to read (bench/README.md). Building a model instance per row (`bulk_create`) costs more than
everything else together, so rows go to the database as plain values, in the way each database
takes them fastest, through the driver's own cursor (Django's would render every statement into
its query log under DEBUG, and on SQLite rewrite each statement's placeholders with a regular
expression: a second of CPU for 300,000 rows):
- PostgreSQL: COPY. A multi-row INSERT is rendered in Python and parsed again by the server
  (10 s for 100,000 figures), and executemany costs a round trip per row (25 s); COPY takes 2 s.
- SQLite: INSERT … SELECT … FROM (VALUES (…), (…), …) with as many rows as the build allows:
  twice as fast as executemany, which steps row by row. Values every row shares (`shared`, and
  the model's defaults) are bound once per statement, not per row: each value bound costs
  (100,000 villages: 0.25 → 0.16 s of CPU; placements 0.22 → 0.13 s).
The database still checks every constraint of the model, as it would for the ORM. Values must
already be in database form (`db_value`).

Within `writes_behind` (the importer's writing of a village report), SQLite's inserts run on a
thread of their own while the caller prepares the next rows: SQLite lets go of Python's lock
while it adds rows, and the Python work of a national report's write (0.2 s) then costs no
time beside SQLite's (0.75 s).
"""

from __future__ import annotations

import queue
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import chain, islice

from django.db import connection, transaction

MAX_ROWS_PER_STATEMENT = 2000


def db_value(model, name: str, value):
    """A value as the backend takes it in raw SQL (a date on SQLite is text): converted once,
    not per row."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def rows_insert(
    model, fields: tuple[str, ...], rows: Iterable[tuple], shared: dict | None = None
) -> int:
    """Insert rows of values for `fields`; `shared`: field name → the value every row has
    (the model's other fields get their defaults). Rows may come from a generator: they are
    written as they come. Returns how many."""
    target = _target(model, fields, shared)
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:  # the driver's errors as Django's (IntegrityError …)
        if connection.vendor == "postgresql":
            return _copy(raw, target, rows)
        count = 0
        behind = _behind.get()
        if behind is not None:
            for sql, params, size in _statements(target, rows):
                behind.execute(sql, params)
                count += size
            return count
        with _closing(raw.cursor()) as cursor:
            for sql, params, size in _statements(target, rows):
                cursor.execute(sql, params)
                count += size
        return count


def rows_insert_returning(
    model, fields: tuple[str, ...], rows: list[tuple], shared: dict | None = None
) -> list[int]:
    """Insert rows like `rows_insert` and return their ids, in the order of `rows`. All or
    none: inside the caller's transaction, or a transaction of its own."""
    if not rows:
        return []
    if _behind.get() is not None:  # inside the caller's transaction (`writes_behind`)
        with connection.wrap_database_errors:
            return _insert_with_ids(model, fields, rows, shared)
    with transaction.atomic(), connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            return _copy_with_ids(model, fields, rows, shared)
        return _insert_with_ids(model, fields, rows, shared)


@dataclass(frozen=True)
class _Target:
    """Where rows go: the table and its columns, the given fields' first, then the shared and
    the defaulted ones, whose values (`tail`) every row ends with."""

    table: str
    columns: list[str]
    width: int  # values given per row
    tail: tuple


def _target(model, fields: tuple[str, ...], shared: dict | None) -> _Target:
    """The columns of `fields`, of `shared` and of the model's other fields, with the values
    the ORM would give those others (their defaults): a field added to the model later is
    still filled."""
    meta = model._meta
    shared = shared or {}
    given = [meta.get_field(name) for name in fields]
    common = [meta.get_field(name) for name in shared]
    others = [
        field
        for field in meta.concrete_fields
        if not field.primary_key and field not in given and field not in common
    ]
    defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in others)
    return _Target(
        table=meta.db_table,
        columns=[field.column for field in given + common + others],
        width=len(given),
        tail=(*shared.values(), *defaults),
    )


def _head(target: _Target, columns: list[str] | None = None) -> str:
    quote = connection.ops.quote_name
    columns = target.columns if columns is None else columns
    return f"{quote(target.table)} ({', '.join(map(quote, columns))})"


class _closing:
    """The driver's cursors: psycopg's is a context manager, sqlite3's is not."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def __enter__(self):
        return self.cursor

    def __exit__(self, *exc) -> None:
        self.cursor.close()


# ---------------------------------------------------------------------------- PostgreSQL

# The share of a table's rows, as its statistics count them, that a write may add before the
# statistics are taken again (`statistics_follow`).
STALE_SHARE = 0.2


def statistics_follow(written: dict) -> None:
    """On PostgreSQL, take the statistics of each model's table again (ANALYZE) when the rows
    just written (model → how many) are a good share of those its statistics count.

    Why: the planner sizes a table by its statistics. Taken while a long transaction was still
    loading rows (autovacuum sees none of them), they say the table is empty, and a query of the
    same transaction then joins by nested loops over what it thinks is one row: a demo load ran
    for 15 minutes instead of 40 s, in the test suite. ANALYZE in the writing transaction counts
    its own rows, so its later queries, and the next imports, are planned on what is there."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model, count in written.items():
            table = model._meta.db_table
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            (counted,) = cursor.fetchone()
            if count and (counted < 0 or count > STALE_SHARE * counted):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _copy(raw, target: _Target, rows: Iterable[tuple], columns: list[str] | None = None) -> int:
    """COPY takes no constants: the shared values go with every row."""
    tail = target.tail
    count = 0
    head = _head(target, columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {head} FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *tail) if tail else row)
            count += 1
    return count


def _copy_with_ids(model, fields: tuple[str, ...], rows: list[tuple], shared) -> list[int]:
    """COPY returns nothing: the ids are taken from the table's sequence first (one query;
    a sequence never gives the same number twice, whatever runs alongside)."""
    meta = model._meta
    target = _target(model, fields, shared)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rows_with_ids = ((id_, *row) for id_, row in zip(ids, rows, strict=True))
    _copy(raw, target, rows_with_ids, [meta.pk.column, *target.columns])
    return ids


# ---------------------------------------------------------------------------- SQLite


def _statements(target: _Target, rows: Iterable[tuple], id_column: str = "") -> Iterator:
    """(sql, params, rows) of multi-row INSERTs, as many rows each as the database takes;
    `id_column`: each row starts with its id."""
    width = target.width + bool(id_column)
    tail = list(target.tail)
    per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, (_max_params() - len(tail)) // width))
    placeholder = f"({', '.join('?' * width)})"
    columns = [id_column, *target.columns] if id_column else target.columns
    if tail:  # the shared values once, in the SELECT list, before the rows' VALUES
        picked = [f"column{number}" for number in range(1, width + 1)] + ["?"] * len(tail)
        head = f"INSERT INTO {_head(target, columns)} SELECT {', '.join(picked)} FROM (VALUES "
        end = ")"
    else:
        head, end = f"INSERT INTO {_head(target, columns)} VALUES ", ""
    full = head + ", ".join([placeholder] * per_statement) + end
    rows = iter(rows)
    while chunk := list(islice(rows, per_statement)):
        size = len(chunk)
        sql = full if size == per_statement else head + ", ".join([placeholder] * size) + end
        yield sql, tail + list(chain.from_iterable(chunk)), size


def _max_params() -> int:
    """The most values one statement may carry: what this SQLite was built with (Django
    assumes the 999 of old builds)."""
    connection.ensure_connection()
    return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def _insert_with_ids(model, fields: tuple[str, ...], rows: list[tuple], shared) -> list[int]:
    """The first row takes its id from SQLite, as any insert does: above every id the table
    holds or has held. From that write on, this transaction holds the database's write lock
    until it ends, so no one else inserts: the ids after it are free, and the other rows are
    given them. (RETURNING would give the same ids at a quarter more CPU: a row back per row.)
    """
    target = _target(model, fields, shared)
    id_column = model._meta.pk.column
    connection.ensure_connection()
    behind = _behind.get()
    if behind is not None:
        behind.wait()  # the first row's id is read here, once what went before is written
    with _closing(connection.connection.cursor()) as cursor:
        sql, params, _ = next(_statements(target, rows[:1]))
        cursor.execute(sql, params)
        first = cursor.lastrowid
        ids = list(range(first, first + len(rows)))
        with_ids = ((id_, *row) for id_, row in zip(ids[1:], rows[1:], strict=True))
        for sql, params, _ in _statements(target, with_ids, id_column):
            (behind or cursor).execute(sql, params)
    return ids


# ---------------------------------------------------------------------------- writing behind


class _Behind:
    """A thread that runs the inserts given to it, in order, on the connection, while the
    caller goes on preparing the next rows: SQLite lets go of Python's lock while it adds a
    statement's rows, so the two run on two cores. After an error it runs nothing more;
    `wait` raises that error."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="rows-behind", daemon=True)
        self.thread.start()

    def execute(self, sql: str, params: list) -> None:
        self.queue.put((sql, params))

    def wait(self) -> None:
        """Until every statement given so far is run; raises the first error."""
        self.queue.join()
        if self.error is not None:
            raise self.error

    def stop(self, *, discard: bool) -> None:
        """End the thread, once the statements given are run (or dropped: `discard`)."""
        if discard and self.error is None:
            self.error = _Discarded()
        self.queue.put(None)
        self.thread.join()

    def _run(self) -> None:
        cursor = self.raw.cursor()
        try:
            while (item := self.queue.get()) is not None:
                try:
                    if self.error is None:
                        cursor.execute(*item)
                except BaseException as error:  # raised in the caller's thread by `wait`
                    self.error = error
                finally:
                    self.queue.task_done()
        finally:
            self.queue.task_done()
            cursor.close()


class _Discarded(Exception):
    """The statements left when the caller failed: never run (its transaction rolls back)."""


_behind: ContextVar[_Behind | None] = ContextVar("rows_behind", default=None)


def writes_caught_up() -> None:
    """Within `writes_behind`, wait until every insert given so far is written (raising its
    error, as Django's); elsewhere there is nothing to wait for."""
    behind = _behind.get()
    if behind is not None:
        with connection.wrap_database_errors:
            behind.wait()


@contextmanager
def writes_behind():
    """Within it, on SQLite, the inserts of `rows_insert` and `rows_insert_returning` run on a
    thread of their own (`_Behind`) and the caller goes on at once; all of them are written
    (or their first error raised) when it ends. Inside the caller's transaction, with no other
    use of the connection within: nothing else may read or write meanwhile."""
    if connection.vendor != "sqlite" or _behind.get() is not None:
        yield
        return
    connection.ensure_connection()
    behind = _Behind(connection.connection)
    token = _behind.set(behind)
    interval = sys.getswitchinterval()
    # The thread takes Python's lock back after each statement; by default it would wait up
    # to 5 ms for the caller to let go.
    sys.setswitchinterval(min(interval, 0.0005))
    failed = True
    try:
        yield
        with connection.wrap_database_errors:
            behind.wait()
        failed = False
    finally:
        sys.setswitchinterval(interval)
        _behind.reset(token)
        behind.stop(discard=failed)
