"""The demo data, loaded through the importer once per test session and copied back after.

`load_demo` goes through the real importer (30–90 s, as busy as the machine is) the first time
the test database is empty; that load is kept, and every later one is a copy of it:

- SQLite (the test database lives in memory, shared with the live server's thread): the whole
  database is copied by SQLite's online backup (`sqlite3.Connection.backup`), ≈ 10 ms each way.
  The copy carries the content types and permissions of the first load (the ContentType cache is
  cleared after it), so it is used only when every other table (users, sessions, axes, …) is
  empty, as after a flush; otherwise the demo's rows are inserted from the copy (≈ 1–2 s).
  `demo_held` puts the database back as it was before the demo by the same backup, instead
  of a flush that deletes 85,000 rows (0.3–0.9 s).
- PostgreSQL: each demo table goes out with `COPY … TO STDOUT` once and back with
  `COPY … FROM STDIN` (binary), in one transaction; the sequences are then set past the restored
  keys, as `manage.py loaddata` does. ≈ 2 s, against 6 s for the rows as INSERTs; half of it is
  the foreign keys checked at the commit. (`CREATE DATABASE … TEMPLATE` would be quicker but
  needs the test database closed, with pytest-django's connections open on it.)

The first load keeps a fingerprint of every demo table (its row count and a checksum of its
rows); tests/test_demo_snapshot.py checks that a copy gives the same, table by table. The
importer path is still exercised by the first load and by
tests/imports/generators/test_demo_figures.py.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import sort_dependencies
from django.db import connection, transaction

from units.models import Level, Scheme, Unit

# Only the project's own tables hold the demo: auth and content types are recreated by every
# flush.
DEMO_APPS = ("units", "imports")
# Tables a flush refills (or never empties): the SQLite copy may bring its own.
REFILLED = {"django_migrations", "django_content_type", "auth_permission"}


def dien_bien(scheme: str = Scheme.GSO2004) -> Unit:
    """The demo's province, Điện Biên (code 11), in `scheme`."""
    return Unit.objects.get(scheme=scheme, level=Level.PROVINCE, code="11")


def demo_models() -> list[type]:
    app_list = [(apps.get_app_config(label), None) for label in DEMO_APPS]
    return sort_dependencies(app_list, allow_cycles=True)


def demo_tables() -> list[str]:
    return [model._meta.db_table for model in demo_models()]


def fingerprint() -> dict[str, tuple[int, str]]:
    """Each demo table's row count and a SHA-256 of its rows in primary-key order."""
    quote = connection.ops.quote_name
    prints = {}
    with connection.cursor() as cursor:
        for model in demo_models():
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")
            digest, count = hashlib.sha256(), 0
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
                count += 1
            prints[model._meta.db_table] = (count, digest.hexdigest())
    return prints


# ---------------------------------------------------------------------------- SQLite


class SQLiteSnapshot:
    """The whole test database after the first load, in a private in-memory database."""

    def __init__(self) -> None:
        self.copy = backup_of_database()
        # Nothing but the demo and what a flush refills: a user made before the first load
        # must not come back with every copy.
        for table in other_tables():
            self.copy.execute(f'DELETE FROM "{table}"')
        self.copy.commit()

    def restore(self) -> str:
        if connection.in_atomic_block or any(table_has_rows(t) for t in other_tables()):
            self._insert()
            return "insert"
        self.copy.backup(connection.connection)
        ContentType.objects.clear_cache()  # the copy's content types have the first load's ids
        return "backup"

    @transaction.atomic
    def _insert(self) -> None:
        # Foreign keys are deferred to the commit on SQLite, so rows that point forward (an
        # import run replaced by a later one) insert in primary-key order.
        with connection.cursor() as cursor:
            for model in demo_models():
                table, pk = model._meta.db_table, model._meta.pk.column
                rows = self.copy.execute(f'SELECT * FROM "{table}" ORDER BY "{pk}"').fetchall()
                if rows:
                    marks = ", ".join(["%s"] * len(rows[0]))
                    cursor.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)


def backup_of_database() -> sqlite3.Connection:
    connection.ensure_connection()
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(copy)
    return copy


def other_tables() -> list[str]:
    demo = set(demo_tables())
    return [
        table
        for table in connection.introspection.table_names()
        if table not in demo and table not in REFILLED
    ]


def table_has_rows(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")
        return bool(cursor.fetchone()[0])


# ---------------------------------------------------------------------------- PostgreSQL


class PostgreSQLSnapshot:
    """Each demo table as `COPY` gave it out, in PostgreSQL's binary format."""

    def __init__(self) -> None:
        self.tables: list[tuple[str, bytes]] = []
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            for table in demo_tables():
                with cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT BINARY)') as copy:
                    self.tables.append((table, b"".join(bytes(block) for block in copy)))

    @transaction.atomic
    def restore(self) -> str:
        # Foreign keys are DEFERRABLE INITIALLY DEFERRED (Django's), checked at the commit: about
        # half the time of a copy, kept (turning them off needs a superuser, and they check
        # that the demo points at nothing outside it).
        with connection.connection.cursor() as cursor:
            for table, data in self.tables:
                with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT BINARY)') as copy:
                    copy.write(data)
            # Statistics taken by autovacuum while the tables were empty (after the last module's
            # TRUNCATE) would size them as empty: nested-loop plans then ran for half an hour
            # (the targets page, an import's preview). ANALYZE here counts the rows just copied.
            for table, _data in self.tables:
                cursor.execute(f'ANALYZE "{table}"')
        reset_sequences(demo_models())
        return "copy"


def reset_sequences(models: list[type]) -> None:
    """PostgreSQL sequences must continue after the restored primary keys."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# ---------------------------------------------------------------------------- loading

_snapshot: SQLiteSnapshot | PostgreSQLSnapshot | None = None
# The first load's fingerprint, for tests/test_demo_snapshot.py.
first_load: dict[str, tuple[int, str]] | None = None


def load_demo() -> str:
    """The demo in the (empty) test database: the real command the first time, a copy after.

    Returns how: "importer" (the real command), or the copy's way ("backup", "insert", "copy").
    """
    global _snapshot, first_load
    if Unit.objects.exists():  # not empty: only the real command knows how to merge
        call_command("load_demo", verbosity=0)
        return "importer"
    if _snapshot is None:
        call_command("load_demo", verbosity=0)
        first_load = fingerprint()
        _snapshot = SQLiteSnapshot() if connection.vendor == "sqlite" else PostgreSQLSnapshot()
        return "importer"
    return _snapshot.restore()


@contextmanager
def demo_held(*, flush: bool = True) -> Iterator[None]:
    """The demo loaded for the block, then taken away (`flush=False`: left to pytest-django's
    transactional teardown, which flushes the database anyway).

    On SQLite the whole database is put back as it was before the block, by a backup. On
    PostgreSQL the demo's tables are emptied (TRUNCATE, the sequences restarted, as a flush does);
    the other tables are left as they are.
    """
    before = None
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        before = backup_of_database()
    load_demo()
    try:
        yield
    finally:
        if before is not None:
            before.backup(connection.connection)
            before.close()
            ContentType.objects.clear_cache()
        elif flush:
            demo_tables_empty()


def demo_tables_empty() -> None:
    statements = connection.ops.sql_flush(no_style(), demo_tables(), reset_sequences=True)
    connection.ops.execute_sql_flush(statements)
