"""Writing many already validated rows fast: the last step of an import.

A 100,000-village report must import in a few times the time it takes to read (issue 3's
benchmark). Building a model instance per row (`bulk_create`) costs more than everything else
together, so rows go to the database as plain values, in the way each database takes them
fastest:
- PostgreSQL: COPY. Django's psycopg cursor binds parameters on the client, so a multi-row
  INSERT is rendered in Python and parsed again by the server (10 s for 100,000 figures), and
  executemany costs a round trip per row (25 s); COPY takes 2 s.
- SQLite: INSERT … VALUES (…), (…), … with as many rows as the build allows: twice as fast as
  executemany, which steps row by row.
The database still checks every constraint of the model, as it would for the ORM.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from django.db import connection

MAX_ROWS_PER_STATEMENT = 2000


def rows_insert(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows of values for `fields` (the model's other fields get their defaults)."""
    if not rows:
        return
    columns, defaults = _columns(model, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, model, columns, (row + defaults for row in rows))
            return
        for sql, params in _statements(model, columns, rows, defaults):
            cursor.execute(sql, params)


def rows_insert_returning(model, fields: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """Insert rows like `rows_insert` and return their ids, in the order of `rows`."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_with_ids(model, fields, rows)
    if not connection.features.can_return_rows_from_bulk_insert:
        return _one_by_one(model, fields, rows)
    columns, defaults = _columns(model, fields)
    returning = f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for sql, params in _statements(model, columns, rows, defaults):
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


# ---------------------------------------------------------------------------- PostgreSQL


def _copy(cursor, model, columns: list[str], rows) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:  # the psycopg cursor under Django's wrapper
        for row in rows:
            copy.write_row(row)


def _copy_with_ids(model, fields: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """COPY returns nothing: the ids are taken from the table's sequence first (one query;
    a sequence never gives the same number twice, whatever runs alongside)."""
    meta = model._meta
    columns, defaults = _columns(model, fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        rows_with_ids = ((id_, *row, *defaults) for id_, row in zip(ids, rows, strict=True))
        _copy(cursor, model, [meta.pk.column, *columns], rows_with_ids)
    return ids


# ---------------------------------------------------------------------------- SQLite


def _statements(model, columns: list[str], rows: list[tuple], defaults: tuple) -> Iterator:
    """(sql, params) of multi-row INSERTs, as many rows each as the database takes."""
    placeholder = f"({', '.join(['%s'] * len(columns))})"
    per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, _max_params() // len(columns)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        params = [value for row in chunk for value in row + defaults]
        yield f"{_head(model, columns)} VALUES {', '.join([placeholder] * len(chunk))}", params


def _head(model, columns: list[str]) -> str:
    quote = connection.ops.quote_name
    return f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))})"


def _max_params() -> int:
    """The most values one statement may carry: what this SQLite was built with (Django
    assumes the 999 of old builds)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 999


def _one_by_one(model, fields: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """For a database that cannot return the ids of a multi-row INSERT (SQLite before 3.35)."""
    columns, defaults = _columns(model, fields)
    sql = f"{_head(model, columns)} VALUES ({', '.join(['%s'] * len(columns))})"
    table, pk = model._meta.db_table, model._meta.pk.column
    ids = []
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(sql, row + defaults)
            ids.append(connection.ops.last_insert_id(cursor, table, pk))
    return ids
