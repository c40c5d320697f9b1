"""The sections of a sheet: the district and commune each row is in, and the subtotals of the
sections checked as grouped sums (docs/import-format.md, "Must tolerate": subtotal and total rows,
at the end or at the top of what they sum, checked against the rows they cover).

Only the section, subtotal and total rows are walked one by one (a tenth of a report's rows);
the sums of the village rows between two of them come from running sums computed once per
column (`Sums`): a group's sum is the difference of the running sums at its two ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from . import fields as f
from .cells import Column, Sheet, cell_text
from .issues import Grouped
from .places import UnitFinder
from .rows import RowKind, SectionLevel, TableRow

SUBTOTAL_DIFFERS = _("%(label)s gives %(given)s, but the rows it covers add up to %(computed)s.")

# Issue phases within a row, in the order the checks of one row are said.
PHASE_CLOSE, PHASE_UNIT, PHASE_CELLS, PHASE_SUBTOTAL = 0, 1, 2, 3


@dataclass
class Check:
    """A subtotal or total row's figures, to compare with the rows it covers."""

    position: int  # in the sheet's classified rows
    row: TableRow
    figures: dict[str, tuple[int, Column]]
    sheet: Sheet | None = None  # set for the totals of a whole sheet, checked after all sheets


class Sums:
    """Running sums of the village rows over a sheet's classified rows: the sum of a field over
    positions [start, end) is `between(key, start, end)`, in constant time."""

    def __init__(self, contributions: dict[str, np.ndarray], villages: np.ndarray) -> None:
        # Summed as arrays, kept as lists: a walk asks for tens of thousands of single
        # differences, and a list's item is a Python int already (a NumPy scalar is not).
        self.running = {key: _running(values) for key, values in contributions.items()}
        self.villages = _running(villages)

    def between(self, key: str, start: int, end: int) -> int:
        running = self.running.get(key)
        return running[end] - running[start] if running is not None else 0

    def rows_between(self, start: int, end: int) -> int:
        return self.villages[end] - self.villages[start]


def _running(values: np.ndarray) -> list[int]:
    """0, then the running sum of the values: the sum over [start, end) is r[end] - r[start]."""
    return [0, *np.cumsum(values, dtype=np.int64).tolist()]


@dataclass
class Place:
    """Where the walk stands after a section row: the open district and commune."""

    district: Unit | None = None
    commune: Unit | None = None
    failed: bool = False  # the open section named an unknown unit: said once


@dataclass
class SectionsFound:
    positions: list[int] = field(default_factory=list)  # of the section rows, in order
    places: list[Place] = field(default_factory=list)  # the place after each
    communes: list[tuple[int, Unit]] = field(default_factory=list)  # (position, commune)
    sheet_checks: list[Check] = field(default_factory=list)  # totals of the whole sheet
    # Subtotals of a commune named in a column, checked once the rows' communes are known
    # (`SectionWalk.commune_runs_compare`).
    commune_runs: list[Check] = field(default_factory=list)


# say(position, phase, column, text, params, row): an issue about a row of the sheet
Say = Callable[..., None]


class SectionWalk:
    """A sheet's section, subtotal and total rows top to bottom, keeping the open district and
    commune and where each group began, and comparing each subtotal with its group's sum."""

    def __init__(
        self,
        rows: list[TableRow],
        figures: dict[int, dict[str, tuple[int, Column]]],
        sums: Sums,
        unreliable_from: dict[str, int],
        finder: UnitFinder,
        name_column: Column | None,
        say: Say,
        commune_cells: Callable[[], list] | None = None,
    ) -> None:
        self.rows = rows
        self.figures = figures  # position → the row's readable counts
        self.sums = sums
        self.unreliable_from = unreliable_from  # field → first position with an unreadable cell
        self.finder = finder
        self.name_column = name_column
        self.say = say
        self.commune_cells = commune_cells  # the commune column's cells, read when first needed
        self.commune_texts: list[str] | None = None
        self.place = Place()
        self.found = SectionsFound()
        self.group_marks = {level: 0 for level in SectionLevel}  # where each group began
        self.run_marks = {level: 0 for level in SectionLevel}  # its last end subtotal
        self.top_checks: dict[SectionLevel, list[Check]] = {level: [] for level in SectionLevel}

    def walk(self, positions: list[int]) -> SectionsFound:
        for position in positions:
            row = self.rows[position]
            if row.kind == RowKind.SECTION:
                self.section_open(position, row)
            else:
                self.subtotal(position, row)
        self.close(SectionLevel.DISTRICT, len(self.rows))
        self.found.sheet_checks = self.top_checks[SectionLevel.SHEET]
        return self.found

    def section_open(self, position: int, row: TableRow) -> None:
        default = SectionLevel.COMMUNE if self.finder.after_reform else SectionLevel.DISTRICT
        level = row.level or default
        self.close(level, position)
        if level == SectionLevel.DISTRICT:
            district, refusal = self.finder.district(row.name)
            self.place = Place(district, None, district is None)
        else:
            commune, refusal = self.finder.commune(row.name, self.place.district)
            self.place = Place(self.place.district, commune, commune is None)
            if commune is not None:
                self.found.communes.append((position, commune))
        if refusal:
            self.say(position, PHASE_UNIT, self.name_column, *refusal)
        self.found.positions.append(position)
        self.found.places.append(self.place)
        check = Check(position, row, self.figures.get(position, {}))
        if check.figures:
            self.top_checks[level].append(check)

    def close(self, level: SectionLevel, position: int) -> None:
        """Close the open group at `level` and those inside it: compare their top subtotals with
        the rows since the group began (the row at `position` not yet read)."""
        levels = [SectionLevel.COMMUNE]
        if level != SectionLevel.COMMUNE:
            levels.append(level)
        for closing in levels:
            for check in self.top_checks[closing]:
                self.compare(check, self.group_marks[closing], position, PHASE_CLOSE)
            self.top_checks[closing] = []
            self.group_marks[closing] = self.run_marks[closing] = position

    def subtotal(self, position: int, row: TableRow) -> None:
        level = row.level or self.innermost()
        check = Check(position, row, self.figures.get(position, {}))
        if not check.figures:
            return
        if self.commune_run(position, row) is not None:
            self.found.commune_runs.append(check)
            return
        start = self.run_marks[level]
        if level == SectionLevel.SHEET or self.sums.rows_between(start, position) == 0:
            self.top_checks[level].append(check)  # at the top of what it sums
            return
        self.compare(check, start, position, PHASE_SUBTOTAL, seen=position + 1)
        self.run_marks[level] = position

    def commune_run(self, position: int, row: TableRow) -> tuple[int, int] | None:
        """With the commune in a column and no commune section open, a commune's subtotal
        ("Cộng", "Cộng xã" beside "Xã Mường Tùng" in the commune column) covers the rows next to
        it that name the same commune, above or below it: [start, end) of those positions."""
        if row.level not in (None, SectionLevel.COMMUNE) or self.commune_cells is None:
            return None
        if self.place.commune is not None or self.place.failed:
            return None
        if self.commune_texts is None:
            self.commune_texts = [
                " ".join(cell_text(v).split()).casefold() for v in self.commune_cells()
            ]
        if not self.commune_texts[position]:
            return None
        return self.run_bounds(position)

    def run_bounds(self, position: int, refused: np.ndarray | None = None) -> tuple[int, int]:
        """[start, end) of the rows around `position` naming its commune; with `refused` (the
        rows whose commune was refused), also the refused rows among and next to them."""
        texts = self.commune_texts
        commune = texts[position]
        start, end = position, position + 1
        while start > 0 and (texts[start - 1] == commune or _at(refused, start - 1)):
            start -= 1
        while end < len(texts) and (texts[end] == commune or _at(refused, end)):
            end += 1
        return start, end

    def commune_runs_compare(self, refused: np.ndarray) -> None:
        """Compare the subtotals of communes named in a column with their rows, once the rows
        whose commune was refused (a misspelt "Xã Mường Tùnng" among Mường Tùng's rows) are
        known. Such a row splits the commune's rows and its figures are missing from their sum,
        though its error is said already: the subtotal is said only when it differs both from
        the rows naming the commune and from those with the refused rows next to them counted
        in, so that one mistake gives one error (docs/import-format.md, "Subtotal and total
        rows")."""
        for check in self.found.commune_runs:
            start, end = self.run_bounds(check.position)
            wide = self.run_bounds(check.position, refused)
            seen = max(wide[1], check.position + 1)
            if wide != (start, end):
                check = self.unexplained(check, start, end)
            self.compare(check, *wide, PHASE_SUBTOTAL, seen=seen)

    def unexplained(self, check: Check, start: int, end: int) -> Check:
        """The check without the figures that equal the sum of the rows in [start, end)."""
        figures = {
            key: (given, column)
            for key, (given, column) in check.figures.items()
            if given != self.sums.between(key, start, end)
        }
        return Check(check.position, check.row, figures, check.sheet)

    def innermost(self) -> SectionLevel:
        if self.place.commune is not None or self.place.failed:
            return SectionLevel.COMMUNE
        return SectionLevel.DISTRICT if self.place.district is not None else SectionLevel.SHEET

    def compare(self, check: Check, start: int, end: int, phase: int, seen: int = 0) -> None:
        """Each figure of the check against the sum of the rows in [start, end); a field with an
        unreadable cell among the rows read so far (before `seen`, else `end`) is not checked:
        its sum would mislead."""
        seen = seen or end
        for key, (given, column) in check.figures.items():
            computed = self.sums.between(key, start, end)
            if given != computed and self.unreliable_from.get(key, seen) >= seen:
                label = check.row.name or check.row.number
                params = {"label": label, "given": Grouped(given), "computed": Grouped(computed)}
                self.say(end if phase == PHASE_CLOSE else check.position, phase, column,
                         SUBTOTAL_DIFFERS, params, row=check.row)  # fmt: skip


def _at(flags: np.ndarray | None, position: int) -> bool:
    return flags is not None and bool(flags[position])


def figures_of(
    positions: list[int], counts: dict[str, tuple[np.ndarray, Column]]
) -> dict[int, dict[str, tuple[int, Column]]]:
    """The readable counts of the rows at `positions` (the sections and totals), by position
    then field, in the order of `counts`: each column taken at those positions at once."""
    figures: dict[int, dict] = {position: {} for position in positions}
    for key, (numbers, column) in counts.items():
        for position, number in zip(positions, numbers[positions].tolist(), strict=True):
            if number == number:  # not NaN: readable
                figures[position][key] = (int(number), column)
    return figures


COUNT_FIELDS = (f.MEMBERS, f.FULL_MEMBERS, f.PROBATIONARY_MEMBERS, f.ADMISSIONS)
