"""Exports larger than one read of rows, as a server streams them: after the view has returned,
in the request's read transaction, which the stream keeps open to its last piece (hence
`transaction=True`: inside a test's own transaction the middleware would open none). The demo's
1,813 villages are made larger than one read by setting the chunk to 100 rows; national exports
are larger than the real one.

An import that commits while such an export streams is in none of it: neither in its rows nor
in its totals."""

import csv
import io
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields, replace

import openpyxl
import pytest
from django.db import connection, connections
from django.http import QueryDict

from units.models import Status, VillageFigure
from units.reads.coverage_table import Totals, coverage_table, coverage_totals
from units.templatetags.coverage import village_totals

pytestmark = pytest.mark.django_db(transaction=True)
QUERY = "date=2017-12-31&group=village"


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr("units.reads.coverage_table.EXPORT_CHUNK", 100)


def download(client, export: str) -> bytes:
    client.cookies["django_language"] = "en"
    response = client.get(f"/coverage/?{QUERY}&format={export}")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_csv_of_many_chunks_streams_every_row_then_the_aggregates_totals(
    client, demo_loaded, small_chunks
):
    rows = list(csv.reader(io.StringIO(download(client, "csv").decode().removeprefix("\ufeff"))))
    body, totals = rows[1:-1], rows[-1]
    aggregate = coverage_totals(coverage_table(params=QueryDict(QUERY)).queryset)
    assert len(body) == aggregate.villages == 1813
    assert len({row[7] + row[5] for row in body}) > 1700  # not the first chunk over again
    assert totals[7] == "Total" and int(totals[9]) == aggregate.members


def test_a_json_of_many_chunks_streams_every_row(client, demo_loaded, small_chunks):
    """On PostgreSQL the first chunk's cursor closed with the view's transaction: the JSON
    export of more than one chunk (any national table of villages) broke after 2,000 rows."""
    data = json.loads(download(client, "json"))
    assert len(data["rows"]) == data["totals"]["rows"] == 1813
    assert sum(row["members"] for row in data["rows"]) == data["totals"]["members"]


def test_an_xlsx_of_many_chunks_has_every_row_and_the_totals(client, demo_loaded, small_chunks):
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx"))).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    body, totals = rows[:-1], rows[-1]
    assert len(body) == 1813 and totals[7] == "Total"
    assert totals[9] == sum(row[9] for row in body)


# ---------------------------------------------------------------------------- one snapshot

# Where a commit from elsewhere lands: after the view has read the totals (and, for the JSON,
# written them in its head) but before the first row is sent; or once the first piece is sent.
MOMENTS = ("before the first piece", "after the first piece")
ADDED = 1000  # members added to the village whose figure the commit changes
# On SQLite a second connection to the in-memory test database is refused at once (its shared
# cache locks tables): the export reads a file copy instead, opened with the project's options,
# so in WAL mode (partystats/settings/base.py), where a writer commits beside the readers.
STORES = ("file",) if connection.vendor == "sqlite" else ("postgresql",)


@pytest.fixture(params=STORES)
def store(request, demo_loaded) -> Iterator[str]:
    """The database the export reads: PostgreSQL's test database, or a file copy of SQLite's
    in-memory one, the default connection pointed at it (`database_file`, tests/conftest.py)."""
    if request.param == "file":
        request.getfixturevalue("database_file")
    yield request.param


def figure_changed() -> VillageFigure:
    """A village with its own cell and its members split (the change keeps the database's
    checks), among the last rows of the table."""
    return (
        VillageFigure.objects.filter(
            period__date="2017-12-31", status=Status.OWN_CELL, full_members__isnull=False
        )
        .order_by("-commune__code")
        .first()
    )


def commit_elsewhere(reader, figure: VillageFigure, outcome: list) -> None:
    """The village now attends a joined cell and has `ADDED` members more: committed by a
    connection of this thread's own to the reader's database, as an import in another worker
    would."""
    other = type(reader)(reader.settings_dict, alias="elsewhere")
    try:
        with other.cursor() as cursor:  # autocommit: committed when the UPDATE ends
            cursor.execute(
                f"UPDATE {VillageFigure._meta.db_table} SET status = %s,"
                " members = members + %s, full_members = full_members + %s WHERE id = %s",
                [Status.JOINED, ADDED, ADDED, figure.id],
            )
        outcome.append("committed")
    except Exception as error:
        outcome.append(error)
    finally:
        other.close()


def streamed_with_a_commit(client, export: str, moment: str, figure) -> tuple[bytes, bool]:
    """The export's body, with a commit made elsewhere at `moment`; and whether the commit had
    landed before the rest of the body was read."""
    response = client.get(f"/coverage/?{QUERY}&format={export}")
    assert response.status_code == 200 and response.streaming
    pieces = iter(response.streaming_content)
    body = [next(pieces)] if moment == "after the first piece" else []
    outcome: list = []
    writer = threading.Thread(
        target=commit_elsewhere, args=(connections["default"], figure, outcome)
    )
    writer.start()
    writer.join(timeout=3)
    landed_mid_stream = not writer.is_alive()
    body.extend(pieces)
    writer.join(timeout=60)
    assert outcome == ["committed"]
    return b"".join(body), landed_mid_stream


def added_up(rows: list[tuple[str, int | None]]) -> Totals:
    """The totals of village rows, (status, members) each."""
    statuses = Counter(status for status, _ in rows)
    reported = [members for _, members in rows if members is not None]
    counts = {status.value: statuses[status.value] for status in Status}
    return Totals(rows=len(rows), villages=len(rows), **counts, members=sum(reported))


def rows_and_totals(export: str, body: bytes) -> tuple[Totals, tuple]:
    """What the body's rows add up to, and what its totals say: the JSON's head; the CSV's last
    row, its sentence and members, with the rows' statuses in words."""
    if export == "json":
        data = json.loads(body)
        rows = [(row["status"], row["members"]) for row in data["rows"]]
        # The synthetic villages are counted in the source, not the totals: rows do not say it.
        said = {f.name: data["totals"][f.name] for f in fields(Totals) if f.name != "synthetic"}
        return added_up(rows), Totals(**said)
    lines = list(csv.reader(io.StringIO(body.decode().removeprefix("\ufeff"))))
    codes = {str(status.label): status.value for status in Status}
    rows = [(codes[line[8]], int(line[9]) if line[9] else None) for line in lines[1:-1]]
    return added_up(rows), (lines[-1][8], int(lines[-1][9]))


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("export", ["csv", "json"])
def test_a_commit_during_the_download_is_in_neither_its_rows_nor_its_totals(
    client, store, small_chunks, english, monkeypatch, export, moment
):
    """An import commits while an export of many chunks streams: its rows and its totals (the
    JSON's head; the CSV's last row, its sentence included) are all the figures before it.
    Before, the rows were read after the view's snapshot had ended and the totals inside it:
    the rows came out with the import's figures, the totals without."""
    monkeypatch.setattr("units.web.exports.CSV_CHUNK_CHARACTERS", 2000)  # ~20 rows a piece
    client.cookies["django_language"] = "en"
    figure = figure_changed()
    before = coverage_totals(coverage_table(params=QueryDict(QUERY)).queryset)
    body, landed_mid_stream = streamed_with_a_commit(client, export, moment, figure)
    rows, said = rows_and_totals(export, body)
    if export == "csv":
        assert said == (village_totals(rows), rows.members)
    else:
        assert said == rows
    assert rows == replace(before, synthetic=0)  # the rows do not say which are synthetic
    # The commit landed while the export was streaming (in SQLite's rollback journal it waited
    # for the export's read lock to go, then failed: tests/partystats/test_sqlite_wal.py), and
    # is there for the requests after.
    assert landed_mid_stream
    assert VillageFigure.objects.get(pk=figure.pk).members == figure.members + ADDED
