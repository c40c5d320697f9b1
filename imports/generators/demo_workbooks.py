"""The demo plan written as the village reports staff send (docs/import-format.md, canonical form).

One workbook per reporting date. Before 1/7/2025 one sheet per district, each opened by a
Roman-numeral district row carrying the district's subtotal; from 1/7/2025 one sheet with a
"TỔNG CỘNG" row at the top and the communes directly under the province.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from imports.generators.demo_plan import DemoFigure, DemoPlan, commune_on
from units.models import REFORM_DATE, Status

TITLE = "BAN TỔ CHỨC TỈNH ỦY ĐIỆN BIÊN"
HEADING = "BIỂU THỐNG KÊ THÔN, BẢN, TỔ DÂN PHỐ CÓ ĐẢNG VIÊN, CÓ CHI BỘ"
COLUMNS = (
    "STT",
    "Thôn, bản, TDP",
    "Mã thôn",
    "Tổng số đảng viên",
    "Chính thức",
    "Dự bị",
    "Tình trạng chi bộ",
    "Sinh hoạt ghép với",
    "Kết nạp mới trong kỳ",
    "Ghi chú",
)
NUMBERS = ("A", "B", "C", "1", "2", "3", "4", "5", "6", "7")
STATUS_TEXT = {
    Status.OWN_CELL: "Có chi bộ độc lập",
    Status.JOINED: "Sinh hoạt ghép",
    Status.NO_MEMBERS: "Chưa có đảng viên",
}
HEADER_ROW = 5  # rows 1–3: title block, row 4 blank


def demo_workbooks_write(plan: DemoPlan, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for date, figures in sorted(plan.figures.items()):
        path = folder / f"dien-bien-{date.isoformat()}.xlsx"
        village_report_workbook(date, figures, commune_names(plan, date)).save(path)
        paths.append(path)
    return paths


def commune_names(plan: DemoPlan, date: datetime.date) -> dict[str, str]:
    """Commune code → name at the date. New communes are named after their code's unit."""
    from units.models import Scheme, Unit

    scheme = Scheme.GSO2025 if date >= REFORM_DATE else Scheme.GSO2004
    return dict(Unit.objects.filter(scheme=scheme, level="commune").values_list("code", "name"))


def village_report_workbook(
    date: datetime.date, figures: list[DemoFigure], names: dict[str, str]
) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    if date < REFORM_DATE:
        by_district: dict[str, list[DemoFigure]] = defaultdict(list)
        for figure in figures:
            by_district[figure.village.commune.district].append(figure)
        for district, rows in sorted(by_district.items()):
            sheet = _sheet(workbook, district, date)
            _section(sheet, "I", district, rows)
            _communes(sheet, rows, date, names, roman=False)
    else:
        sheet = _sheet(workbook, "Toàn tỉnh", date)
        _total(sheet, "TỔNG CỘNG", figures)
        _communes(sheet, figures, date, names, roman=True)
    return workbook


def to_roman(number: int) -> str:
    """Section numbers as reports write them: 1 → I, 44 → XLIV."""
    numerals = ((40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text = ""
    for value, numeral in numerals:
        while number >= value:
            text += numeral
            number -= value
    return text


def _sheet(workbook: Workbook, name: str, date: datetime.date) -> Worksheet:
    sheet = workbook.create_sheet(name[:31])
    sheet.append([TITLE])
    sheet.append([HEADING])
    sheet.append([f"Số liệu tính đến ngày {date:%d/%m/%Y}"])
    sheet.append([])
    top = list(COLUMNS)
    top[4], top[5] = "Trong đó", None
    sheet.append(top)
    sheet.append([None, None, None, None, "Chính thức", "Dự bị"])
    sheet.merge_cells(start_row=HEADER_ROW, start_column=5, end_row=HEADER_ROW, end_column=6)
    for column in (1, 2, 3, 4, 7, 8, 9, 10):
        sheet.merge_cells(
            start_row=HEADER_ROW, start_column=column, end_row=HEADER_ROW + 1, end_column=column
        )
    sheet.append(list(NUMBERS))
    for row in sheet.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW + 2):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.column_dimensions["B"].width = 28
    return sheet


def _sums(figures: list[DemoFigure]) -> list[int]:
    return [
        sum(f.members for f in figures),
        sum(f.full_members for f in figures),
        sum(f.probationary_members for f in figures),
    ]


def _section(sheet: Worksheet, number: str, name: str, figures: list[DemoFigure]) -> None:
    members, full, probationary = _sums(figures)
    admissions = sum(f.admissions for f in figures)
    sheet.append([number, name, None, members, full, probationary, None, None, admissions])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _total(sheet: Worksheet, label: str, figures: list[DemoFigure]) -> None:
    _section(sheet, None, label, figures)


def _communes(sheet, figures, date, names, roman: bool) -> None:
    by_commune: dict[str, list[DemoFigure]] = defaultdict(list)
    for figure in figures:
        by_commune[commune_on(figure.village, date)].append(figure)
    ordered = sorted(by_commune.items(), key=lambda item: names.get(item[0], item[0]))
    for index, (code, rows) in enumerate(ordered, start=1):
        _section(sheet, to_roman(index) if roman else str(index), names[code], rows)
        for number, figure in enumerate(sorted(rows, key=lambda f: f.village.name), start=1):
            sheet.append(_village_row(number, figure))


def _village_row(number: int, figure: DemoFigure) -> list:
    host = figure.joined_with.name if figure.joined_with else None
    return [
        number,
        figure.village.name,
        figure.village.code,
        figure.members,
        figure.full_members,
        figure.probationary_members,
        STATUS_TEXT[figure.status],
        host,
        figure.admissions,
        None,
    ]
