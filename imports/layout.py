"""Recognise a report's layout in each sheet: its header (`header`), the column-number row under
it, the reference-date line above it, and whether the sheet holds a table at all.

Nothing here reads the database or judges values; `validate` does that with what is found here.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from . import fields as f
from .cells import (
    HEADER_INCOMPLETE,
    NO_TABLE,
    Column,
    Sheet,
    SheetSource,
    SkippedSheet,
    cell_text,
)
from .dates import ReferenceDate, reference_date_find
from .fields import Shape
from .header import (
    MIN_FIELDS_FOR_A_TABLE,
    ColumnChoices,
    HeaderCandidate,
    StatusStyle,
    header_apply,
    header_find,
)
from .issues import Findings, Issue, Phrases

NO_HEADER = _(
    "No header row found in the first 30 rows of any sheet. Columns found: %(found)s. "
    "Missing: %(missing)s."
)
REQUIRED_MISSING = _("Required columns missing: %(missing)s. Columns found: %(found)s.")
REQUIRED_MISSING_UNRECOGNISED = _(
    "Required columns missing: %(missing)s. Columns found: %(found)s. Headers not recognised, "
    "with the field each is closest to: %(unrecognised)s."
)
UNRECOGNISED_CLOSEST = _("%(column)s “%(header)s” (closest: %(field)s)")
UNRECOGNISED_FAR = _("%(column)s “%(header)s” (close to no field)")
MIXED_SHAPES = _(
    "This sheet is a %(shape)s, but sheet %(first_sheet)s is a %(first)s: import them separately."
)
SHAPE_NAMES = {Shape.VILLAGE_REPORT: _("village report"), Shape.UNIT_SUMMARY: _("unit summary")}
STATUS_LABEL = _(
    "Tình trạng chi bộ (or the three columns Có chi bộ độc lập, Sinh hoạt ghép, Chưa có đảng viên)"
)


@dataclass
class Table:
    sheet: Sheet
    shape: str
    header_top: int  # 0-based rows
    header_bottom: int
    columns: dict[str, Column]  # field key → column
    extra: list[Column]  # headed columns the importer does not know (ignored)
    status_style: StatusStyle | None = None
    body_start: int = 0
    number_row: int | None = None
    reference: ReferenceDate | None = None


@dataclass
class SheetHeader:
    """A sheet's header as the column-mapping step shows it: every headed column, the field it
    was read as, and the signature that remembers staff's choices for the next file."""

    sheet: str
    signature: str  # of the header as written, before any choice
    shape: str
    columns: list[Column]  # every headed column, in order; `field` "" where none
    chosen: bool  # staff's choices were applied


@dataclass
class Layout:
    tables: list[Table] = field(default_factory=list)
    skipped: list[SkippedSheet] = field(default_factory=list)  # without a table, hidden …
    headers: list[SheetHeader] = field(default_factory=list)  # tables' and failed headers


def workbook_tables(
    workbook: SheetSource,
    findings: Findings,
    *,
    date: datetime.date | None = None,
    choices: ColumnChoices | None = None,
    remembered: Callable[[], dict[str, ColumnChoices]] | None = None,
    on_table: Callable[[Table], None] | None = None,
) -> Layout:
    """The table of every sheet that has one, and the names of the sheets without (skipped).

    `choices` (the command line's `--column`) apply to every sheet; `remembered` choices (asked
    for when the first sheet is there: a file refused before has cost no query) to the sheets
    whose header has their signature. A sheet whose header lacks a required field is an
    error that says what was found and what is missing; so is a workbook with no header at
    all, or with sheets of both shapes. `date` (the one given) chooses the words of the units in
    messages when the sheet has no date line. `on_table` is given each table as it is found,
    while the reader goes on with the next sheet (a `WorkbookReading` hands them over one by
    one; its hidden sheets are known once all are read).
    """
    layout = Layout()
    remembered = functools.cache(remembered) if remembered else None  # one query, if any
    best: HeaderCandidate | None = None
    best_header: SheetHeader | None = None
    for sheet in workbook.sheets:
        candidate, header = _sheet_header(sheet, choices, remembered)
        if candidate is None or len(candidate.columns) < MIN_FIELDS_FOR_A_TABLE:
            if candidate and (best is None or candidate.score > best.score):
                best, best_header = candidate, header
            layout.skipped.append(SkippedSheet(sheet.name, NO_TABLE))
            continue
        layout.headers.append(header)
        if candidate.missing:
            _missing_refuse(sheet, candidate, date, findings)
            layout.skipped.append(SkippedSheet(sheet.name, HEADER_INCOMPLETE))
            continue
        layout.tables.append(table_from(sheet, candidate))
        if on_table is not None:
            on_table(layout.tables[-1])
    layout.skipped = [*workbook.skipped, *layout.skipped]
    if not layout.tables and not findings.errors:
        _no_header_refuse(best, findings)
        if best_header is not None:
            layout.headers.append(best_header)
    _shapes_check(layout.tables, findings)
    return layout


def _sheet_header(
    sheet: Sheet,
    choices: ColumnChoices | None,
    remembered: Callable[[], dict[str, ColumnChoices]] | None,
) -> tuple[HeaderCandidate | None, SheetHeader | None]:
    natural = header_find(sheet)
    if natural is None:
        return None, None
    earlier = remembered().get(natural.signature, {}) if remembered else {}
    chosen = {**earlier, **(choices or {})}
    candidate = header_apply(sheet, natural, chosen) if chosen else natural
    fields_by_index = {column.index: key for key, column in candidate.columns.items()}
    columns = [
        Column(index, text, fields_by_index.get(index, ""))
        for index, text in sorted(candidate.texts.items())
    ]
    return candidate, SheetHeader(
        sheet.name, natural.signature, candidate.shape, columns, bool(chosen)
    )


def table_from(sheet: Sheet, candidate: HeaderCandidate) -> Table:
    table = Table(
        sheet,
        candidate.shape,
        candidate.top,
        candidate.bottom,
        candidate.columns,
        sorted(candidate.extra, key=lambda column: column.index),
        candidate.status_style,
    )
    table.number_row = _number_row(table)
    table.body_start = (table.number_row or table.header_bottom) + 1
    table.reference = reference_date_find(sheet, table.header_top)
    return table


def _missing_refuse(
    sheet: Sheet, candidate: HeaderCandidate, given: datetime.date | None, findings: Findings
) -> None:
    """Say what was found and what is missing, in the units of the report's date, and each
    header not recognised with the field it is closest to (what the column mapping can fix)."""
    reference = reference_date_find(sheet, candidate.top)
    date = reference.date if reference and reference.date else given
    params = {"missing": _labels(candidate, date, missing=True), "found": _labels(candidate, date)}
    text = REQUIRED_MISSING
    if any(not column.field for column in candidate.extra):  # marks short of three are known
        params["unrecognised"] = unrecognised_phrases(candidate.shape, candidate.extra, date)
        text = REQUIRED_MISSING_UNRECOGNISED
    findings.add(Issue(text, params, sheet=sheet.name, row=candidate.top + 1))


def unrecognised_phrases(shape: str, extra: list[Column], date: datetime.date | None) -> Phrases:
    """Each header not recognised among `extra`, with the field it is closest to (in the units
    of `date`): what the column-mapping step can fix."""
    phrases = []
    for column in sorted(extra, key=lambda column: column.index):
        if column.field:
            continue
        params = {"column": column.letter, "header": column.header}
        closest = f.closest_field(shape, column.header)
        if closest is None:
            phrases.append((UNRECOGNISED_FAR, params))
        else:
            phrases.append((UNRECOGNISED_CLOSEST, {**params, "field": closest.label_on(date)}))
    return Phrases(phrases)


def _no_header_refuse(best: HeaderCandidate | None, findings: Findings) -> None:
    found = _labels(best, None) if best else "—"
    missing = _labels(best, None, missing=True) if best else _required_labels()
    findings.add(Issue(NO_HEADER, {"found": found or "—", "missing": missing}))


def _labels(candidate: HeaderCandidate, date, *, missing: bool = False) -> str:
    if missing:
        return ", ".join(_label(candidate.shape, key, date) for key in candidate.missing)
    shape = candidate.shape
    return ", ".join(f.field_for(shape, key).label_on(date) for key in candidate.columns)


def _label(shape: str, key: str, date: datetime.date | None) -> str:
    """A missing field's header; the status may be either one column or three."""
    if key == f.STATUS and shape == Shape.VILLAGE_REPORT:
        return str(STATUS_LABEL)
    return f.field_for(shape, key).label_on(date)


def _required_labels() -> str:
    fields = f.FIELDS_BY_SHAPE[Shape.VILLAGE_REPORT]
    required = [_label(Shape.VILLAGE_REPORT, known.key, None) for known in fields if known.required]
    return ", ".join([*required, str(STATUS_LABEL)])


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
