"""What each row under a table's header is: a village (or unit), a section opening a district or
a commune, a subtotal, a total; blank rows and the lines under the table left out.

Section rows are Roman numerals or names beginning with a unit's kind ("Huyện …", "Xã …",
"Đặc khu …"); totals and subtotals are told by their first words ("Tổng cộng", "Cộng xã"); the
words are in `imports.vocabulary` (docs/import-format.md, "Must tolerate").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from units.domain.names import fold

from . import fields as f
from . import vocabulary as v
from .cells import cell_text
from .values import looks_like_count, looks_like_mark, looks_like_status


class RowKind(StrEnum):
    ENTRY = "entry"  # a village (village report) or a unit (unit summary)
    SECTION = "section"  # opens a district or a commune; its figures are a subtotal
    SUBTOTAL = "subtotal"  # "Cộng", "Cộng xã", "Cộng (I)"
    TOTAL = "total"  # "Tổng cộng", "Toàn tỉnh"


class SectionLevel(StrEnum):
    """The part of a sheet a section or subtotal row is about."""

    DISTRICT = "district"
    COMMUNE = "commune"
    SHEET = "sheet"


@dataclass(slots=True)
class TableRow:
    kind: RowKind
    index: int  # 0-based row of the sheet
    number: str  # the STT cell as text
    name: str  # the name cell (or the label of a total written in the STT column)
    level: SectionLevel | None = None  # for sections and subtotals; None: a Roman numeral alone

    @property
    def excel_row(self) -> int:
        return self.index + 1


_ROMAN = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROW_NUMBER = re.compile(r"^\d+[.)]?$")


def is_roman(text: str) -> bool:
    return bool(_ROMAN.match(text.strip().lower()))


def table_rows(table) -> list[TableRow]:
    """The rows of the table, classified; blank rows and the lines under the table left out.

    A row belongs to the table when it has a row number, a section or total label, a number in a
    count column or a status. Rows after the last such row, or from a signature-block line on,
    are not part of the table.
    """
    sheet = table.sheet
    name_column = table.columns.get(f.VILLAGE) or table.columns.get(f.UNIT)
    number_column = table.columns.get(f.ROW_NUMBER)
    filled = _filled_rows(table)
    numbers = _values(sheet, filled, number_column)
    names = _values(sheet, filled, name_column)
    rows: list[TableRow] = []
    pending: list[TableRow] = []  # rows that belong to the table only if a table row follows
    classify = _Classifier()
    for index, number_value, name_value in zip(filled, numbers, names, strict=True):
        row, is_number = classify(index, number_value, name_value)
        if row.kind == RowKind.ENTRY and not is_number and not _has_figures(table, index):
            if _is_footer(sheet.rows[index]):
                break
            pending.append(row)
            continue
        if pending:
            rows.extend(pending)
            pending = []
        rows.append(row)
    return rows


def _values(sheet, indexes: list[int], column) -> list:
    if column is None:
        return [""] * len(indexes)
    cells = sheet.column(column.index)
    return [cells[index] for index in indexes]


def _filled_rows(table) -> list[int]:
    """The rows under the header with a value in a column of a known field (the note aside),
    found column by column."""
    start, sheet = table.body_start, table.sheet
    if start >= len(sheet.rows):
        return []
    data_columns = [column.index for key, column in table.columns.items() if key != f.NOTE]
    filled = np.zeros(len(sheet.rows) - start, dtype=bool)
    for index in data_columns:
        filled |= _filled(sheet.column(index)[start:])
    return (np.flatnonzero(filled) + table.body_start).tolist()


def _filled(values: list) -> np.ndarray:
    """Whether each cell holds anything: not empty, not None, not only spaces."""
    array = np.array(values, dtype=object)
    filled = (array != "") & np.not_equal(array, None)
    blank = {value for value in set(values) if type(value) is str and not value.strip()}
    blank.discard("")
    if blank:  # rare: a cell of spaces
        filled &= np.fromiter((value not in blank for value in values), bool, len(values))
    return filled


class _Classifier:
    """Rows classified from their row-number and name cells, each distinct pair of cell values
    worked out once (row numbers repeat, and so do names across the sheets of a workbook)."""

    def __init__(self) -> None:
        self.done: dict[tuple, tuple] = {}

    def __call__(self, index: int, number_value: object, name_value: object) -> tuple:
        """The row, and whether its STT cell holds a row number."""
        key = (type(number_value), number_value, type(name_value), name_value)
        found = self.done.get(key)
        if found is None:
            number, name = cell_text(number_value), cell_text(name_value)
            is_number = bool(_ROW_NUMBER.match(number))
            row = _row_classify(index, number, is_number, is_roman(number), name)
            found = self.done[key] = (row.kind, number, row.name, row.level, is_number)
        kind, number, label, level, is_number = found
        return TableRow(kind, index, number, label, level), is_number


def row_classify(index: int, number: str, name: str) -> TableRow:
    """What a row is, from its row-number cell and how its label begins."""
    return _row_classify(index, number, bool(_ROW_NUMBER.match(number)), is_roman(number), name)


def _row_classify(index: int, number: str, is_number: bool, roman: bool, name: str) -> TableRow:
    label = name or ("" if is_number or roman else number)
    kind, level = label_kind(" ".join(label.split()[:2]))
    if kind == RowKind.ENTRY and not is_number and number and roman:
        kind, level = RowKind.SECTION, None  # "II | Mường Chà": a section of unsaid level
    return TableRow(kind, index, number, label, level)


@functools.lru_cache(maxsize=8192)
def label_kind(first_words: str) -> tuple[RowKind, SectionLevel | None]:
    """Total, subtotal, section or entry, from the first two words of a label.

    Cached: village names share their first words ("Bản Nậm …", "Thôn …"), so a 100,000-row
    report folds a few thousand prefixes, not 100,000 names.
    """
    folded = fold(first_words)
    if v.TOTAL_LABEL.match(folded):
        total_of = SectionLevel.DISTRICT if folded == "toan huyen" else SectionLevel.SHEET
        return RowKind.TOTAL, total_of
    if v.SUBTOTAL_LABEL.match(folded):
        return RowKind.SUBTOTAL, _subtotal_level(folded)
    level = _section_level(folded)
    if level is not None:
        return RowKind.SECTION, level
    return RowKind.ENTRY, None


def _subtotal_level(folded: str) -> SectionLevel | None:
    if v.COMMUNE_SUBTOTAL_LABEL.match(folded):
        return SectionLevel.COMMUNE
    if v.DISTRICT_SUBTOTAL_LABEL.match(folded):
        return SectionLevel.DISTRICT
    return None  # a bare "Cộng": the innermost open section


def _section_level(folded: str) -> SectionLevel | None:
    """ "Xã …", "Phường …", "Đặc khu …" open a commune; "Huyện …", "Thành phố …" a district."""
    for kinds, level in (
        (v.COMMUNE_SECTION_KINDS, SectionLevel.COMMUNE),
        (v.DISTRICT_SECTION_KINDS, SectionLevel.DISTRICT),
    ):
        for kind in kinds:
            if folded == kind or folded.startswith((kind + " ", kind + ".")):
                return level
    return None


def _has_figures(table, index: int) -> bool:
    for key, column in table.columns.items():
        value = table.sheet.cell(index, column.index)
        if (index, column.index) in table.sheet.formulas_without_value:
            return True
        kind = f.field_for(table.shape, key).kind
        if kind == f.Kind.COUNT and looks_like_count(value):
            return True
        if kind == f.Kind.STATUS and looks_like_status(value):
            return True
        if kind == f.Kind.MARK and looks_like_mark(value):
            return True
    return False


def _is_footer(cells: list[object]) -> bool:
    return any(
        v.FOOTER_LABEL.match(fold(cell_text(value))) for value in cells if isinstance(value, str)
    )
