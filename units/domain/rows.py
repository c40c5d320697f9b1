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
- SQLite: INSERT … VALUES (…), (…), … with as many rows as the build allows: twice as fast as
  executemany, which steps row by row.
The database still checks every constraint of the model, as it would for the ORM. Values must
already be in database form (`db_value`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from itertools import chain, islice

from django.db import connection

MAX_ROWS_PER_STATEMENT = 2000


def db_value(model, name: str, value):
    """A value as the backend takes it in raw SQL (a date on SQLite is text): converted once,
    not per row."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def rows_insert(model, fields: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Insert rows of values for `fields` (the model's other fields get their defaults).
    Rows may come from a generator: they are written as they come. Returns how many."""
    columns, defaults = _columns(model, fields)
    if defaults:
        rows = (row + defaults for row in rows)
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        return _copy(raw, model, columns, rows)
    count = 0
    with _closing(raw.cursor()) as cursor:
        for sql, params, size in _statements(model, columns, rows):
            cursor.execute(sql, params)
            count += size
    return count


def rows_insert_returning(model, fields: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """Insert rows like `rows_insert` and return their ids, in the order of `rows`."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_with_ids(model, fields, rows)
    if sqlite3.sqlite_version_info < (3, 35):
        return _one_by_one(model, fields, rows)
    columns, defaults = _columns(model, fields)
    returning = f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    ids: list[int] = []
    connection.ensure_connection()
    with _closing(connection.connection.cursor()) as cursor:
        rows_full = (row + defaults for row in rows) if defaults else rows
        for sql, params, _ in _statements(model, columns, rows_full):
            # The ids come back in the order of the VALUES, as `bulk_create` relies on too.
            cursor.execute(sql + returning, params)
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _columns(model, fields: tuple[str, ...]) -> tuple[list[str], tuple]:
    """The columns of `fields` and of the model's other fields, and the values the ORM would
    give those others (their defaults): a field added to the model later is still filled."""
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    others = [
        field for field in meta.concrete_fields if not field.primary_key and field not in given
    ]
    defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in others)
    return [field.column for field in given + others], defaults


def _head(model, columns: list[str]) -> str:
    quote = connection.ops.quote_name
    return f"{quote(model._meta.db_table)} ({', '.join(map(quote, columns))})"


class _closing:
    """The driver's cursors: psycopg's is a context manager, sqlite3's is not."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def __enter__(self):
        return self.cursor

    def __exit__(self, *exc) -> None:
        self.cursor.close()


# ---------------------------------------------------------------------------- PostgreSQL


def _copy(raw, model, columns: list[str], rows: Iterable[tuple]) -> int:
    count = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {_head(model, columns)} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _copy_with_ids(model, fields: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """COPY returns nothing: the ids are taken from the table's sequence first (one query;
    a sequence never gives the same number twice, whatever runs alongside)."""
    meta = model._meta
    columns, defaults = _columns(model, fields)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rows_with_ids = ((id_, *row, *defaults) for id_, row in zip(ids, rows, strict=True))
    _copy(raw, model, [meta.pk.column, *columns], rows_with_ids)
    return ids


# ---------------------------------------------------------------------------- SQLite


def _statements(model, columns: list[str], rows: Iterable[tuple]) -> Iterator:
    """(sql, params, rows) of multi-row INSERTs, as many rows each as the database takes."""
    width = len(columns)
    per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, _max_params() // width))
    placeholder = f"({', '.join('?' * width)})"
    head = f"INSERT INTO {_head(model, columns)} VALUES "
    full = head + ", ".join([placeholder] * per_statement)
    rows = iter(rows)
    while chunk := list(islice(rows, per_statement)):
        size = len(chunk)
        sql = full if size == per_statement else head + ", ".join([placeholder] * size)
        yield sql, list(chain.from_iterable(chunk)), size


def _max_params() -> int:
    """The most values one statement may carry: what this SQLite was built with (Django
    assumes the 999 of old builds)."""
    connection.ensure_connection()
    return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def _one_by_one(model, fields: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """For an SQLite that cannot return the ids of a multi-row INSERT (before 3.35)."""
    columns, defaults = _columns(model, fields)
    sql = f"INSERT INTO {_head(model, columns)} VALUES ({', '.join('?' * len(columns))})"
    ids = []
    connection.ensure_connection()
    with _closing(connection.connection.cursor()) as cursor:
        for row in rows:
            cursor.execute(sql, row + defaults)
            ids.append(cursor.lastrowid)
    return ids
