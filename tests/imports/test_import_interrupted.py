"""An import killed midway (SIGKILL: the process dies, no exception, no cleanup) changes nothing,
and the same import run again succeeds (issue 3, "Done when").

`manage.py import_report` runs in a subprocess against a database of its own, file-backed so
that this test and the subprocess share it; pytest-django's test database is not used. The
import holds its transaction open at a chosen point through the test hook of
`imports.services` (tests/import_pause.py, installed by the subprocess's settings), writes a
marker file there, and is killed once the marker appears. Two points:
- after the first 100 village figures are written, the rest not yet;
- with everything written (villages, figures, coverage rebuilt, the run record completed) and
  only the commit left.

Databases: always a SQLite file in tmp_path. When the suite runs on PostgreSQL (DATABASE_URL
is postgres://…, as in CI's second run), also a fresh database created on that server for this
module and dropped at its end, since how a server rolls back a dead client's transaction is
what the PostgreSQL run should show.
"""

from __future__ import annotations

import csv
import signal
import subprocess
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from imports.generators.demo_workbooks import COLUMNS, HEADING, NUMBERS, TITLE, to_roman
from tests import import_pause
from tests.servers import ON_POSTGRES, PROJECT, ScratchDatabases, manage, manage_ok

pytestmark = pytest.mark.slow

UNITS_CSV = PROJECT / "fixtures" / "units" / "units_gso2004.csv"
PROVINCE = "11"  # Điện Biên
VILLAGES_PER_COMMUNE = 3
PAUSE_AFTER_ROWS = 100
# The tables an import writes, compared row by row; every other table by its row count.
WRITTEN = (
    "imports_importrun",
    "imports_replacedfigures",
    "units_coverage",
    "units_period",
    "units_village",
    "units_villagefigure",
    "units_villageplacement",
    "units_source",
    "units_unitfigure",
)
POINTS = {
    "after 100 figure rows": {import_pause.AFTER_ROWS: str(PAUSE_AFTER_ROWS)},
    "before commit": {import_pause.BEFORE_COMMIT: "1"},
}


# ---------------------------------------------------------------------------- the report


def report_write(path: Path, members: int = 5) -> int:
    """A Điện Biên village report for 31/12/2017 in canonical form: every district and commune,
    three villages each (`members` each, one of them probationary), with the subtotals. Returns
    its number of village rows."""
    districts, communes = {}, {}
    with UNITS_CSV.open(encoding="utf-8") as handle:
        for unit in csv.DictReader(handle):
            if unit["province_code"] == PROVINCE and unit["level"] == "district":
                districts[unit["code"]] = unit["name"]
                communes[unit["code"]] = []
            elif unit["province_code"] == PROVINCE and unit["level"] == "commune":
                communes[unit["parent_code"]].append(unit["name"])
    workbook = Workbook()
    sheet = workbook.active
    for line in (TITLE, HEADING, "Số liệu tính đến ngày 31/12/2017", None, COLUMNS, NUMBERS):
        sheet.append(list(line) if isinstance(line, tuple) else [line])
    village = [None, None, None, members, members - 1, 1, "Có chi bộ độc lập", None, 1, None]
    full = members - 1
    rows = 0
    for number, (code, district) in enumerate(sorted(districts.items()), start=1):
        count = VILLAGES_PER_COMMUNE * len(communes[code])
        sheet.append(
            [to_roman(number), district, None, members * count, full * count, count, None, None]
            + [count]
        )
        for index, commune in enumerate(communes[code], start=1):
            count = VILLAGES_PER_COMMUNE
            sheet.append(
                [str(index), commune, None, members * count, full * count, count, None, None]
                + [count]
            )
            for place in range(1, VILLAGES_PER_COMMUNE + 1):
                sheet.append([place, f"Bản Thử {place}", *village[2:]])
                rows += 1
    workbook.save(path)
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("report") / "dien-bien-2017-12-31.xlsx"
    return path, report_write(path)


# ---------------------------------------------------------------------------- databases


def prepared(database_url: str) -> None:
    for args in (("migrate", "--verbosity", "0"), ("load_units", "--province", PROVINCE)):
        manage_ok(database_url, *args)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"] if ON_POSTGRES else ["sqlite"])
def databases(request, tmp_path_factory):
    """A migrated database with Điện Biên's units ("template"), copied for every test."""
    backend = ScratchDatabases(
        tmp_path_factory.mktemp("databases"), "interrupted", postgres=request.param == "postgresql"
    )
    try:
        prepared(backend.create("template"))
        yield backend
    finally:
        backend.close()  # FORCE: a killed client's session may linger


def snapshot(databases, database_url: str) -> dict[str, object]:
    """Every row of the tables an import writes, and the row count of every other table."""
    state: dict[str, object] = {}
    for table in databases.tables(database_url):
        if table in WRITTEN:
            state[table] = sorted(databases.rows(database_url, f"SELECT * FROM {table}"), key=repr)
        else:
            state[table] = databases.rows(database_url, f"SELECT COUNT(*) FROM {table}")[0][0]
    return state


def count(databases, database_url: str, sql: str) -> int:
    return databases.rows(database_url, sql)[0][0]


# ---------------------------------------------------------------------------- the test


def killed_midway(database_url: str, path: Path, point: str, marker: Path, *options: str) -> str:
    """Start the import paused at `point`, kill it there; the marker's text."""
    hook = {**POINTS[point], import_pause.MARKER: str(marker), import_pause.SECONDS: "120"}
    process = manage(
        database_url,
        "import_report",
        str(path),
        "--publish",
        *options,
        settings=import_pause.SETTINGS,
        extra_env=hook,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            if process.poll() is not None:
                out, err = process.communicate()
                pytest.fail(f"the import ended before pausing ({process.returncode}):\n{out}{err}")
            assert time.monotonic() < deadline, "the import never reached the pause"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return marker.read_text()


@pytest.mark.parametrize("point", list(POINTS))
def test_import_killed_midway_changes_nothing_and_the_next_run_succeeds(
    databases, report, point, tmp_path
):
    path, rows = report
    name = point.replace(" ", "_")
    database_url = databases.create(name, template="template")
    before = snapshot(databases, database_url)

    paused = killed_midway(database_url, path, point, tmp_path / "paused")

    # The kill came inside the transaction, with figures written but not committed.
    written = PAUSE_AFTER_ROWS if point.startswith("after") else rows
    assert paused == f"{point}: {written} village figures, not committed"
    assert snapshot(databases, database_url) == before

    again = manage(database_url, "import_report", str(path), "--publish", "--language", "en")
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.splitlines()[-1].startswith("Import #")
    assert count(databases, database_url, "SELECT COUNT(*) FROM units_villagefigure") == rows
    assert count(databases, database_url, "SELECT COUNT(*) FROM units_village") == rows
    imported = "SELECT COUNT(*) FROM imports_importrun WHERE outcome = 'imported'"
    assert count(databases, database_url, imported) == 1
    assert count(databases, database_url, "SELECT COUNT(*) FROM units_coverage") > 0


def test_a_replace_killed_after_moving_the_old_figures_aside_keeps_them(
    databases, report, tmp_path
):
    """A replace first moves the held figures into the history (ReplacedFigures), then writes
    the new ones: killed in between, the old figures are still the ones shown, and the history
    has no trace of the attempt."""
    path, rows = report
    changed = tmp_path / "changed.xlsx"
    assert report_write(changed, members=6) == rows
    database_url = databases.create("replace_killed", template="template")
    first = manage(database_url, "import_report", str(path), "--publish")
    assert first.returncode == 0, first.stdout + first.stderr
    before = snapshot(databases, database_url)

    point = "after 100 figure rows"
    paused = killed_midway(database_url, changed, point, tmp_path / "paused", "--replace")

    # In the transaction: the held figures deleted (moved aside), 100 new ones written.
    assert paused == f"{point}: {PAUSE_AFTER_ROWS} village figures, not committed"
    assert snapshot(databases, database_url) == before
    members = "SELECT SUM(members) FROM units_villagefigure"
    assert count(databases, database_url, members) == 5 * rows

    again = manage(database_url, "import_report", str(changed), "--replace", "--publish")
    assert again.returncode == 0, again.stdout + again.stderr
    assert count(databases, database_url, members) == 6 * rows
    replaced = "SELECT COUNT(*) FROM imports_importrun WHERE outcome = 'replaced'"
    assert count(databases, database_url, replaced) == 1
