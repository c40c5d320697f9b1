"""Recognise a report's layout in a sheet: where the header is, which column is which field, the
reference-date line, the column-number row, and what each row under the header is.

Nothing here reads the database or judges values; `validate` does that with what is found here.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from units.domain.names import COMMUNE_KINDS, DISTRICT_KINDS, fold

from . import fields as f
from .fields import SYNONYMS, UNIT_SUMMARY_SIGNS, Shape, header_key
from .issues import Findings, Issue, cell_text, column_letter
from .reader import Sheet, Workbook
from .values import looks_like_count, looks_like_mark, looks_like_status

HEADER_SEARCH_ROWS = 30  # docs/import-format.md: "the header anywhere in the first 30 rows"
MAX_HEADER_ROWS = 3
MIN_FIELDS_FOR_A_TABLE = 2  # a notes sheet may say "Ghi chú"; a table names at least two fields


NO_HEADER = _(
    "No header row found in the first 30 rows of any sheet. Columns found: %(found)s. "
    "Missing: %(missing)s."
)
REQUIRED_MISSING = _("Required columns missing: %(missing)s. Columns found: %(found)s.")
MIXED_SHAPES = _(
    "This sheet is a %(shape)s, but sheet %(first_sheet)s is a %(first)s: import them separately."
)
SHAPE_NAMES = {Shape.VILLAGE_REPORT: _("village report"), Shape.UNIT_SUMMARY: _("unit summary")}
STATUS_LABEL = _(
    "Tình trạng chi bộ (or the three columns Có chi bộ độc lập, Sinh hoạt ghép, Chưa có đảng viên)"
)


class StatusStyle(StrEnum):
    TEXT = "text"  # one column: "Có chi bộ độc lập" / "Sinh hoạt ghép" / "Chưa có đảng viên"
    MARKS = "marks"  # three columns, one marked per row


@dataclass
class Column:
    index: int
    header: str  # as written in the file (the part that named the field)
    field: str = ""

    @functools.cached_property
    def letter(self) -> str:
        return column_letter(self.index)  # cached: every issue about the column asks for it


@dataclass
class ReferenceDate:
    """The "Số liệu tính đến ngày 31/12/2017" line: the date, or the text that failed to parse."""

    date: datetime.date | None
    row: int  # 0-based
    column: int
    text: str


@dataclass
class Table:
    sheet: Sheet
    shape: Shape
    header_top: int  # 0-based rows
    header_bottom: int
    columns: dict[str, Column]  # field key → column
    extra: list[Column]  # headed columns the importer does not know (ignored)
    status_style: StatusStyle | None = None
    body_start: int = 0
    number_row: int | None = None
    reference: ReferenceDate | None = None

    def required_missing(self) -> list[str]:
        return required_missing(self.shape, self.columns, self.status_style)


def required_missing(
    shape: Shape, columns: dict[str, Column], status_style: StatusStyle | None
) -> list[str]:
    """Required field keys with no column (status counts as present in either style)."""
    fields = f.FIELDS_BY_SHAPE[shape]
    missing = [known.key for known in fields if known.required and known.key not in columns]
    if shape == Shape.VILLAGE_REPORT and status_style is None:
        missing.append(f.STATUS)
    return missing


class RowKind(StrEnum):
    ENTRY = "entry"  # a village (village report) or a unit (unit summary)
    SECTION = "section"  # opens a district or a commune; its figures are a subtotal
    SUBTOTAL = "subtotal"  # "Cộng", "Cộng xã", "Cộng (I)"
    TOTAL = "total"  # "Tổng cộng", "Toàn tỉnh"


class Level(StrEnum):
    DISTRICT = "district"
    COMMUNE = "commune"
    SHEET = "sheet"


@dataclass
class TableRow:
    kind: RowKind
    index: int  # 0-based row of the sheet
    number: str  # the STT cell as text
    name: str  # the name cell (or the label of a total written in the STT column)
    level: Level | None = None  # for sections and subtotals; None: a Roman numeral alone

    @property
    def excel_row(self) -> int:
        return self.index + 1


@dataclass
class HeaderCandidate:
    top: int
    bottom: int
    shape: Shape
    columns: dict[str, Column]
    extra: list[Column]
    status_style: StatusStyle | None
    missing: list[str] = field(default_factory=list)  # required fields with no column

    @property
    def score(self) -> tuple[int, int]:
        return -len(self.missing), len(self.columns)


# ---------------------------------------------------------------------------- header


def header_find(sheet: Sheet) -> HeaderCandidate | None:
    """The header block that names the most fields in the first rows of the sheet.

    Ties go to the block that ends highest (so the column-number row is not taken in), then to
    the block with the fewest rows (so a title line merged across the table is not taken in).
    """
    grid = _header_grid(sheet)
    best: HeaderCandidate | None = None
    for top in range(min(HEADER_SEARCH_ROWS, len(grid))):
        if sum(1 for value in grid[top] if isinstance(value, str) and value.strip()) < 2:
            continue
        for depth in range(1, MAX_HEADER_ROWS + 1):
            bottom = top + depth - 1
            if bottom >= len(grid):
                break
            candidate = _candidate(grid, top, bottom)
            if best is None or _better(candidate, best):
                best = candidate
    return best


def _better(candidate: HeaderCandidate, best: HeaderCandidate) -> bool:
    if candidate.score != best.score:
        return candidate.score > best.score
    if candidate.bottom != best.bottom:
        return candidate.bottom < best.bottom
    return candidate.top > best.top


def _header_grid(sheet: Sheet) -> list[list[object]]:
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


def _candidate(grid: list[list[object]], top: int, bottom: int) -> HeaderCandidate:
    village = _columns_match(grid, top, bottom, Shape.VILLAGE_REPORT)
    summary = _columns_match(grid, top, bottom, Shape.UNIT_SUMMARY)
    if UNIT_SUMMARY_SIGNS & set(summary[0]):
        shape, (columns, extra) = Shape.UNIT_SUMMARY, summary
    else:
        shape, (columns, extra) = Shape.VILLAGE_REPORT, village
    style, columns, extra = _status_style(shape, columns, extra)
    missing = required_missing(shape, columns, style)
    return HeaderCandidate(top, bottom, shape, columns, extra, style, missing)


def _columns_match(
    grid: list[list[object]], top: int, bottom: int, shape: Shape
) -> tuple[dict[str, Column], list[Column]]:
    synonyms = SYNONYMS[shape]
    columns: dict[str, Column] = {}
    extra: list[Column] = []
    for index in range(len(grid[top])):
        texts = _column_texts(grid, top, bottom, index)
        if not texts:
            continue
        matched = _column_field(texts, synonyms)
        if matched and matched[0] not in columns:
            columns[matched[0]] = Column(index, matched[1], matched[0])
        else:
            extra.append(Column(index, " / ".join(texts)))
    return columns, extra


def _column_texts(grid: list[list[object]], top: int, bottom: int, index: int) -> list[str]:
    texts: list[str] = []
    for row in range(top, bottom + 1):
        value = grid[row][index]
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            if not texts or texts[-1] != text:
                texts.append(text)
    return texts


def _column_field(texts: list[str], synonyms: dict[str, str]) -> tuple[str, str] | None:
    """The field a column's header texts name: the lowest text first, then parent + child,
    then the parents ("Trong đó" / "Chính thức" is full members)."""
    candidates = [texts[-1], " ".join(texts), *reversed(texts[:-1])]
    for text in candidates:
        key = synonyms.get(header_key(text))
        if key:
            return key, text
    return None


def _status_style(
    shape: Shape, columns: dict[str, Column], extra: list[Column]
) -> tuple[StatusStyle | None, dict[str, Column], list[Column]]:
    """One status text column wins over mark columns; marks count only as a set of three."""
    if shape != Shape.VILLAGE_REPORT:
        return None, columns, extra
    marks = [key for key in f.MARKS if key in columns]
    if f.STATUS in columns or len(marks) < len(f.MARKS):
        extra = extra + [columns.pop(key) for key in marks]
        return (StatusStyle.TEXT if f.STATUS in columns else None), columns, extra
    return StatusStyle.MARKS, columns, extra


# ---------------------------------------------------------------------------- table


def workbook_tables(workbook: Workbook, findings: Findings) -> tuple[list[Table], list[str]]:
    """The table of every sheet that has one, and the names of the sheets without (skipped).

    A sheet whose header lacks a required field is an error that says what was found and what
    is missing; so is a workbook with no header at all, or with sheets of both shapes.
    """
    tables: list[Table] = []
    skipped = list(workbook.skipped)
    best: HeaderCandidate | None = None
    for sheet in workbook.sheets:
        found = table_find(sheet)
        if isinstance(found, Table):
            tables.append(found)
            continue
        if isinstance(found, HeaderCandidate):
            params = {"missing": _labels(found, missing=True), "found": _labels(found)}
            row = found.top + 1
            findings.add(Issue(REQUIRED_MISSING, params, sheet=sheet.name, row=row))
        else:
            candidate = header_find(sheet)
            if candidate and (best is None or candidate.score > best.score):
                best = candidate
        skipped.append(sheet.name)
    if not tables and not findings.errors:
        found = _labels(best) if best else "—"
        missing = _labels(best, missing=True) if best else _required_labels()
        findings.add(Issue(NO_HEADER, {"found": found or "—", "missing": missing}))
    _shapes_check(tables, findings)
    return tables, skipped


def _labels(candidate: HeaderCandidate, *, missing: bool = False) -> str:
    if missing:
        return ", ".join(_label(candidate.shape, key) for key in candidate.missing)
    return ", ".join(f.field_for(candidate.shape, key).label for key in candidate.columns)


def _label(shape: Shape, key: str) -> str:
    """A missing field's header; the status may be either one column or three."""
    if key == f.STATUS and shape == Shape.VILLAGE_REPORT:
        return str(STATUS_LABEL)
    return f.field_for(shape, key).label


def _required_labels() -> str:
    fields = f.FIELDS_BY_SHAPE[Shape.VILLAGE_REPORT]
    return ", ".join(_label(Shape.VILLAGE_REPORT, fl.key) for fl in fields if fl.required) + (
        ", " + str(STATUS_LABEL)
    )


def _shapes_check(tables: list[Table], findings: Findings) -> None:
    for table in tables[1:]:
        first = tables[0]
        if table.shape != first.shape:
            params = {
                "shape": SHAPE_NAMES[table.shape],
                "first": SHAPE_NAMES[first.shape],
                "first_sheet": first.sheet.name,
            }
            findings.add(Issue(MIXED_SHAPES, params, sheet=table.sheet.name))


def table_find(sheet: Sheet) -> Table | HeaderCandidate | None:
    """The sheet's table; the best header candidate when required fields are missing; None when
    the sheet has no table at all (notes, signatures)."""
    candidate = header_find(sheet)
    if candidate is None or len(candidate.columns) < MIN_FIELDS_FOR_A_TABLE:
        return None
    table = Table(
        sheet,
        candidate.shape,
        candidate.top,
        candidate.bottom,
        candidate.columns,
        sorted(candidate.extra, key=lambda column: column.index),
        candidate.status_style,
    )
    if candidate.missing:
        return candidate
    table.number_row = _number_row(table)
    table.body_start = (table.number_row or table.header_bottom) + 1
    table.reference = reference_date_find(sheet, table.header_top)
    return table


_COLUMN_NUMBER = re.compile(r"^\(?([a-z]{1,2}|\d+)\)?(\s*[=*/+x:-].*)?$", re.I)


def _number_row(table: Table) -> int | None:
    """The row of column numbers under the header (A, B, 1, 2, … or "4=3/1"), if there is one."""
    index = table.header_bottom + 1
    if index >= len(table.sheet.rows):
        return None
    cells = [cell_text(value) for value in table.sheet.rows[index]]
    filled = [text for text in cells if text]
    if len(filled) < 2 or not all(_COLUMN_NUMBER.match(text) for text in filled):
        return None
    return index


# "Số liệu tính đến ngày 31/12/2017", "Tính đến thời điểm 31-12-2017", "ngày 31 tháng 12 năm 2017"
_DATE_WORDS = ("tinh den", "den ngay", "thoi diem", "so lieu")
_NUMERIC_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_WORDED_DATE = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")


def reference_date_find(sheet: Sheet, header_top: int) -> ReferenceDate | None:
    """The reference date from the lines above the header, if one is written there."""
    for index in range(min(header_top, len(sheet.rows))):
        row = sheet.rows[index]
        line = fold(" ".join(cell_text(value) for value in row))
        if not any(word in line for word in _DATE_WORDS):
            continue
        for column, value in enumerate(row):
            found = _date_in(value)
            if found is not None:
                date, text = found
                return ReferenceDate(date, index, column, text)
    return None


def _date_in(value: object) -> tuple[datetime.date | None, str] | None:
    if isinstance(value, datetime.datetime):
        return value.date(), value.strftime("%d/%m/%Y")
    if isinstance(value, datetime.date):
        return value, value.strftime("%d/%m/%Y")
    if not isinstance(value, str):
        return None
    match = _NUMERIC_DATE.search(value) or _WORDED_DATE.search(fold(value))
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day), value.strip()
    except ValueError:
        return None, value.strip()


# ---------------------------------------------------------------------------- rows

_ROMAN = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROW_NUMBER = re.compile(r"^\d+[.)]?$")
# Matched against the first two words of a label, folded ("toan thanh" is "Toàn thành phố").
_TOTAL = re.compile(r"^(tong cong|toan tinh|toan huyen|toan thanh|toan thi|tong so)\b")
_SUBTOTAL = re.compile(
    r"^cong\s*(?:$|[:(\[]|(?:xa|phuong|thi|huyen|thanh|toan)\b|\(?[ivxlc]+\)?$|\d+$)"
)
_DISTRICT_SUBTOTAL = re.compile(r"^cong\s*(huyen|thanh|thi xa|\(?[ivxlc]+\)?$)")
_COMMUNE_SUBTOTAL = re.compile(r"^cong\s*(xa|phuong|thi tran|thi)\b")
# Lines under the table that are no rows of it: the signature block, notes.
_FOOTER = re.compile(
    r"^(nguoi lap bieu|nguoi lap|lap bieu|t/m|tm\.?\s|k/t|kt\.?\s|ghi chu\s*:|noi nhan|"
    r"xac nhan|thu truong|truong ban|pho truong ban|ky ten)"
)


def is_roman(text: str) -> bool:
    return bool(_ROMAN.match(text.strip().lower()))


def _filled(value: object) -> bool:
    return value != "" and value is not None and not (isinstance(value, str) and not value.strip())


def table_rows(table: Table) -> list[TableRow]:
    """The rows of the table, classified; blank rows and the lines under the table left out.

    A row belongs to the table when it has a row number, a section or total label, a number in a
    count column or a status. Rows after the last such row, or from a signature-block line on,
    are not part of the table.
    """
    sheet = table.sheet
    name_column = table.columns.get(f.VILLAGE) or table.columns.get(f.UNIT)
    number_column = table.columns.get(f.ROW_NUMBER)
    data_columns = [c.index for key, c in table.columns.items() if key != f.NOTE]
    rows: list[TableRow] = []
    pending: list[TableRow] = []  # rows that belong to the table only if a table row follows
    for index in range(table.body_start, len(sheet.rows)):
        cells = sheet.rows[index]
        if not any(_filled(cells[c]) for c in data_columns if c < len(cells)):
            continue
        number = cell_text(sheet.cell(index, number_column.index)) if number_column else ""
        name = cell_text(sheet.cell(index, name_column.index)) if name_column else ""
        row = row_classify(index, number, name)
        if row.kind == RowKind.ENTRY and not _has_figures(table, index, number):
            if _is_footer(cells):
                break
            pending.append(row)
            continue
        rows.extend(pending)
        pending = []
        rows.append(row)
    return rows


def row_classify(index: int, number: str, name: str) -> TableRow:
    """What a row is, from its row-number cell and how its label begins."""
    is_number = bool(_ROW_NUMBER.match(number))
    label = name or ("" if is_number or is_roman(number) else number)
    kind, level = label_kind(" ".join(label.split()[:2]))
    if kind == RowKind.ENTRY and not is_number and number and is_roman(number):
        kind, level = RowKind.SECTION, None  # "II | Mường Chà": a section of unsaid level
    return TableRow(kind, index, number, label, level)


@functools.lru_cache(maxsize=8192)
def label_kind(first_words: str) -> tuple[RowKind, Level | None]:
    """Total, subtotal, section or entry, from the first two words of a label.

    Cached: village names share their first words ("Bản Nậm …", "Thôn …"), so a 100,000-row
    report folds a few thousand prefixes, not 100,000 names.
    """
    folded = fold(first_words)
    if _TOTAL.match(folded):
        return RowKind.TOTAL, (Level.DISTRICT if folded == "toan huyen" else Level.SHEET)
    if _SUBTOTAL.match(folded):
        return RowKind.SUBTOTAL, _subtotal_level(folded)
    level = _section_level(folded)
    if level is not None:
        return RowKind.SECTION, level
    return RowKind.ENTRY, None


def _subtotal_level(folded: str) -> Level | None:
    if _COMMUNE_SUBTOTAL.match(folded):
        return Level.COMMUNE
    if _DISTRICT_SUBTOTAL.match(folded):
        return Level.DISTRICT
    return None  # a bare "Cộng": the innermost open section


def _section_level(folded: str) -> Level | None:
    """ "Xã …", "Phường …", "Thị trấn …" open a commune; "Huyện …", "Thành phố …" a district."""
    for kinds, level in ((COMMUNE_KINDS, Level.COMMUNE), (DISTRICT_KINDS, Level.DISTRICT)):
        for kind in kinds:
            if folded == kind or folded.startswith((kind + " ", kind + ".")):
                return level
    return None


def _has_figures(table: Table, index: int, number: str) -> bool:
    if _ROW_NUMBER.match(number):
        return True
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
    return any(_FOOTER.match(fold(cell_text(value))) for value in cells if isinstance(value, str))
