"""What a workbook is once read: sheets of plain cell values, and the columns found in them.

The types every step of an import shares (the reader makes them, the layout and the validation
read them, the issues point into them), kept apart so that no step imports another to name them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

# Why a sheet was left out of the report (`SkippedSheet`): the preview and the command line say
# it beside the sheet's name, so that a sheet of villages left out by mistake is seen as such.
HIDDEN = _("hidden")
NOT_A_WORKSHEET = _("a chart or macro sheet, not a table")
NO_TABLE = _("no table of villages found")
HEADER_INCOMPLETE = _("its header lacks a required column")


class ColumnRows(Sequence):
    """A sheet's rows, held as its columns: a row is put together when it is asked for.

    The reader's child process hands a sheet over by columns (imports.reader): the checks read
    whole columns, and only a few rows are read as rows (the title, the header, a footer, a
    row an issue shows). Unpickling 111,000 rows as lists, then turning them into columns,
    cost a national report's import 0.16 s; its columns arrive in 0.06 s."""

    def __init__(self, columns: list[list[Any]], height: int) -> None:
        self.columns = columns
        self.height = height

    def __len__(self) -> int:
        return self.height

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[at] for at in range(*index.indices(self.height))]
        if index < 0:
            index += self.height
        if not 0 <= index < self.height:
            raise IndexError(index)
        return [column[index] for column in self.columns]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


@dataclass
class Sheet:
    """One worksheet's cells. `rows[0]` is Excel row 1, `rows[r][0]` is column A."""

    name: str
    rows: Sequence[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)  # (row, col)
    formula_errors: dict[tuple[int, int], str] = field(default_factory=dict)  # "#REF!" of those
    _columns: dict[int, list[Any]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_columns(
        cls, name: str, columns: list[list[Any]], height: int, merged: list | None = None
    ) -> Sheet:
        """A sheet whose rows are all as wide, given as its columns (`ColumnRows`)."""
        sheet = cls(name, ColumnRows(columns, height), merged or [])
        sheet._columns.update(enumerate(columns))
        return sheet

    def cell(self, row: int, column: int) -> Any:
        if column in self._columns:
            cells = self._columns[column]
            return cells[row] if row < len(cells) else ""
        cells = self.rows[row] if row < len(self.rows) else ()
        return cells[column] if column < len(cells) else ""

    def column(self, at: int) -> list[Any]:
        """Every row's cell in column `at` ("" past a short row's end): the sheet turned into
        columns once, for the steps that check a column at a time."""
        if at not in self._columns:
            if isinstance(self.rows, ColumnRows):  # every column is held: this one is past them
                self._columns[at] = [""] * len(self.rows)
                return self._columns[at]
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
    skipped: list[SkippedSheet] = field(default_factory=list)  # hidden sheets and chart sheets


@dataclass(frozen=True)
class SkippedSheet:
    """A sheet the import leaves out, and why: "Ghi chú (no table of villages found)"."""

    name: str
    why: Any  # one of HIDDEN, NOT_A_WORKSHEET, NO_TABLE, HEADER_INCOMPLETE (lazy texts)

    def __str__(self) -> str:
        return f"{self.name} ({self.why})"


class SheetSource(Protocol):
    """What the layout reads sheets from: a `Workbook`, or a workbook still being read
    (`imports.reader.WorkbookReading`), whose `skipped` is complete once its sheets are."""

    sheets: Iterable[Sheet]
    skipped: list[SkippedSheet]


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
