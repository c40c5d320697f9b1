"""Write transactions that wait their turn on SQLite.

SQLite lets one connection write at a time. Django begins a transaction with a deferred `BEGIN`:
the write lock is asked for at the first write, and in WAL the snapshot is taken at the first
read. A transaction that reads before it writes (an import reads the figures held, then writes
its own) then finds the lock held by another writer, or its snapshot out of date once that
writer has committed, and SQLite fails it at once with "database is locked": waiting (the busy
timeout) cannot make a snapshot current. `BEGIN IMMEDIATE` takes the write lock before anything
is read, so the second writer waits at its `BEGIN` for the first one's commit, then reads what
that one wrote. Read-only transactions keep the deferred `BEGIN`: an immediate one would make a
download wait for an import (docs/deployment.md, "SQLite").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from django.db import connection, transaction


@contextmanager
def write_transaction() -> Iterator[None]:
    """`transaction.atomic()` for a transaction that reads, then writes from what it read. On
    SQLite the outermost one takes the write lock at its start (a writer in another connection
    is waited for, up to the busy timeout); nested in a caller's transaction, or on PostgreSQL
    (whose writers wait for each other's rows), it is just `atomic()`."""
    with ExitStack() as block:
        with _begin_immediate():
            block.enter_context(transaction.atomic())
        yield


@contextmanager
def _begin_immediate() -> Iterator[None]:
    """Make the `BEGIN` Django issues next on SQLite (`_start_transaction_under_autocommit`,
    which reads the connection's `transaction_mode`) an immediate one; nothing when no
    transaction will begin."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()  # connecting sets transaction_mode from the OPTIONS again
    mode, connection.transaction_mode = connection.transaction_mode, "IMMEDIATE"
    try:
        yield
    finally:
        connection.transaction_mode = mode
