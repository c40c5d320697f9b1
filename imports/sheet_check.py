"""One sheet of a village report, checked column by column: counts (numbers as arrays, text
numbers one distinct value at a time), statuses (`statuses`), full + probationary = members,
statuses against counts; then its sections and subtotals as grouped sums (`sections`), the
commune of each village row (`row_communes`), and an entry for each row without an error."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from units.domain.names import tidy
from units.models import Unit, Village, VillageFigure

from . import fields as f
from .cells import Column
from .header import StatusStyle
from .issues import Issue, issue_at
from .layout import Table
from .places import UnitFinder
from .row_communes import CommunesOfRows, text_of
from .rows import RowKind, table_rows
from .sections import COUNT_FIELDS, PHASE_CELLS, SectionsFound, SectionWalk, Sums, figures_of
from .statuses import StatusChecks
from .values import counts_read
from .village_report import (
    FULL_PLUS_PROBATIONARY,
    MARK_STATUS,
    PHASE_COUNTS,
    PHASE_NAME,
    PHASE_PARTS,
    TOO_LONG_CODE,
    TOO_LONG_NAME,
    CommuneSeen,
    VillageEntry,
    VillageReport,
    formula_refusal,
)


class Said:
    """Issues said while a sheet is finished, with their places, kept until it is known that
    the finishing holds (`SheetCheck.finish`)."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple, Issue]] = []

    def add(self, place: tuple, issue: Issue) -> None:
        self.items.append((place, issue))


@dataclass
class Finished:
    """A sheet finished with one finder: its part of the report, the communes it saw, what
    was said, and the village rows in error."""

    finder: UnitFinder
    report: VillageReport
    seen: list
    issues: list[tuple[tuple, Issue]]
    in_error: set[int]

    def same_as(self, finder: UnitFinder) -> bool:
        """Whether `finder` would find the same: the same units, date and province."""
        mine = self.finder
        return (mine.units, mine.date, mine.province.id) == (
            finder.units,
            finder.date,
            finder.province.id,
        )


class SheetCheck(StatusChecks):
    """One sheet's rows, checked column by column in two steps: `prepare`, which needs nothing
    but the sheet (counts, statuses, the parts of the members, statuses against counts), so it
    runs while the next sheet is being read; then `finish`, once the report's date and province
    are known: its sections and subtotals (`SectionWalk`), the commune of each village row, and
    the entries of the rows without errors."""

    def __init__(self, number: int, table: Table, located) -> None:
        self.number = number
        self.table = table
        self.sheet = table.sheet
        self.rows = rows = table_rows(table)
        self.finder: UnitFinder | None = None
        self.located = located
        self.columns = table.columns
        self.formulas = table.sheet.formulas_without_value
        self.villages = np.array([kind is RowKind.ENTRY for kind in rows.kinds], dtype=bool)
        self.village_positions = np.flatnonzero(self.villages)
        self.in_error: set[int] = set()  # positions of village rows with an error
        self.bad: dict[str, np.ndarray] = {}  # field → positions with an unreadable cell
        self.early: Finished | None = None
        self.indexes = rows.indexes  # the sheet's row of each classified row

    def prepare(self) -> SheetCheck:
        self.counts = self.counts_read()
        self.status = self.status_read()
        self.numbers = self.counts_complete(self.counts)
        self.parts_check(self.numbers)
        self.status_counts_check(self.status, self.numbers)
        self.running = self.sums(self.numbers, self.status)
        return self

    def finish(self, finder: UnitFinder, report: VillageReport, seen: list) -> None:
        """Finish with `finder` (or take what finishing with the same date, units and province
        found earlier: `finish_early`) and add it to the report."""
        finished = self.early if self.early and self.early.same_as(finder) else None
        finished = finished or self.finished_by(finder)
        report.entries.extend(finished.report.entries)
        report.sheet_totals.extend(finished.report.sheet_totals)
        report.total.update(finished.report.total)
        report.unreliable |= finished.report.unreliable
        report.refused.extend(finished.report.refused)
        seen.extend(finished.seen)
        for place, issue in finished.issues:
            self.located.add(place, issue)
        self.in_error = finished.in_error

    def finish_early(self, finder: UnitFinder) -> None:
        """Finish now, with the date and province the sheet itself suggests, while the reader
        reads the next sheet; kept apart until `finish` knows they are the report's."""
        self.early = self.finished_by(finder)

    def finished_by(self, finder: UnitFinder) -> Finished:
        """What finishing with `finder` finds (sections, communes, entries, and what is said
        about them), without changing the report or the issues said so far."""
        in_error, located = self.in_error, self.located
        self.in_error, self.located = set(in_error), Said()
        try:
            self.finder = finder
            report, seen = VillageReport(), []
            walk = self.sections_walk(self.counts, self.running)
            found = walk.found
            communes = self.communes_assign(found)
            if found.commune_runs:
                walk.commune_runs_compare(self.without_commune(communes))
            self.sheet_sums(report, self.running, found)
            for position, commune in [*found.communes, *communes.first_rows.items()]:
                seen.append(((self.number, position), self.commune_seen(commune, position)))
            self.entries_make(report, self.numbers, self.status, communes.by_position)
            return Finished(finder, report, seen, self.located.items, self.in_error)
        finally:
            self.in_error, self.located = in_error, located

    # -- reporting

    def say(self, position, phase, column, text, params=None, *, row=None, value=None) -> None:
        """An issue at the row in `position` of the classified rows (or at `row`), met by a
        reader at that position and phase."""
        row = row or self.rows[min(position, len(self.rows) - 1)]
        issue = issue_at(self.sheet, row.index, column, text, params, value=value)
        self.located.add((self.number, position, phase), issue)
        if phase >= PHASE_COUNTS and position < len(self.rows) and self.villages[position]:
            self.in_error.add(position)

    def formula_say(self, position: int, phase: int, column: Column) -> None:
        """A formula cell without a value: the error it shows (#REF!), or none calculated."""
        text, params, value = formula_refusal(self.sheet, self.indexes[position], column)
        self.say(position, phase, column, text, params, value=value)

    def cells(self, column: Column | None) -> list:
        """A column's cells in the classified rows."""
        if column is None:
            return [""] * len(self.rows)
        return list(map(self.sheet.column(column.index).__getitem__, self.indexes))

    def formula_positions(self, column: Column | None) -> list[int]:
        if column is None or not self.formulas:
            return []
        at, formulas = column.index, self.formulas
        return [position for position, index in enumerate(self.indexes) if (index, at) in formulas]

    # -- counts

    def count_keys(self) -> tuple[str, ...]:
        marks = f.MARKS if self.table.status_style == StatusStyle.MARKS else ()
        return COUNT_FIELDS + marks

    def counts_read(self) -> dict[str, tuple[np.ndarray, Column]]:
        """Every count column, all rows at once; each unreadable cell said (a formula without
        a value, a negative, fractional or non-number), and noted as making its column's sums
        unreliable from that row on. Mark columns are counts in the subtotal rows."""
        counts = {}
        for order, key in enumerate(self.count_keys()):
            column = self.columns.get(key)
            if column is None:
                continue
            column_read = counts_read(self.cells(column))
            numbers = column_read.numbers
            bad = list(column_read.errors)
            for position, (text, params) in column_read.errors.items():
                self.cell_say(position, order, column, text, params)
            for position in self.formula_positions(column):
                numbers[position] = np.nan
                bad.append(position)
                text, params, value = formula_refusal(self.sheet, self.indexes[position], column)
                self.cell_say(position, order, column, text, params, value=value)
            if key in f.MARKS:  # in village rows a mark column is read as marks
                numbers = np.where(self.villages, np.nan, numbers)
                bad = [position for position in bad if not self.villages[position]]
            self.bad[key] = np.array(sorted(set(bad)), dtype=np.int64)
            counts[key] = (numbers, column)
        return counts

    def cell_say(self, position, order, column, text, params=None, value=None) -> None:
        """An unreadable count: a village row's (said with its counts) or a subtotal's."""
        if self.villages[position]:
            if column.field in f.MARKS:
                return
            self.say(position, PHASE_COUNTS, column, text, params, value=value)
        else:
            self.say(position, PHASE_CELLS, column, text, params, value=value)

    def counts_complete(self, counts) -> dict[str, np.ndarray]:
        """Empty count cells of a filled row are 0; full and probationary stay unknown (NaN)
        when both are empty (the report gives only the total)."""
        nan = np.full(len(self.rows), np.nan)
        members, full, probationary, admissions = (
            counts[key][0] if key in counts else nan for key in COUNT_FIELDS
        )
        members = np.nan_to_num(members, nan=0.0)
        if f.FULL_MEMBERS in counts and f.PROBATIONARY_MEMBERS in counts:
            given = ~np.isnan(full) | ~np.isnan(probationary)
            full = np.where(given, np.nan_to_num(full, nan=0.0), full)
            probationary = np.where(given, np.nan_to_num(probationary, nan=0.0), probationary)
        if f.ADMISSIONS in counts:
            admissions = np.nan_to_num(admissions, nan=0.0)
        numbers = {f.MEMBERS: members, f.FULL_MEMBERS: full}
        numbers |= {f.PROBATIONARY_MEMBERS: probationary, f.ADMISSIONS: admissions}
        return numbers

    def bad_rows(self, *keys: str) -> np.ndarray:
        """Whether each row has an unreadable cell in one of the fields."""
        bad = np.zeros(len(self.rows), dtype=bool)
        for key in keys:
            if key in self.bad:
                bad[self.bad[key]] = True
        return bad

    def parts_check(self, numbers) -> None:
        members, full = numbers[f.MEMBERS], numbers[f.FULL_MEMBERS]
        probationary = numbers[f.PROBATIONARY_MEMBERS]
        with np.errstate(invalid="ignore"):
            wrong = self.villages & ~np.isnan(full) & ~np.isnan(probationary)
            wrong &= full + probationary != members
        wrong &= ~self.bad_rows(f.MEMBERS, f.FULL_MEMBERS, f.PROBATIONARY_MEMBERS)
        column = self.columns.get(f.MEMBERS)
        for position in np.flatnonzero(wrong):
            given = {"full": int(full[position]), "probationary": int(probationary[position])}
            given |= {"sum": given["full"] + given["probationary"]}
            given["members"] = int(members[position])
            self.say(position, PHASE_PARTS, column, FULL_PLUS_PROBATIONARY, given)

    # -- statuses

    # -- sums and sections

    def sums(self, numbers, status: np.ndarray) -> Sums:
        """What each village row adds to the subtotals over it: its counts, and 1 to the mark
        of its status."""
        contributions = {
            key: np.where(self.villages, np.nan_to_num(values, nan=0.0), 0).astype(np.int64)
            for key, values in numbers.items()
        }
        for key, value in MARK_STATUS.items():
            contributions[key] = (self.villages & (status == value)).astype(np.int64)
        unread = np.flatnonzero(self.villages & (status == ""))
        for key in f.MARKS:  # a row without a status leaves the marks' sums unknown
            self.bad[key] = np.union1d(self.bad.get(key, unread[:0]), unread)
        return Sums(contributions, self.villages.astype(np.int64))

    def sections_walk(self, counts, sums: Sums) -> SectionWalk:
        structure = np.flatnonzero(~self.villages).tolist()
        figures = figures_of(structure, counts)
        unreliable_from = {key: int(bad[0]) for key, bad in self.bad.items() if len(bad)}
        name_column = self.columns.get(f.VILLAGE)
        commune_column = self.columns.get(f.COMMUNE)
        commune_cells = (lambda: self.cells(commune_column)) if commune_column else None
        walk = SectionWalk(
            self.rows, figures, sums, unreliable_from, self.finder, name_column, self.say,
            commune_cells,
        )  # fmt: skip
        walk.walk(structure)
        return walk

    def sheet_sums(self, report: VillageReport, sums: Sums, found: SectionsFound) -> None:
        end = len(self.rows)
        totals = Counter({key: sums.between(key, 0, end) for key in sums.running})
        for check in found.sheet_checks:
            check.sheet = self.sheet
            report.sheet_totals.append((check, totals))
        report.total.update(totals)
        report.unreliable |= {key for key, bad in self.bad.items() if len(bad)}

    # -- communes and entries

    def communes_assign(self, found: SectionsFound) -> CommunesOfRows:
        return CommunesOfRows(self, found)

    def without_commune(self, communes: CommunesOfRows) -> np.ndarray:
        """Whether each row is a village row left without a commune (its commune refused)."""
        placed = np.zeros(len(self.rows), dtype=bool)
        placed[list(communes.by_position)] = True
        return self.villages & ~placed

    def commune_seen(self, commune: Unit, position: int) -> CommuneSeen:
        district = self.finder.district_of(commune)
        return CommuneSeen(commune, district, self.sheet.name, self.indexes[position] + 1)

    def entries_make(self, report: VillageReport, numbers, status, communes: dict) -> None:
        """A VillageEntry for each village row with a name, a commune and no error."""
        name_column = self.columns[f.VILLAGE]
        code, host, note = (self.texts(key) for key in (f.VILLAGE_CODE, f.HOST, f.NOTE))
        members = numbers[f.MEMBERS].astype(np.int64).tolist()
        full, probationary, admissions = (
            _wholes(numbers[key]) for key in (f.FULL_MEMBERS, f.PROBATIONARY_MEMBERS, f.ADMISSIONS)
        )
        tidy_all = _Tidy().all
        labels = self.rows.names
        names = tidy_all(labels)
        host = tidy_all(host)
        self.lengths_check(names, code, host)
        districts: dict[int, Unit | None] = {}
        sheet, indexes, in_error = self.sheet.name, self.indexes, self.in_error
        for position in self.village_positions.tolist():
            commune = communes.get(position)
            if commune is None or not labels[position]:
                continue
            if position in in_error:
                report.refused.append((commune, names[position], code[position]))
                continue
            if commune.id not in districts:
                districts[commune.id] = self.finder.district_of(commune)
            report.entries.append(
                VillageEntry(
                    sheet,
                    indexes[position] + 1,
                    names[position],
                    code[position],
                    commune,
                    districts[commune.id],
                    status[position],
                    members[position],
                    full[position],
                    probationary[position],
                    admissions[position],
                    host[position],
                    note[position],
                    name_column,
                )
            )

    def lengths_check(self, names: list[str], code: list[str], host: list[str]) -> None:
        """Each village row's name, code and host no longer than the database keeps them."""
        limits = (
            (f.VILLAGE, names, Village._meta.get_field("name").max_length, TOO_LONG_NAME),
            (f.VILLAGE_CODE, code, Village._meta.get_field("code").max_length, TOO_LONG_CODE),
            (
                f.HOST,
                host,
                VillageFigure._meta.get_field("joined_with_name").max_length,
                TOO_LONG_NAME,
            ),
        )
        for key, texts, most, message in limits:
            lengths = np.fromiter(map(len, texts), np.int64, len(texts))
            for position in np.flatnonzero(self.villages & (lengths > most)).tolist():
                params = {"most": most, "length": int(lengths[position])}
                self.say(position, PHASE_NAME, self.columns[key], message, params)

    def texts(self, key: str) -> list[str]:
        """A text column of the village rows as text ("" where empty); a formula without a
        value is said, not read as an empty cell (the note aside: it is not imported)."""
        column = self.columns.get(key)
        if column is None:
            return [""] * len(self.rows)
        for position in self.formula_positions(column) if key != f.NOTE else ():
            if self.villages[position]:
                self.formula_say(position, PHASE_NAME, column)
        return _texts_of(self.cells(column))


def _texts_of(values: list) -> list[str]:
    """Cells as text. A code, host or note column is mostly empty and its few texts repeat:
    when it holds only texts and empty cells, each distinct one is turned to text once (with
    numbers among them, one by one: True, 1 and 1.0 are one dict key but not one text)."""
    if set(map(type, values)) <= {str, type(None)}:
        done = {value: text_of(value) for value in set(values)}
        return list(map(done.__getitem__, values))
    return [text_of(value) for value in values]


class _Tidy:
    """Names as displayed (units.domain.names.tidy), each distinct text tidied once."""

    def __init__(self) -> None:
        self.done: dict[str, str] = {"": ""}

    def all(self, texts: list[str]) -> list[str]:
        done = self.done
        for text in set(texts) - done.keys():
            done[text] = tidy(text)
        return [done[text] for text in texts]


def _wholes(numbers: np.ndarray) -> list[int | None]:
    """Whole numbers, None where unknown (NaN): converted as an array, the few unknown ones
    put back one by one."""
    unknown = np.isnan(numbers)
    wholes = np.where(unknown, 0, numbers).astype(np.int64).tolist()
    for position in np.flatnonzero(unknown).tolist():
        wholes[position] = None
    return wholes
