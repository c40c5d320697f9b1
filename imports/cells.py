"""What a workbook is once read: sheets of plain cell values, and the columns found in them.

The types every step of an import shares (the reader makes them, the layout and the validation
read them, the issues point into them), kept apart so that no step imports another to name them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Sheet:
    """One worksheet's cells. `rows[0]` is Excel row 1, `rows[r][0]` is column A."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)  # (row, col)
    _columns: dict[int, list[Any]] = field(default_factory=dict, compare=False, repr=False)

    def cell(self, row: int, column: int) -> Any:
        cells = self.rows[row] if row < len(self.rows) else ()
        return cells[column] if column < len(cells) else ""

    def column(self, at: int) -> list[Any]:
        """Every row's cell in column `at` ("" past a short row's end): the sheet turned into
        columns once, for the steps that check a column at a time."""
        if at not in self._columns:
            width = min(map(len, self.rows), default=0)
            if at < width:  # the usual sheet, every row as wide (python-calamine's)
                self._columns.update(enumerate(map(list, zip(*self.rows, strict=False))))
            else:
                self._columns[at] = [row[at] if at < len(row) else "" for row in self.rows]
        return self._columns[at]


@dataclass
class Workbook:
    file_name: str
    size: int
    sha256: str
    format: str  # xlsx, xls, ods, xlsb
    sheets: list[Sheet]
    skipped: list[str] = field(default_factory=list)  # hidden sheets and chart sheets


class SheetSource(Protocol):
    """What the layout reads sheets from: a `Workbook`, or a workbook still being read
    (`imports.reader.WorkbookReading`), whose `skipped` is complete once its sheets are."""

    sheets: Iterable[Sheet]
    skipped: list[str]


@dataclass
class Column:
    """A column of a report's table: where it is, its header as written, the field it holds."""

    index: int
    header: str  # as written in the file (the part that named the field)
    field: str = ""  # a field key (imports.fields); "" for a column the importer does not know

    @functools.cached_property
    def letter(self) -> str:
        return column_letter(self.index)  # cached: every issue about the column asks for it


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26; ValueError for anything that is not column letters."""
    letters = letters.strip().upper()
    if not letters.isascii() or not letters.isalpha() or len(letters) > 3:
        raise ValueError(letters)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def cell_text(value: object) -> str:
    """A cell value as the user would read it back in an error message."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_filled(value: object) -> bool:
    """Whether a cell holds anything: not empty, not only spaces."""
    return value != "" and value is not None and not (isinstance(value, str) and not value.strip())
