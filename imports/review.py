"""What the staff preview page shows besides the Preview itself: per-commune figures before and
after, the unit-summary table, and the rows of the downloadable errors CSV."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.models import Coverage, Status
from units.web.exports import neutralise

from . import fields as f
from .cells import cell_text, column_letter
from .preview import CommuneFigures, Preview
from .reader import UnreadableWorkbook, workbook_read

COMMUNE_METRICS = (
    ("villages", gettext_lazy("Villages")),
    ("own_cell", Status.OWN_CELL.label),
    ("joined", Status.JOINED.label),
    ("no_members", Status.NO_MEMBERS.label),
    ("not_reported", Status.NOT_REPORTED.label),
    ("members", gettext_lazy("Members")),
)


@dataclass
class CommuneChange:
    """A commune's figures as the site holds them now and as they will be after the import."""

    figures: CommuneFigures
    cells: list[tuple[int | None, int, bool]]  # (before, after, changed) per COMMUNE_METRICS


def communes_before_after(preview: Preview) -> tuple[datetime.date | None, list[CommuneChange]]:
    """Per commune, the coverage held at the date the preview's counts compare with (the
    "before", `Preview.before_date`), beside the report's own figures (the "after"). One query,
    whatever the number of communes."""
    ids = [row.commune.id for row in preview.communes]
    before_date = preview.before_date
    held = Coverage.objects.filter(unit_id__in=ids, period__date=before_date) if before_date else []
    before = {row.unit_id: row for row in held}
    changes = []
    for row in preview.communes:
        after = {
            "villages": row.villages + row.not_reported,
            "own_cell": row.own_cell,
            "joined": row.joined,
            "no_members": row.no_members,
            "not_reported": row.not_reported,
            "members": row.members,
        }
        held_row = before.get(row.commune.id)
        cells = []
        for key, _label in COMMUNE_METRICS:
            old = getattr(held_row, key) if held_row else None
            cells.append((old, after[key], old != after[key]))
        changes.append(CommuneChange(row, cells))
    return before_date, changes


def unit_summary_table(preview: Preview) -> tuple[list[str], list[tuple]]:
    """Unit summaries: the count columns the file has, and one row per unit."""
    if preview.units is None:
        return [], []
    present = {key for entry in preview.units.entries for key in entry.figures}
    columns = [field for field in f.UNIT_FIELDS if field.key in present]
    rows = [
        (entry, [entry.figures.get(field.key) for field in columns])
        for entry in preview.units.entries
    ]
    return [field.label for field in columns], rows


def errors_csv_rows(preview: Preview, path: Path) -> Iterator[list]:
    """One line per error (sheet, row, column, value, message) followed by the cells of the
    offending row as the file has them, under their column letters."""
    sheets = {}
    try:
        sheets = {sheet.name: sheet for sheet in workbook_read(path).sheets}
    except UnreadableWorkbook:
        pass  # the errors say why; there are no rows to show
    cells = []
    for issue in preview.errors:
        sheet = sheets.get(issue.sheet)
        row = (
            sheet.rows[issue.row - 1]
            if sheet and issue.row and issue.row <= len(sheet.rows)
            else []
        )
        cells.append(_trimmed(row))
    width = max((len(row) for row in cells), default=0)
    yield [_("Sheet"), _("Row"), _("Column"), _("Value"), _("Error")] + [
        column_letter(index) for index in range(width)
    ]
    for issue, row in zip(preview.errors, cells, strict=True):
        location = [issue.sheet, issue.row or "", issue.column_label, issue.value, issue.message]
        yield [_csv_cell(value) for value in location] + [_csv_cell(value) for value in row]


def _trimmed(row: list) -> list:
    end = len(row)
    while end and cell_text(row[end - 1]) == "":
        end -= 1
    return row[:end]


def _csv_cell(value) -> str | int | float:
    """Numbers stay numbers; text a spreadsheet would run as a formula is neutralised."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return neutralise(cell_text(value))
    return cell_text(value)


# ---------------------------------------------------------------------------- views
