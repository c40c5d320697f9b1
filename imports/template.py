"""The downloadable village-report template, generated from `imports.fields` so that it is always
in step with the importer: title block, reference-date line, two header rows with "Trong đó"
merged over its children, the column-number row, example rows, and a sheet of instructions.

The example rows (issue 13) show a commune section, one village of each status and the
commune's subtotal. Their names are no real unit's ("Xã Ví Dụ"), so a template sent back with
them still in is refused ("Xã Ví Dụ is not a commune of …"), never imported.
"""

from __future__ import annotations

import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import fields as f
from .fields import VILLAGE_FIELDS, Field, Kind

TITLE = "BAN TỔ CHỨC TỈNH ỦY ……………"
HEADING = "BIỂU THỐNG KÊ THÔN, BẢN, TỔ DÂN PHỐ CÓ ĐẢNG VIÊN, CÓ CHI BỘ"
DATE_LINE = "Số liệu tính đến ngày {date}"
DATE_PLACEHOLDER = "…/…/……"
HEADER_ROW = 5  # rows 1–3: title block and date line; row 4 blank
WIDTHS = {Kind.TEXT: 14, Kind.COUNT: 11, Kind.STATUS: 20}
NAME_WIDTH = 28
EXAMPLE_NOTE = "Dòng ví dụ: xoá các dòng ví dụ trước khi điền"
# One village of each status under a commune section, then the commune's subtotal: by field key,
# so that the rows follow the columns whatever their order.
EXAMPLE_ROWS: tuple[dict[str, object], ...] = (
    {f.ROW_NUMBER: "1", f.VILLAGE: "Xã Ví Dụ", f.NOTE: EXAMPLE_NOTE},
    {
        f.ROW_NUMBER: 1,
        f.VILLAGE: "Bản Ví Dụ 1",
        f.MEMBERS: 14,
        f.FULL_MEMBERS: 12,
        f.PROBATIONARY_MEMBERS: 2,
        f.STATUS: "Có chi bộ độc lập",
        f.ADMISSIONS: 1,
    },
    {
        f.ROW_NUMBER: 2,
        f.VILLAGE: "Bản Ví Dụ 2",
        f.MEMBERS: 2,
        f.FULL_MEMBERS: 2,
        f.PROBATIONARY_MEMBERS: 0,
        f.STATUS: "Sinh hoạt ghép",
        f.HOST: "Bản Ví Dụ 1",
        f.ADMISSIONS: 0,
    },
    {
        f.ROW_NUMBER: 3,
        f.VILLAGE: "Bản Ví Dụ 3",
        f.MEMBERS: 0,
        f.FULL_MEMBERS: 0,
        f.PROBATIONARY_MEMBERS: 0,
        f.STATUS: "Chưa có đảng viên",
        f.ADMISSIONS: 0,
    },
    {
        f.VILLAGE: "Cộng xã",
        f.MEMBERS: 16,
        f.FULL_MEMBERS: 14,
        f.PROBATIONARY_MEMBERS: 2,
        f.ADMISSIONS: 1,
    },
)
INSTRUCTIONS = (
    "Hướng dẫn",
    "Các dòng in nghiêng dưới tiêu đề là ví dụ (Xã Ví Dụ): xoá chúng rồi điền số liệu của đơn vị.",
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


def template_workbook(*, date: datetime.date | None = None, examples: bool = True) -> Workbook:
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
    if examples:
        _examples_write(sheet, fields, numbers_row + 1)
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


def _examples_write(sheet: Worksheet, fields: list[Field], first_row: int) -> None:
    """The example rows, in grey italics so that they read as an example."""
    example = Font(italic=True, color="808080")
    for offset, values in enumerate(EXAMPLE_ROWS):
        for column, field in enumerate(fields, start=1):
            value = values.get(field.key)
            if value is not None:
                sheet.cell(row=first_row + offset, column=column, value=value).font = example


def _instructions(workbook: Workbook) -> None:
    """A second sheet with the rules in a sentence each; the importer skips it (no table)."""
    sheet = workbook.create_sheet("Hướng dẫn")
    for line in INSTRUCTIONS:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110
