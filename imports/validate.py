"""Validate a village report column by column: the third step of an import.

Every refusal of docs/import-format.md is found here (except the unreadable file, found by
`reader`, and the same village twice, found by `matching`), and all of them, not only the
first. Whole columns are read and checked at once with numpy and pandas (counts, text numbers
with thousands separators, statuses against counts, full + probationary = members, subtotals as
grouped sums in `sections`); then each error is located to its sheet, Excel row, column letter,
header and value, and the errors are given in the order of the rows, as a reader goes.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections import Counter
from itertools import count

from django.utils.translation import gettext_lazy as _

from units.domain.names import PROVINCE_KINDS, fold, name_key
from units.domain.refdata import read_units
from units.models import Level, Unit

from .cells import cell_text
from .dates import date_text
from .fields import Shape
from .issues import Findings, Grouped, Issue, issue_at
from .layout import Table
from .places import UnitFinder
from .reference import UnitIndex, scheme_for
from .rows import RowKind, SectionLevel, TableRows
from .sections import SUBTOTAL_DIFFERS
from .sheet_check import SheetCheck
from .village_report import CommuneSeen, VillageEntry, VillageReport, entry_issue

__all__ = ["VillageEntry", "VillageReport", "entry_issue", "village_report_validate"]

NO_PROVINCE = _("No province is known on %(date)s: load the administrative units first.")
PROVINCE_NOT_LOADED = _(
    "The title names %(province)s, whose units are not loaded on this site, so its communes "
    "cannot be checked: ask an administrator to load them (“manage.py load_units --province "
    "%(code)s”), then upload the file again."
)


class Located:
    """Issues found column by column, each with the place a reader going down the rows would
    meet it; given in that order."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple, Issue]] = []
        self.order = count()

    def add(self, place: tuple, issue: Issue) -> None:
        self.items.append(((*place, next(self.order)), issue))

    def into(self, findings: Findings) -> None:
        for _place, issue in sorted(self.items, key=lambda item: item[0]):
            findings.add(issue)


class PreparedSheets:
    """The village sheets of a report, each prepared (`SheetCheck.prepare`) as soon as its table
    is found, while the reader's child process reads the next sheet; and finished there too
    (`SheetCheck.finish_early`) with the date given, or the first the sheets say, and the
    province the sheet's title names (else the one its names point to). `village_report_validate`
    keeps what was finished early when the report's date and the sheet's province turn out to
    be those (as they are but for a report with contradictory dates, or a sheet whose title
    names another province than its units), and finishes the sheet again otherwise: the
    outcome is the same either way (tests/imports/test_finish_early.py)."""

    def __init__(self, date: datetime.date | None = None) -> None:
        self.located = Located()
        self.checks: dict[str, SheetCheck] = {}
        self.date = date  # the one given; else the first a sheet says
        self.units: UnitIndex | None = None  # at `date`, made with the first sheet

    def add(self, table: Table) -> None:
        if table.shape == Shape.VILLAGE_REPORT:
            check = SheetCheck(len(self.checks), table, self.located)
            self.checks[table.sheet.name] = check.prepare()
            self._finish_early(check)

    def units_at(self, date: datetime.date) -> UnitIndex:
        """The units at the report's date: those the early finishing used, if at that date."""
        if self.units is not None and self.units.date == date:
            return self.units
        return UnitIndex(date)

    def _finish_early(self, check: SheetCheck) -> None:
        reference = check.table.reference
        self.date = self.date or (reference.date if reference else None)
        if self.date is None:
            return
        self.units = self.units or UnitIndex(self.date)
        province = _sheet_province(check, self.units)
        if province is not None:
            check.finish_early(UnitFinder(self.units, self.date, province))


def village_report_validate(
    tables: list[Table],
    date: datetime.date,
    units: UnitIndex,
    findings: Findings,
    prepared: PreparedSheets | None = None,
) -> VillageReport:
    report = VillageReport()
    if prepared is None:
        prepared = PreparedSheets()
        for table in tables:
            prepared.add(table)
    checks = [prepared.checks[table.sheet.name] for table in tables]
    unloaded = _province_not_loaded(checks, units, date)
    if unloaded is not None:
        findings.add(unloaded)
        return report
    provinces = _provinces(checks, units)
    if provinces is None:
        findings.add(Issue(NO_PROVINCE, {"date": date_text(date)}))
        return report
    seen: list[tuple[tuple, CommuneSeen]] = []
    for check in checks:
        finder = UnitFinder(units, date, provinces[check.sheet.name])
        check.finish(finder, report, seen)
    for _place, commune in sorted(seen, key=lambda item: item[0]):
        report.communes.setdefault(commune.unit.id, commune)
    _sheet_totals_check(report, len(checks), prepared.located)
    prepared.located.into(findings)
    return report


def _province_not_loaded(
    checks: list[SheetCheck], units: UnitIndex, date: datetime.date
) -> Issue | None:
    """A report whose titles name a province of the unit lists whose units are not in the
    database, and none that is: one refusal saying so, not one "not a commune of …" a row
    against the province that is loaded."""
    folded = fold(" ".join(_title(check.table) for check in checks))
    if not folded or any(units.title_names(unit, folded) for unit in units.provinces):
        return None
    loaded = {unit.code for unit in units.provinces}
    for code, name, key in _fixture_provinces(scheme_for(date)):
        if code not in loaded and re.search(rf"\b{re.escape(key)}\b", folded):
            return Issue(PROVINCE_NOT_LOADED, {"province": name, "code": code})
    return None


@functools.cache
def _fixture_provinces(scheme: str) -> list[tuple[str, str, str]]:
    """(code, name, name key) of every province in the unit lists (fixtures/units)."""
    rows = read_units(scheme)
    return [
        (row.code, row.name, name_key(row.name, PROVINCE_KINDS))
        for row in rows
        if row.level == Level.PROVINCE
    ]


def _provinces(checks: list[SheetCheck], units: UnitIndex) -> dict[str, Unit] | None:
    """Sheet name → the province its units are looked up in: the workbook's province (where
    most of its section names are found, then the one its title names).

    A sheet whose own title names another province, and whose names fit that province better,
    is that province's (a national report, one sheet per province). A sheet whose title names
    the workbook's province keeps it, so a misspelt commune is an error, never another
    province's commune."""
    names = {check.sheet.name: _section_names(check.rows) for check in checks}
    titles = {check.sheet.name: _title(check.table) for check in checks}
    units.names_expect([pair for sheet_names in names.values() for pair in sheet_names])
    found = {sheet: units.names_found(sheet_names) for sheet, sheet_names in names.items()}
    province = units.province_best(sum(found.values(), Counter()), " ".join(titles.values()))
    if province is None:
        return None
    chosen = {}
    for sheet, counts in found.items():
        own = units.province_best(counts, titles[sheet])
        better = counts[own.id] > counts[province.id]
        own_title = units.title_names(own, fold(titles[sheet]))
        chosen[sheet] = own if better and own_title else province
    units.provinces_load(unit.id for unit in chosen.values())
    return chosen


def _sheet_province(check: SheetCheck, units: UnitIndex) -> Unit | None:
    """The province a sheet points to on its own: the one its title names, if it names one
    (no query: a national report's titles each name theirs), else the one its section names
    and title point to."""
    title = _title(check.table)
    folded = fold(title)
    named = [unit for unit in units.provinces if units.title_names(unit, folded)]
    if len(named) == 1:
        return named[0]
    names = _section_names(check.rows)
    units.names_expect(names)
    return units.province_best(units.names_found(names), title)


def _section_names(rows: TableRows) -> list[tuple[str, str]]:
    """(level, name) of the first 50 section rows: what the province is recognised by."""
    sections = [rows[position] for position in rows.positions(RowKind.SECTION)[:50]]
    return [
        (Level.DISTRICT if row.level == SectionLevel.DISTRICT else Level.COMMUNE, row.name)
        for row in sections
        if row.name
    ]


def _title(table: Table) -> str:
    return " ".join(cell_text(v) for row in table.sheet.rows[: table.header_top] for v in row)


def _sheet_totals_check(report: VillageReport, number: int, located: Located) -> None:
    """A total at sheet level sums its sheet, or the whole workbook (a province total on the
    first of one-sheet-per-district workbooks)."""
    for check, sums in report.sheet_totals:
        for key, (given, column) in check.figures.items():
            if given in (sums[key], report.total[key]) or key in report.unreliable:
                continue
            label = check.row.name or check.row.number
            params = {"label": label, "given": Grouped(given), "computed": Grouped(sums[key])}
            issue = issue_at(check.sheet, check.row.index, column, SUBTOTAL_DIFFERS, params)
            located.add((number,), issue)
