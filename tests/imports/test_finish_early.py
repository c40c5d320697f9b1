"""Sheets finished while the next is read (imports.validate.PreparedSheets): with the date
given or the first a sheet says, and the province the sheet's title names or its names point
to. The outcome must be the same as finishing every sheet at the end, whether the early guess
held or the sheet had to be finished again."""

from __future__ import annotations

import datetime

import pytest
from openpyxl import Workbook

from imports.services import report_preview
from imports.sheet_check import SheetCheck
from imports.validate import PreparedSheets
from tests.workbooks import (
    DATE_LINE,
    JOINED,
    OWN,
    mung_tung_rows,
    section,
    to_file,
    unit,
    village,
    village_report,
    village_sheet,
)
from units.models import Level, Scheme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LAI_CHAU_TITLE = ("BAN TỔ CHỨC TỈNH ỦY LAI CHÂU", "BIỂU THỐNG KÊ THÔN, BẢN")


@pytest.fixture
def two_provinces(province):
    """The small Điện Biên and a Lai Châu with one commune: a title can name the wrong one."""
    lai_chau = unit(Scheme.GSO2004, Level.PROVINCE, "12", "Tỉnh Lai Châu", None)
    phong_tho = unit(Scheme.GSO2004, Level.DISTRICT, "105", "Huyện Phong Thổ", lai_chau)
    unit(Scheme.GSO2004, Level.COMMUNE, "03400", "Xã Mù Sang", phong_tho)
    return province


class Finishes:
    """How many times each sheet was finished (early, at the end, or both)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        finished_by = SheetCheck.finished_by

        def counted(check, finder):
            self.count += 1
            return finished_by(check, finder)

        monkeypatch.setattr(SheetCheck, "finished_by", counted)


def outcome(file, monkeypatch, *, early: bool, date=None) -> tuple:
    """What a preview says and finds: its errors and warnings as the command prints them, its
    entries, communes and sums."""
    with monkeypatch.context() as patch:
        if not early:
            patch.setattr(PreparedSheets, "_finish_early", lambda self, check: None)
        file.seek(0)
        preview = report_preview(path_or_file=file, date=date)
    report = preview.villages
    entries = [
        (e.sheet, e.row, e.name, e.commune.id, e.district and e.district.id, e.status, e.members)
        for e in (report.entries if report else [])
    ]
    communes = [
        (key, seen.sheet, seen.row) for key, seen in (report.communes if report else {}).items()
    ]
    return (
        preview.date,
        [issue.line() for issue in preview.errors],
        [issue.line() for issue in preview.warnings],
        entries,
        communes,
        dict(report.total) if report else {},
    )


def same_either_way(file, monkeypatch, date=None) -> tuple:
    late = outcome(file, monkeypatch, early=False, date=date)
    early = outcome(file, monkeypatch, early=True, date=date)
    assert early == late
    return early


def two_sheets(first_title=None, second_date=DATE_LINE) -> Workbook:
    """Xã Mường Tùng on one sheet and Xã Quài Nưa on another."""
    workbook = village_report(
        sheet_name="Mường Chà", **({"title_lines": first_title} if first_title else {})
    )
    second = workbook.create_sheet("Tuần Giáo")
    rows = [section("I", "Huyện Tuần Giáo"), section("1", "Xã Quài Nưa")]
    rows.append(village(1, "Bản Co Củ", 4, 3, 1, OWN, admissions=1))
    village_sheet(second, rows, date_line=second_date)
    return workbook


def finishes_of(file, monkeypatch, date=None) -> int:
    """How many sheet finishes a preview with early finishing makes."""
    finishes = Finishes(monkeypatch)
    outcome(file, monkeypatch, early=True, date=date)
    return finishes.count


def test_a_sheet_finished_early_is_not_finished_again(two_provinces, monkeypatch):
    file = to_file(two_sheets())
    found = same_either_way(file, monkeypatch)
    assert found[1] == [] and len(found[3]) == 4  # no error; every village read
    assert finishes_of(file, monkeypatch) == 2  # once a sheet


def test_a_title_naming_another_province_is_finished_again_with_the_right_one(
    two_provinces, monkeypatch
):
    """The first sheet's title names Lai Châu, its communes are Điện Biên's: guessed wrong
    early, finished again at the end, the same as if never guessed."""
    file = to_file(two_sheets(first_title=LAI_CHAU_TITLE))
    found = same_either_way(file, monkeypatch)
    assert found[1] == [] and {commune for commune, *_ in found[4]} == {
        two_provinces.muong_tung.id,
        two_provinces.quai_nua.id,
    }
    assert finishes_of(file, monkeypatch) == 3  # the first sheet twice


def test_a_date_given_that_differs_from_the_file_keeps_the_early_finish(province, monkeypatch):
    found = same_either_way(to_file(village_report()), monkeypatch, date=datetime.date(2018, 3, 31))
    assert found[0] == datetime.date(2018, 3, 31)
    assert len(found[1]) == 1
    assert found[1][0].endswith("The file is for 31/12/2017, not for 31/03/2018 as given.")


def test_sheets_of_two_dates_are_finished_with_the_first(province, monkeypatch):
    workbook = two_sheets(second_date="Số liệu tính đến ngày 31/03/2018")
    found = same_either_way(to_file(workbook), monkeypatch)
    assert found[0] == datetime.date(2017, 12, 31)
    assert "This sheet is for 31/03/2018, another sheet for 31/12/2017." in found[1][0]


def test_a_date_given_is_enough_to_finish_early(province, monkeypatch):
    file = to_file(village_report(date_line=None))
    found = same_either_way(file, monkeypatch, date=datetime.date(2017, 12, 31))
    assert found[1] == [] and len(found[3]) == 3
    assert finishes_of(file, monkeypatch, date=datetime.date(2017, 12, 31)) == 1


def test_without_any_date_nothing_is_finished(province, monkeypatch):
    file = to_file(village_report(date_line=None))
    found = same_either_way(file, monkeypatch)
    assert found[0] is None and found[1][0].endswith("give the date of the report.")
    assert finishes_of(file, monkeypatch) == 0


def test_errors_and_warnings_come_in_the_same_order(two_provinces, monkeypatch):
    """Unknown communes, a wrong subtotal, a village without a commune, a status against its
    counts, a new village, across two sheets, one of them guessed in the wrong province."""
    rows = [
        village(1, "Bản Trước Xã", 3, 3, 0, OWN),  # no commune yet
        section("I", "Huyện Mường Chà"),
        section("1", "Xã Mường Tùngg"),  # a typo: not a commune
        village(2, "Bản Ở Xã Sai", 2, 2, 0, JOINED),
        section("2", "Xã Mường Tùng", 99),  # its subtotal is wrong
        *mung_tung_rows()[2:5],
        village(4, "Bản Mới", 1, 1, 0, OWN),  # own cell with 1 member; new
    ]
    workbook = village_report(rows, title_lines=LAI_CHAU_TITLE)
    second = workbook.create_sheet("Tuần Giáo")
    village_sheet(
        second,
        [
            section("1", "Xã Quài Nưa"),
            village(1, "Bản Co Củ", 4, 3, 0, OWN),
            village(2, "", 1, 1, 0, JOINED),
        ],
    )
    found = same_either_way(to_file(workbook), monkeypatch)
    assert len(found[1]) >= 5 and found[2]  # errors of every kind, and warnings
