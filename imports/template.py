"""The downloadable village-report template, generated from `imports.fields` so that it is always
in step with the importer: title block, reference-date line, two header rows with "Trong đó"
merged over its children, the column-number row, and a sheet of instructions.
"""

from __future__ import annotations

import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .fields import VILLAGE_FIELDS, Field, Kind

TITLE = "BAN TỔ CHỨC TỈNH ỦY ……………"
HEADING = "BIỂU THỐNG KÊ THÔN, BẢN, TỔ DÂN PHỐ CÓ ĐẢNG VIÊN, CÓ CHI BỘ"
DATE_LINE = "Số liệu tính đến ngày {date}"
DATE_PLACEHOLDER = "…/…/……"
HEADER_ROW = 5  # rows 1–3: title block and date line; row 4 blank
WIDTHS = {Kind.TEXT: 14, Kind.COUNT: 11, Kind.STATUS: 20}
NAME_WIDTH = 28
INSTRUCTIONS = (
    "Hướng dẫn",
    "Mỗi thôn, bản, tổ dân phố một dòng, dưới dòng của xã (\u201cXã …\u201d) và của huyện "
    "(\u201cI | Huyện …\u201d; từ 1/7/2025 không còn huyện: xã ghi trực tiếp).",
    "Tình trạng chi bộ: \u201cCó chi bộ độc lập\u201d, \u201cSinh hoạt ghép\u201d hoặc "
    "\u201cChưa có đảng viên\u201d.",
    "Tổng số đảng viên = Chính thức + Dự bị. Chi bộ độc lập cần ít nhất 3 đảng viên chính thức.",
    "Dòng cộng (\u201cCộng xã\u201d, \u201cTổng cộng\u201d) được đối chiếu với tổng các dòng, "
    "không nhập như một thôn.",
)


def template_fields() -> list[Field]:
    return [field for field in VILLAGE_FIELDS if field.in_template]


def template_workbook(*, date: datetime.date | None = None) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Biểu"
    fields = template_fields()
    date_text = date.strftime("%d/%m/%Y") if date else DATE_PLACEHOLDER
    for line in (TITLE, HEADING, DATE_LINE.format(date=date_text)):
        sheet.append([line])
    sheet["A1"].font = sheet["A2"].font = Font(bold=True)
    header_rows = _header_write(sheet, fields)
    numbers_row = HEADER_ROW + header_rows
    for column, number in enumerate(column_numbers(fields), start=1):
        sheet.cell(row=numbers_row, column=column, value=number)
    _style(sheet, fields, numbers_row)
    _instructions(workbook)
    return workbook


def column_numbers(fields: list[Field]) -> list[str]:
    """A, B, C for the columns before the first count, then 1, 2, 3 … (as reports number them)."""
    first_count = next(i for i, field in enumerate(fields) if field.kind == Kind.COUNT)
    letters = [get_column_letter(i + 1) for i in range(first_count)]
    return letters + [str(n) for n in range(1, len(fields) - first_count + 1)]


def _header_write(sheet: Worksheet, fields: list[Field]) -> int:
    """The header, on two rows when some field has a parent; returns the number of rows."""
    two_rows = any(field.template_parent for field in fields)
    column = 1
    while column <= len(fields):
        field = fields[column - 1]
        parent = field.template_parent
        if parent:
            span = 1
            while (
                column + span <= len(fields) and fields[column + span - 1].template_parent == parent
            ):
                span += 1
            sheet.cell(row=HEADER_ROW, column=column, value=parent)
            sheet.merge_cells(
                start_row=HEADER_ROW,
                start_column=column,
                end_row=HEADER_ROW,
                end_column=column + span - 1,
            )
            for offset in range(span):
                label = fields[column + offset - 1].label
                sheet.cell(row=HEADER_ROW + 1, column=column + offset, value=label)
            column += span
            continue
        sheet.cell(row=HEADER_ROW, column=column, value=field.label)
        if two_rows:
            sheet.merge_cells(
                start_row=HEADER_ROW, start_column=column, end_row=HEADER_ROW + 1, end_column=column
            )
        column += 1
    return 2 if two_rows else 1


def _style(sheet: Worksheet, fields: list[Field], last_header_row: int) -> None:
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in sheet.iter_rows(min_row=HEADER_ROW, max_row=last_header_row):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = centred
    for index, field in enumerate(fields, start=1):
        width = NAME_WIDTH if index == 2 else WIDTHS.get(field.kind, 14)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=last_header_row + 1, column=1)


def _instructions(workbook: Workbook) -> None:
    """A second sheet with the rules in a sentence each; the importer skips it (no table)."""
    sheet = workbook.create_sheet("Hướng dẫn")
    for line in INSTRUCTIONS:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110
