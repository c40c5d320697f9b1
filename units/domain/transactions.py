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

A page that shows what a write would do (the staff draft view, the publish, withdraw and restore
plans) writes, reads what changed and rolls back: it reads then writes as an import does, so it
takes its turn the same way (`trial_write`), and sees what the writer before it committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def write_transaction(using: str | None = None) -> Iterator[None]:
    """`transaction.atomic()` for a transaction that reads, then writes from what it read. On
    SQLite the outermost one takes the write lock at its start (a writer in another connection
    is waited for, up to the busy timeout); nested in a caller's transaction, or on PostgreSQL
    (whose writers wait for each other's rows), it is just `atomic()`."""
    with ExitStack() as block:
        with _begin_immediate(using or DEFAULT_DB_ALIAS):
            block.enter_context(transaction.atomic(using=using))
        yield


@contextmanager
def trial_write(using: str | None = None) -> Iterator[None]:
    """A `write_transaction` always rolled back: what is written inside is seen by this
    connection only, until the block ends, and never committed."""
    with write_transaction(using):
        yield
        transaction.set_rollback(True, using=using)


@contextmanager
def _begin_immediate(using: str) -> Iterator[None]:
    """Make the `BEGIN` Django issues next on SQLite (`_start_transaction_under_autocommit`,
    which reads the connection's `transaction_mode`) an immediate one; nothing when no
    transaction will begin."""
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()  # connecting sets transaction_mode from the OPTIONS again
    mode, connection.transaction_mode = connection.transaction_mode, "IMMEDIATE"
    try:
        yield
    finally:
        connection.transaction_mode = mode
