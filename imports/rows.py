"""What each row under a table's header is: a village (or unit), a section opening a district or
a commune, a subtotal, a total; blank rows and the lines under the table left out.

Section rows are Roman numerals or names beginning with a unit's kind ("Huyện …", "Xã …",
"Đặc khu …"); totals and subtotals are told by their first words ("Tổng cộng", "Cộng xã"); the
words are in `imports.vocabulary` (docs/import-format.md, "Must tolerate").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
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


class TableRows:
    """A table's classified rows, kept as columns (a national report has 100,000 of them, and
    the checks read them a column at a time): the kind, sheet row, STT text, label and level
    of each. `rows[position]` is one row as a `TableRow`, made when asked for."""

    def __init__(self, kinds=(), indexes=(), numbers=(), names=(), levels=()) -> None:
        # Sequences read, never changed (lists or tuples, as made: not copied).
        self.kinds: Sequence[RowKind] = kinds
        self.indexes: Sequence[int] = indexes  # 0-based rows of the sheet
        self.numbers: Sequence[str] = numbers
        self.names: Sequence[str] = names
        self.levels: Sequence[SectionLevel | None] = levels

    def __len__(self) -> int:
        return len(self.kinds)

    def __getitem__(self, position: int | slice) -> TableRow | TableRows:
        if isinstance(position, slice):
            columns = (self.kinds, self.indexes, self.numbers, self.names, self.levels)
            return TableRows(*(column[position] for column in columns))
        return TableRow(
            self.kinds[position],
            self.indexes[position],
            self.numbers[position],
            self.names[position],
            self.levels[position],
        )

    def __iter__(self) -> Iterator[TableRow]:
        return (self[position] for position in range(len(self)))

    def positions(self, kind: RowKind) -> list[int]:
        return [position for position, found in enumerate(self.kinds) if found is kind]


def table_rows(table) -> TableRows:
    """The rows of the table, classified; blank rows and the lines under the table left out.

    A row belongs to the table when it has a row number, a section or total label, a number in a
    count column or a status. Rows after the last such row, or from a signature-block line on,
    are not part of the table.

    Each distinct pair of STT and name cells is classified once (row numbers repeat, and so do
    names); only the rows that may not belong (an entry without a row number) are looked at
    one by one.
    """
    sheet = table.sheet
    name_column = table.columns.get(f.VILLAGE) or table.columns.get(f.UNIT)
    filled = _filled_rows(table)
    numbers = _values(sheet, filled, table.columns.get(f.ROW_NUMBER))
    names = _values(sheet, filled, name_column)
    if not filled:
        return TableRows()
    names = _totals_in_place_columns(table, filled, names)
    keys = _cell_keys(numbers, names)
    classes = {key: _pair_classify(key) for key in set(keys)}
    kinds, texts, labels, levels, doubtful = zip(*map(classes.__getitem__, keys), strict=True)
    kept = _kept(table, filled, doubtful)
    columns = (kinds, filled, texts, labels, levels)
    if len(kept) < len(filled):
        columns = tuple([column[at] for at in kept] for column in columns)
    return TableRows(*columns)


def _totals_in_place_columns(table, filled: list[int], names: list) -> list:
    """The names, with the label of a total or subtotal written in the commune or district
    column where the name cell is empty: with the commune in a column, staff write "Toàn tỉnh"
    in the first name column, the commune's (docs/import-format.md, "Subtotal and total rows").
    A commune's own name there ("Xã Mường Tùng") stays the village row's commune."""
    places = [table.columns.get(key) for key in (f.COMMUNE, f.DISTRICT)]
    places = [_values(table.sheet, filled, column) for column in places if column is not None]
    if not places or f.VILLAGE not in table.columns:
        return names
    names = list(names)
    for at in np.flatnonzero(~_filled(names)).tolist():  # few rows: totals, sections
        for cells in places:
            label = cell_text(cells[at])
            kind, _ = label_kind(" ".join(label.split()[:2]))
            if kind in (RowKind.TOTAL, RowKind.SUBTOTAL):
                names[at] = label
                break
    return names


def _cell_keys(numbers: list, names: list) -> list[tuple]:
    """A key for each row's pair of cells. The cells themselves, unless a cell is a boolean:
    True, 1 and 1.0 are one dict key but not one text."""
    if bool not in set(map(type, numbers)) | set(map(type, names)):
        return list(zip(numbers, names, strict=True))
    return [
        (type(number), number, type(name), name)
        for number, name in zip(numbers, names, strict=True)
    ]


def _pair_classify(key: tuple) -> tuple:
    """(kind, STT text, label, level, doubtful) of a pair: doubtful, an entry without a row
    number, which belongs to the table only if it has figures or a row that does follows."""
    number_value, name_value = (key[1], key[3]) if len(key) == 4 else key
    number, name = cell_text(number_value), cell_text(name_value)
    is_number = bool(_ROW_NUMBER.match(number))
    kind, label, level = _row_classify(number, is_number, is_roman(number), name)
    return kind, number, label, level, kind is RowKind.ENTRY and not is_number


def _kept(table, filled: list[int], doubtful: tuple) -> list[int]:
    """The positions (in `filled`) of the rows that belong to the table. An entry with neither
    a row number nor figures belongs only if a row that belongs on its own comes after it; a
    signature-block line ends the table."""
    end, candidates = len(filled), set()
    for at in [at for at, flag in enumerate(doubtful) if flag]:
        if _has_figures(table, filled[at]):
            continue
        if _is_footer(table.sheet.rows[filled[at]]):
            end = at
            break
        candidates.add(at)
    last = next((at for at in range(end - 1, -1, -1) if at not in candidates), -1)
    if not candidates and end == len(filled):
        return range(end)  # the usual table: every row belongs
    return [at for at in range(end) if at not in candidates or at < last]


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
    for index in data_columns:  # each column looked at only in the rows still found empty
        empty = np.flatnonzero(~filled)
        if not len(empty):
            break
        cells = sheet.column(index)
        filled[empty] = _filled([cells[start + at] for at in empty.tolist()])
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


def _row_classify(number: str, is_number: bool, roman: bool, name: str) -> tuple:
    """(kind, label, level) of a row, from its row-number cell and how its label begins."""
    label = name or ("" if is_number or roman else number)
    kind, level = label_kind(" ".join(label.split()[:2]))
    if kind == RowKind.ENTRY and not is_number and number and roman:
        kind, level = RowKind.SECTION, None  # "II | Mường Chà": a section of unsaid level
    return kind, label, level


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
