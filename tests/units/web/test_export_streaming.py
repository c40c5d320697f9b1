"""Exports larger than one read of rows, as a server streams them: after the view has returned
and its read snapshot's transaction has ended (hence `transaction=True`: in a test's own
transaction the cursors would outlive the view). The demo's 1,813 villages are made larger than
one read by setting the chunk to 100 rows; national exports are larger than the real one."""

import csv
import io
import json

import openpyxl
import pytest
from django.http import QueryDict

from units.reads.coverage_table import coverage_table, coverage_totals

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
