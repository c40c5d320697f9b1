"""SQLite: two staff members writing at once take turns (units.domain.transactions).

An import, a publish, a withdraw or a restore reads the figures held, then writes. With
Django's deferred `BEGIN` such a transaction, on finding another writer's lock (or, once that
writer has committed, its own snapshot out of date), failed at once with "database is locked".
`write_transaction` takes the write lock at its `BEGIN`: the second writer waits for the first
one's commit, then reads what it wrote. A download still never waits for an import, nor an
import for a download.

Each write runs in a thread on a connection of its own to a file copy of the test database
(`database_file`, tests/partystats/conftest.py), as in another gunicorn worker; the first one
is held inside its transaction, everything written and only the commit left, by the import's
test hook (imports.services.write_hook) until the test lets it go. On PostgreSQL writers wait
for each other's rows: only SQLite is tested.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing

import pytest
from django.db import connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from imports.models import ImportRun
from imports.publish import run_publish
from imports.services import report_import, report_preview
from tests.gate import PUBLISHER, drafted, staff_make
from tests.partystats.test_sqlite_wal import EXPORT, huoi_leng_report, village_members
from tests.workbooks import small_province, to_file, village_report
from units.domain.coverage import coverage_differences
from units.domain.transactions import write_transaction
from units.models import Period, VillageFigure

pytestmark = [
    pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's write lock"),
    pytest.mark.django_db(transaction=True),
]
IMPORTED = ImportRun.Outcome.IMPORTED
HELD = "held"  # the name of the thread whose write waits at its commit
# Long enough for the second writer to reach its first write (a small report: milliseconds),
# short beside the busy timeout (5 s) it may wait for.
SECOND_WRITER_START = 0.5
JUNE_2018 = "Số liệu tính đến ngày 30/06/2018"


class CommitHeld:
    """IMPORT_WRITE_HOOK of these tests: the write of the thread named HELD waits before its
    commit, its write lock held, until `released`; other writes pass."""

    reached = threading.Event()
    released = threading.Event()

    def pause(self, point: str) -> None:
        if point == "before commit" and threading.current_thread().name == HELD:
            CommitHeld.reached.set()
            CommitHeld.released.wait(timeout=60)


@pytest.fixture
def commit_held(settings):
    settings.IMPORT_WRITE_HOOK = f"{__name__}.CommitHeld"
    CommitHeld.reached.clear()
    CommitHeld.released.clear()
    yield CommitHeld
    CommitHeld.released.set()  # never leave a thread waiting


class Writer(threading.Thread):
    """`work` on a connection of its own to the database file; what it returned, or raised."""

    def __init__(self, database: dict, work: Callable, name: str | None = None) -> None:
        super().__init__(name=name, daemon=True)
        self.database, self.work, self.result = database, work, None

    def run(self) -> None:
        connections["default"] = DatabaseWrapper(self.database)
        try:
            self.result = self.work()
        except Exception as error:  # before write_transaction: "database is locked"
            self.result = error
        finally:
            connections["default"].close()


def import_outcome(workbook, replace: bool = False, previewed: threading.Event | None = None):
    """`workbook` previewed and imported, as staff confirming do; `previewed` set in between."""
    preview = report_preview(path_or_file=to_file(workbook))
    assert [issue.line() for issue in preview.errors] == []
    if previewed is not None:
        previewed.set()
    return report_import(preview=preview, replace=replace).outcome


def held_import(database: dict, workbook, **options) -> Writer:
    """An import started in another thread and held before its commit."""
    first = Writer(database, lambda: import_outcome(workbook, **options), name=HELD)
    first.start()
    assert CommitHeld.reached.wait(timeout=30)
    return first


def both_finished(first: Writer, second: Writer) -> list:
    """Let the held write go once the second has had time to start; both results."""
    time.sleep(SECOND_WRITER_START)
    CommitHeld.released.set()
    for writer in (first, second):
        writer.join(timeout=30)
    return [first.result, second.result]


def test_an_import_confirmed_while_another_commits_waits_its_turn(database_file, commit_held):
    """Two staff members confirm reports for the same commune and date at about the same time:
    the second, confirmed with replace, waits for the first and replaces its figures."""
    small_province()
    first = held_import(database_file, village_report())
    previewed = threading.Event()
    change = huoi_leng_report(members=15)
    second = Writer(database_file, lambda: import_outcome(change, True, previewed))
    second.start()
    assert previewed.wait(timeout=30)
    assert both_finished(first, second) == [IMPORTED, IMPORTED]
    runs = ImportRun.objects.order_by("id")
    assert [run.outcome for run in runs] == [ImportRun.Outcome.REPLACED, IMPORTED]
    assert VillageFigure.objects.get(village__name="Bản Huổi Lèng").members == 15
    assert coverage_differences() == []


def test_a_publish_while_an_import_commits_waits_its_turn(database_file, commit_held):
    small_province()
    publisher = staff_make("publisher", PUBLISHER)
    draft = drafted(village_report(date_line=JUNE_2018), staff_make("importer"))
    first = held_import(database_file, village_report())
    second = Writer(database_file, lambda: run_publish(draft, user=publisher).outcome)
    second.start()
    assert both_finished(first, second) == [IMPORTED, IMPORTED]
    assert VillageFigure.objects.filter(import_run=draft).count() == 3
    assert VillageFigure.objects.count() == 6
    assert coverage_differences() == []


def test_a_download_and_an_import_holding_the_write_lock_wait_for_neither(
    client, database_file, commit_held, row_by_row, english
):
    """Readers take no write lock: a whole download runs while the import is held, and another
    one, begun then, does not hold up its commit and keeps the figures it began with."""
    small_province()
    import_outcome(village_report())
    client.cookies["django_language"] = "en"
    first = held_import(database_file, huoi_leng_report(members=15), replace=True)
    assert village_members(b"".join(client.get(EXPORT).streaming_content))[1] == 16
    pieces = iter(client.get(EXPORT).streaming_content)
    body = [next(pieces)]  # the snapshot is taken
    CommitHeld.released.set()
    first.join(timeout=30)
    assert first.result == IMPORTED
    body.extend(pieces)
    assert village_members(b"".join(body))[1] == 16
    assert village_members(b"".join(client.get(EXPORT).streaming_content))[1] == 17


def write_lock_taken(path: str) -> bool:
    """Whether a writer holds the database's write lock: another connection cannot take it."""
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as other:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        other.execute("ROLLBACK")
        return False


def test_a_write_transaction_takes_the_write_lock_before_anything_is_read(database_file):
    """Only the outermost one: nested, it is a savepoint of the caller's transaction."""
    with write_transaction():
        assert write_lock_taken(database_file["NAME"])
    with transaction.atomic():
        assert Period.objects.count() == 0  # the read transaction of a page, a download
        with write_transaction():
            assert not write_lock_taken(database_file["NAME"])
