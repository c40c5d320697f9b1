"""Find a report's header in a sheet: the rows that name its columns, and the field each names.

The header may be anywhere in the first 30 rows, over one to three rows with merged parent
cells ("Trong đó" over "Chính thức" / "Dự bị"), in any column order (docs/import-format.md,
"Must tolerate"). Each block of one to three rows is read as a header; the one naming the most
fields wins. Staff may say what a column is where the header does not (`choices`: "this column
is the commune"): the column-mapping step, remembered per set of headers by their signature.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from . import fields as f
from .cells import Column, Sheet
from .fields import Shape, header_field

HEADER_SEARCH_ROWS = 30  # docs/import-format.md: "the header anywhere in the first 30 rows"
MAX_HEADER_ROWS = 3
MIN_FIELDS_FOR_A_TABLE = 2  # a notes sheet may say "Ghi chú"; a table names at least two fields

# Column index → field key ("" leaves the column out): what staff said the columns are.
ColumnChoices = dict[int, str]


class StatusStyle(StrEnum):
    TEXT = "text"  # one column: "Có chi bộ độc lập" / "Sinh hoạt ghép" / "Chưa có đảng viên"
    MARKS = "marks"  # three columns, one marked per row


@dataclass
class HeaderCandidate:
    top: int  # 0-based rows
    bottom: int
    shape: str
    columns: dict[str, Column]  # field key → column
    extra: list[Column]  # headed columns the importer does not know (ignored)
    status_style: StatusStyle | None
    missing: list[str] = field(default_factory=list)  # required fields with no column
    texts: dict[int, str] = field(default_factory=dict)  # column index → its header texts

    @property
    def score(self) -> tuple[int, int]:
        return -len(self.missing), len(self.columns)

    @property
    def signature(self) -> str:
        """What identifies this set of headers from one file to the next: every column's header
        texts, in lower case; not where the header stands (title lines come and go)."""
        return header_signature(self.texts)


def header_signature(texts: dict[int, str]) -> str:
    normalised = [
        [index, " ".join(unicodedata.normalize("NFC", text).lower().split())]
        for index, text in sorted(texts.items())
    ]
    return hashlib.sha256(json.dumps(normalised, ensure_ascii=False).encode()).hexdigest()


def required_missing(
    shape: str, columns: dict[str, Column], status_style: StatusStyle | None
) -> list[str]:
    """Required field keys with no column (status counts as present in either style)."""
    fields = f.FIELDS_BY_SHAPE[shape]
    missing = [known.key for known in fields if known.required and known.key not in columns]
    if shape == Shape.VILLAGE_REPORT and status_style is None:
        missing.append(f.STATUS)
    return missing


def header_find(sheet: Sheet) -> HeaderCandidate | None:
    """The header block that names the most fields in the first rows of the sheet.

    Ties go to the block that ends highest (so the column-number row is not taken in), then to
    the block with the fewest rows (so a title line merged across the table is not taken in).
    The search stops a few rows under a header naming every required field: what follows is the
    table (a 100,000-row report of 63 sheets would try every block of 30 rows of each). Where no
    block names two fields, the row with the most texts (see `_widest_row`).
    """
    grid = header_grid(sheet)
    best: HeaderCandidate | None = None
    for top in range(min(HEADER_SEARCH_ROWS, len(grid))):
        if best is not None and not best.missing and top > best.bottom + MAX_HEADER_ROWS:
            break  # the rows under a complete header are the table's, not a header
        if sum(1 for value in grid[top] if isinstance(value, str) and value.strip()) < 2:
            continue
        for depth in range(1, MAX_HEADER_ROWS + 1):
            bottom = top + depth - 1
            if bottom >= len(grid):
                break
            candidate = _candidate(grid, top, bottom)
            if best is None or _better(candidate, best):
                best = candidate
    if best is not None and len(best.columns) < MIN_FIELDS_FOR_A_TABLE:
        best = _widest_row(grid) or best
    return best


def header_apply(
    sheet: Sheet, candidate: HeaderCandidate, choices: ColumnChoices
) -> HeaderCandidate:
    """The header block `header_find` found, read again with the columns staff chose: their
    choices are for the header they saw, wherever it stands in this file."""
    return _candidate(header_grid(sheet), candidate.top, candidate.bottom, choices)


def _better(candidate: HeaderCandidate, best: HeaderCandidate) -> bool:
    if candidate.score != best.score:
        return candidate.score > best.score
    if candidate.bottom != best.bottom:
        return candidate.bottom < best.bottom
    return candidate.top > best.top


def _widest_row(grid: list[list[object]]) -> HeaderCandidate | None:
    """Where nothing names two fields, the row with the most texts: most likely the header
    staff will say the columns of (a data row has a name and a status, a header every column)."""
    rows = range(min(HEADER_SEARCH_ROWS, len(grid)))
    counts = [
        sum(1 for value in grid[row] if isinstance(value, str) and value.strip()) for row in rows
    ]
    if not counts or max(counts) < 2:
        return None
    row = counts.index(max(counts))
    return _candidate(grid, row, row)


def header_grid(sheet: Sheet) -> list[list[object]]:
    """The first rows with each horizontally merged cell's value copied into every column it
    spans ("Trong đó" over "Chính thức" and "Dự bị"). Vertical merges keep their value on top."""
    height = min(len(sheet.rows), HEADER_SEARCH_ROWS + MAX_HEADER_ROWS)
    width = max((len(row) for row in sheet.rows[:height]), default=0)
    grid = [list(row) + [""] * (width - len(row)) for row in sheet.rows[:height]]
    for r0, c0, _r1, c1 in sheet.merged:
        if r0 >= height or c1 == c0:
            continue
        value = grid[r0][c0]
        for column in range(c0, min(c1 + 1, width)):
            grid[r0][column] = value
    return grid


def _candidate(
    grid: list[list[object]], top: int, bottom: int, choices: ColumnChoices | None = None
) -> HeaderCandidate:
    texts = {
        index: found
        for index in range(len(grid[top]))
        if (found := _column_texts(grid, top, bottom, index))
    }
    village = _columns_match(texts, Shape.VILLAGE_REPORT, choices)
    summary = _columns_match(texts, Shape.UNIT_SUMMARY, choices)
    if f.UNIT_SUMMARY_SIGNS & set(summary[0]):
        shape, (columns, extra) = Shape.UNIT_SUMMARY, summary
    else:
        shape, (columns, extra) = Shape.VILLAGE_REPORT, village
    style, columns, extra = _status_style(shape, columns, extra)
    missing = required_missing(shape, columns, style)
    joined = {index: " / ".join(column_texts) for index, column_texts in texts.items()}
    return HeaderCandidate(top, bottom, shape, columns, extra, style, missing, joined)


def _columns_match(
    texts: dict[int, list[str]], shape: str, choices: ColumnChoices | None
) -> tuple[dict[str, Column], list[Column]]:
    choices = choices or {}
    chosen = {key for key in choices.values() if key}
    columns: dict[str, Column] = {}
    extra: list[Column] = []
    for index, column_texts in texts.items():
        if index in choices:
            matched = _chosen(choices[index], column_texts, shape)
        else:
            matched = _column_field(column_texts, shape)
            if matched and matched[0] in chosen:
                matched = None  # staff gave that field another column
        if matched and matched[0] not in columns:
            columns[matched[0]] = Column(index, matched[1], matched[0])
        else:
            extra.append(Column(index, " / ".join(column_texts)))
    return columns, extra


def _chosen(key: str, texts: list[str], shape: str) -> tuple[str, str] | None:
    """A column staff said is field `key`: its header is all its texts."""
    if not key or key not in {known.key for known in f.FIELDS_BY_SHAPE[shape]}:
        return None
    return key, " / ".join(texts)


def _column_texts(grid: list[list[object]], top: int, bottom: int, index: int) -> list[str]:
    texts: list[str] = []
    for row in range(top, bottom + 1):
        value = grid[row][index]
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            if not texts or texts[-1] != text:
                texts.append(text)
    return texts


def _column_field(texts: list[str], shape: str) -> tuple[str, str] | None:
    """The field a column's header texts name: the lowest text first, then parent + child,
    then the parents ("Trong đó" / "Chính thức" is full members)."""
    candidates = [texts[-1], " ".join(texts), *reversed(texts[:-1])]
    for text in candidates:
        key = header_field(shape, text)
        if key:
            return key, text
    return None


def _status_style(
    shape: str, columns: dict[str, Column], extra: list[Column]
) -> tuple[StatusStyle | None, dict[str, Column], list[Column]]:
    """One status text column wins over mark columns; marks count only as a set of three."""
    if shape != Shape.VILLAGE_REPORT:
        return None, columns, extra
    marks = [key for key in f.MARKS if key in columns]
    if f.STATUS in columns or len(marks) < len(f.MARKS):
        extra = extra + [columns.pop(key) for key in marks]
        return (StatusStyle.TEXT if f.STATUS in columns else None), columns, extra
    return StatusStyle.MARKS, columns, extra
