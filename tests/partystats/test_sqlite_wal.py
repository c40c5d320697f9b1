"""SQLite in WAL mode (partystats/settings/base.py): staff import while a visitor downloads.

A streamed export reads inside its request's transaction up to its last piece
(partystats.middleware.SnapshotStream). In SQLite's default rollback journal that transaction's
read lock made an import's commit wait for the download, then fail after the busy timeout with
"database is locked". In WAL the import commits beside the download, and the download goes on
reading the snapshot it started with.

The suite's SQLite test database lives in memory, where neither journal applies: these tests
use a copy of it in a file (the `database_file` fixture, tests/partystats/conftest.py). On
PostgreSQL readers never held up a writer (tests/units/web/test_export_streaming.py shows the
snapshot there): only the settings' test runs.
"""

from __future__ import annotations

import csv
import io
import threading

import dj_database_url
import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from imports.models import ImportRun
from imports.services import report_import, report_preview
from partystats.settings.base import sqlite_in_wal
from tests.workbooks import OWN, mung_tung_rows, small_province, to_file, village, village_report
from units.models import VillageFigure

on_sqlite = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL's readers never block a writer"
)
EXPORT = "/coverage/?date=2017-12-31&group=village&format=csv"
# How long the importing connection waits for a lock: the old journal's failure in half a second,
# not after Python's 5 s.
LOCK_WAIT = 0.5


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_the_site_opens_a_database_file_in_wal_mode(database_file):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL


@on_sqlite
@pytest.mark.django_db
def test_an_in_memory_database_keeps_its_journal():
    """The init_command's journal_mode is a no-op there, not an error."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "memory"


def test_only_sqlite_is_given_the_wal_options():
    postgres = dj_database_url.parse("postgres://partystats@127.0.0.1:5432/partystats")
    assert sqlite_in_wal(postgres) == postgres
    sqlite = sqlite_in_wal(dj_database_url.parse("sqlite:////srv/partystats/db.sqlite3"))
    assert sqlite["OPTIONS"]["init_command"].startswith("PRAGMA journal_mode = WAL;")


def imported(workbook) -> ImportRun:
    preview = report_preview(path_or_file=to_file(workbook))
    assert [issue.line() for issue in preview.errors] == []
    return report_import(preview=preview)


def huoi_leng_report(members: int):
    """Xã Mường Tùng's report with Bản Huổi Lèng's members (14 in the first report) changed."""
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", members, members - 2, 2, OWN, admissions=1)
    rows[5] = [None, "Cộng xã", None, members + 2, members, 2, None, None, 1, None]
    return village_report(rows)


def imported_elsewhere(settings: dict, preview, outcome: list) -> None:
    """`preview` imported over the figures held, on a connection of this thread's own, as staff
    confirming in another worker would; it waits `LOCK_WAIT` at most for a lock."""
    options = {**settings["OPTIONS"], "timeout": LOCK_WAIT}
    connections["default"] = DatabaseWrapper({**settings, "OPTIONS": options})
    try:
        outcome.append(report_import(preview=preview, replace=True).outcome)
    except Exception as error:  # on the rollback journal: OperationalError, database is locked
        outcome.append(error)
    finally:
        connections["default"].close()


def village_members(body: bytes) -> tuple[dict[str, int | None], int]:
    """Each village's members (None: not reported), and the members of the totals row, as the
    CSV says them."""
    lines = list(csv.reader(io.StringIO(body.decode().removeprefix("\ufeff"))))
    villages = {line[7]: int(line[9]) if line[9] else None for line in lines[1:-1]}
    return villages, int(lines[-1][9])


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_an_import_commits_while_a_csv_downloads_which_keeps_its_snapshot(
    client, database_file, row_by_row, english
):
    """The user's case: staff confirm an import while a journalist downloads the table. Before
    WAL the import failed ("database is locked") once the busy timeout had passed."""
    small_province()
    imported(village_report())
    change = report_preview(path_or_file=to_file(huoi_leng_report(members=15)))
    client.cookies["django_language"] = "en"
    response = client.get(EXPORT)
    pieces = iter(response.streaming_content)
    body = [next(pieces)]  # the header: the snapshot is taken (the totals), no village sent yet
    outcome: list = []
    writer = threading.Thread(target=imported_elsewhere, args=(database_file, change, outcome))
    writer.start()
    writer.join(timeout=60)
    body.extend(pieces)
    assert outcome == [ImportRun.Outcome.IMPORTED]
    villages, total = village_members(b"".join(body))
    assert villages == {
        "Bản Huổi Điết": None,
        "Bản Huổi Lèng": 14,
        "Bản Nậm Cang 1": 0,
        "Bản Nậm Piền": 2,
        "Bản Co Củ": None,
    }
    assert total == 16
    # The import is what the next download, and the database, hold.
    assert VillageFigure.objects.get(village__name="Bản Huổi Lèng").members == 15
    assert village_members(b"".join(client.get(EXPORT).streaming_content))[1] == 17
