"""A person filters the coverage table and downloads it: the files hold the rows on screen, then
the totals row under them, as the page shows it."""

import csv
import io

import pytest
from openpyxl import load_workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screen_rows(page, part: str = "tbody") -> list[list[str]]:
    rows = page.locator(f"table.coverage {part} tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_filter_then_export_csv_and_xlsx_gives_the_rows_on_screen(live_server, page, demo_loaded):
    page.goto(f"{live_server.url}/coverage/")
    page.get_by_label("Số liệu tại ngày").select_option("2017-12-31")
    page.get_by_label("Mỗi dòng là một").select_option("village")
    page.get_by_label("Tình trạng").select_option("no_members")
    page.get_by_role("button", name="Xem").click()
    on_screen = screen_rows(page)
    names = [row[0] for row in on_screen]
    totals = screen_rows(page, "tfoot")[0]  # "Tổng cộng", …, the statuses, the members
    assert len(names) == 23  # the article's 23 white villages at 31/12/2017
    assert "date=2017-12-31" in page.url and "status=no_members" in page.url

    with page.expect_download() as download:
        page.locator("#download-csv").click()
    text = download.value.path().read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    lines = [line for line in text[1:].splitlines() if not line.startswith("#")]
    records = list(csv.DictReader(io.StringIO("\n".join(lines))))
    village_column = next(
        key for key in records[0] if "thôn" in key.lower() or "village" in key.lower()
    )
    assert [r[village_column] for r in records] == names + [totals[0]]
    assert records[-1]["Tình trạng"] == totals[-2]

    with page.expect_download() as download:
        page.locator("#download-xlsx").click()
    data = io.BytesIO(download.value.path().read_bytes())
    sheet = load_workbook(data, read_only=True).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, row in enumerate(values) if row and village_column in row)
    column = values[header_index].index(village_column)
    assert [row[column] for row in values[header_index + 1 :] if row[column]] == names + [totals[0]]
