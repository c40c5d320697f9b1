"""Validate every row of a village report: the third step of an import.

Every refusal of docs/import-format.md is found here (but the unreadable file, found by `reader`),
and all of them are collected, not only the first: one run lists every error it can find.
Each error names the sheet, the Excel row, the column (letter and header) and the value.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from units.domain.names import fold, name_key, tidy
from units.models import REFORM_DATE, Level, Status, Unit

from . import fields as f
from .issues import Findings, Issue, cell_text
from .layout import Column, RowKind, StatusStyle, Table, TableRow, table_rows
from .layout import Level as RowLevel
from .reference import Match, UnitIndex
from .values import BadValue, count_parse, mark_parse, status_parse

NO_DATE = _(
    "The file has no reference date line (“Số liệu tính đến ngày …”) and no date was "
    "given: give the date of the report."
)
BAD_DATE = _("This reference date cannot be read: write it as dd/mm/yyyy.")
DATE_DIFFERS = _("The file is for %(file_date)s, not for %(date)s as given.")
DATE_DIFFERS_SHEETS = _("This sheet is for %(file_date)s, another sheet for %(date)s.")
FUTURE_DATE = _("The reference date %(date)s is in the future.")
NOT_A_COMMUNE = _("%(name)s is not a commune of %(parent)s on %(date)s.")
NOT_A_COMMUNE_CLOSEST = _(
    "%(name)s is not a commune of %(parent)s on %(date)s. Closest known names: %(closest)s."
)
NOT_A_DISTRICT = _("%(name)s is not a district of %(parent)s on %(date)s.")
NOT_A_DISTRICT_CLOSEST = _(
    "%(name)s is not a district of %(parent)s on %(date)s. Closest known names: %(closest)s."
)
AMBIGUOUS_UNIT = _(
    "%(name)s could be any of %(closest)s: write the name with its kind (Xã, Huyện…)."
)
DISTRICT_AFTER_REFORM = _(
    "There are no districts from 1/7/2025: a report for %(date)s lists communes directly."
)
NO_COMMUNE = _(
    "No commune for this village: put it under a commune section row (“Xã …”) or fill "
    "the column “Xã, phường, thị trấn”."
)
NO_PROVINCE = _("No province is known on %(date)s: load the administrative units first.")
NO_VILLAGE_NAME = _("This row has figures but no village name.")
FULL_PLUS_PROBATIONARY = _(
    "Full members (%(full)s) plus probationary members (%(probationary)s) make %(sum)s, "
    "not the %(members)s members given."
)
NO_STATUS = _("No status given for this village.")
SEVERAL_MARKS = _("More than one status is marked for this village.")
NO_MEMBERS_WITH_MEMBERS = ngettext_lazy(
    'Status "no members" but %(members)s member is given.',
    'Status "no members" but %(members)s members are given.',
    "members",
)
OWN_CELL_TOO_FEW = _('Status "own cell" needs at least 3 full members; this row gives %(count)s.')
JOINED_WITHOUT_MEMBERS = _('Status "joined" but no members are given.')
SUBTOTAL_DIFFERS = _("%(label)s gives %(given)s, but the rows it covers add up to %(computed)s.")
FORMULA_NO_VALUE = _(
    "This cell holds a formula with no calculated value: open and save the file in Excel first."
)

COUNT_FIELDS = (f.MEMBERS, f.FULL_MEMBERS, f.PROBATIONARY_MEMBERS, f.ADMISSIONS)
MARK_STATUS = {
    f.MARK_OWN_CELL: Status.OWN_CELL,
    f.MARK_JOINED: Status.JOINED,
    f.MARK_NO_MEMBERS: Status.NO_MEMBERS,
}
MARK_KEY = {status: key for key, status in MARK_STATUS.items()}


def date_text(date: datetime.date) -> str:
    return date.strftime("%d/%m/%Y")


# ---------------------------------------------------------------------------- the date


def report_date_find(
    tables: list[Table], given: datetime.date | None, findings: Findings
) -> datetime.date | None:
    """The report's date: the one given, which the file's reference-date lines must agree with;
    else the file's own. Refused when missing, unreadable, contradictory or in the future."""
    date = given
    for table in tables:
        reference = table.reference
        if reference is None:
            continue
        column = Column(reference.column, "")
        if reference.date is None:
            findings.at(table, reference.row, column, BAD_DATE, value=reference.text)
        elif date is None:
            date = reference.date
        elif reference.date != date:
            text = DATE_DIFFERS if given else DATE_DIFFERS_SHEETS
            params = {"file_date": date_text(reference.date), "date": date_text(date)}
            findings.at(table, reference.row, column, text, params, value=reference.text)
    if date is None:
        if not any(table.reference for table in tables):
            findings.add(Issue(NO_DATE))
        return None
    if date > timezone.localdate():
        issue = Issue(FUTURE_DATE, {"date": date_text(date)})
        for table in tables:
            if table.reference and table.reference.date == date and not given:
                column = Column(table.reference.column, "")
                findings.at(table, table.reference.row, column, FUTURE_DATE, issue.params)
                break
        else:
            findings.add(issue)
    return date


# ---------------------------------------------------------------------------- villages


def _tidy(text: str) -> str:
    return tidy(text) if text else ""


@dataclass(slots=True)
class VillageEntry:
    """A village row that passed validation (or would have, bar errors elsewhere)."""

    sheet: str
    row: int  # Excel row
    name: str
    code: str
    commune: Unit
    district: Unit | None
    status: str
    members: int
    full_members: int | None
    probationary_members: int | None
    admissions: int | None
    host: str
    note: str
    column: Column | None = None  # the village name column, for the issues about the row
    village_id: int | None = None  # the known village it matched; None: a new village
    key: str = ""  # its name key (units.domain.names.name_key), worked out when matching needs it


@dataclass
class CommuneSeen:
    unit: Unit
    district: Unit | None
    sheet: str
    row: int  # the Excel row of its section (or of its first village)


@dataclass
class Tally:
    """Sums of village rows, compared with the subtotals that cover them."""

    rows: int = 0
    sums: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> int:
        return self.sums.get(key, 0)

    def add(self, other: Tally) -> None:
        self.rows += other.rows
        for key, value in other.sums.items():
            self.sums[key] = self.sums.get(key, 0) + value


@dataclass
class Check:
    """A subtotal or total row's figures, to compare with the rows it covers."""

    table: Table
    row: TableRow
    figures: dict[str, tuple[int, Column]]


@dataclass
class VillageReport:
    entries: list[VillageEntry] = field(default_factory=list)
    communes: dict[int, CommuneSeen] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    sheet_totals: list[tuple[Check, Tally]] = field(default_factory=list)
    unreliable: set[str] = field(default_factory=set)  # fields with unreadable cells


def village_report_validate(
    tables: list[Table], date: datetime.date, units: UnitIndex, findings: Findings
) -> VillageReport:
    report = VillageReport()
    rows = {table.sheet.name: table_rows(table) for table in tables}
    provinces = _provinces(tables, rows, units)
    if provinces is None:
        findings.add(Issue(NO_PROVINCE, {"date": date_text(date)}))
        return report
    for table in tables:
        walk = SheetWalk(table, date, units, provinces[table.sheet.name], report, findings)
        walk.walk(rows[table.sheet.name])
    _sheet_totals_check(report, findings)
    return report


def _provinces(
    tables: list[Table], rows: dict[str, list[TableRow]], units: UnitIndex
) -> dict[str, Unit] | None:
    """Sheet name → the province its units are looked up in: the workbook's province (where
    most of its section names are found, then the one its title names).

    A sheet whose own title names another province, and whose names fit that province better,
    is that province's (a national report, one sheet per province). A sheet whose title names
    the workbook's province keeps it, so a misspelt commune is an error, never another
    province's commune."""
    names = {table.sheet.name: _section_names(rows[table.sheet.name]) for table in tables}
    titles = {table.sheet.name: _title(table) for table in tables}
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
    return chosen


def _section_names(rows: list[TableRow]) -> list[tuple[str, str]]:
    """(level, name) of the first 50 section rows: what the province is recognised by."""
    sections = [row for row in rows if row.kind == RowKind.SECTION][:50]
    return [
        (Level.DISTRICT if row.level == RowLevel.DISTRICT else Level.COMMUNE, row.name)
        for row in sections
        if row.name
    ]


def _title(table: Table) -> str:
    return " ".join(cell_text(v) for row in table.sheet.rows[: table.header_top] for v in row)


class SheetWalk:
    """One sheet's rows top to bottom, keeping the open district and commune sections and the
    running sums their subtotals are checked against."""

    def __init__(
        self,
        table: Table,
        date: datetime.date,
        units: UnitIndex,
        province: Unit,
        report: VillageReport,
        findings: Findings,
    ) -> None:
        self.table = table
        self.date = date
        self.units = units
        self.province = province
        self.report = report
        self.findings = findings
        self.columns = table.columns
        self.district: Unit | None = None
        self.commune: Unit | None = None
        self.section_failed = False  # the open section named an unknown unit: said once
        # One running sum for the sheet; a group's sums are the difference from its marks, so
        # a village row costs one addition whatever the number of open groups.
        self.cumulative = Tally()
        self.group_marks = {level: Tally() for level in RowLevel}  # where each group began
        self.run_marks = {level: Tally() for level in RowLevel}  # its last end subtotal
        self.top_checks: dict[RowLevel, list[Check]] = {level: [] for level in RowLevel}
        self.unit_cache: dict[tuple, Unit | None] = {}
        self.after_reform = date >= REFORM_DATE
        self.unit_columns = f.DISTRICT in table.columns or f.COMMUNE in table.columns
        self.unreliable: set[str] = set()  # fields with unreadable cells: subtotals not checked
        self.cells = table.sheet.rows
        self.formulas = table.sheet.formulas_without_value
        # Looked up once per sheet, not once per row: the per-row path is what a 100,000-row
        # report spends its time in.
        self.count_columns = [table.columns.get(key) for key in COUNT_FIELDS]
        self.both_parts = (
            f.FULL_MEMBERS in table.columns and f.PROBATIONARY_MEMBERS in table.columns
        )
        self.districts: dict[int, Unit | None] = {}  # commune id → its district

    def walk(self, rows: list[TableRow]) -> None:
        for row in rows:
            if row.kind == RowKind.SECTION:
                self.section_open(row)
            elif row.kind in (RowKind.SUBTOTAL, RowKind.TOTAL):
                self.subtotal(row)
            else:
                self.village(row)
        self.close(RowLevel.DISTRICT)
        for check in self.top_checks[RowLevel.SHEET]:
            self.report.sheet_totals.append((check, self.cumulative))
        self.report.total.add(self.cumulative)
        self.report.unreliable |= self.unreliable

    # -- sections and subtotals

    def section_open(self, row: TableRow) -> None:
        level = row.level or (RowLevel.COMMUNE if self.after_reform else RowLevel.DISTRICT)
        self.close(level)
        column = self.columns.get(f.VILLAGE)
        if level == RowLevel.DISTRICT:
            self.district = self.district_find(row.name, row.index, column)
            self.commune = None
            self.section_failed = self.district is None
        else:
            parent = self.district or self.province
            self.commune = self.commune_find(row.name, parent, row.index, column)
            self.section_failed = self.commune is None
            if self.commune is not None:
                self.commune_seen(self.commune, row.index)
        check = self.check(row)
        if check.figures:
            self.top_checks[level].append(check)

    def close(self, level: RowLevel) -> None:
        """Close the open group at `level` and those inside it: compare their top subtotals."""
        levels = [RowLevel.COMMUNE] if level == RowLevel.COMMUNE else [RowLevel.COMMUNE, level]
        for closing in levels:
            for check in self.top_checks[closing]:
                self.compare(check, self.since(self.group_marks[closing]))
            self.top_checks[closing] = []
            self.group_marks[closing] = self.run_marks[closing] = self.mark()

    def subtotal(self, row: TableRow) -> None:
        level = row.level or self.innermost()
        check = self.check(row)
        if not check.figures:
            return
        run = self.since(self.run_marks[level])
        if level == RowLevel.SHEET or run.rows == 0:
            self.top_checks[level].append(check)  # at the top of what it sums
            return
        self.compare(check, run)
        self.run_marks[level] = self.mark()

    def mark(self) -> Tally:
        return Tally(self.cumulative.rows, dict(self.cumulative.sums))

    def since(self, mark: Tally) -> Tally:
        """The rows added after `mark`, and their sums."""
        sums = {key: value - mark.get(key) for key, value in self.cumulative.sums.items()}
        return Tally(self.cumulative.rows - mark.rows, sums)

    def innermost(self) -> RowLevel:
        if self.commune is not None or self.section_failed:
            return RowLevel.COMMUNE
        return RowLevel.DISTRICT if self.district is not None else RowLevel.SHEET

    def check(self, row: TableRow) -> Check:
        figures: dict[str, tuple[int, Column]] = {}
        keys = COUNT_FIELDS + (f.MARKS if self.table.status_style == StatusStyle.MARKS else ())
        for key in keys:
            column = self.columns.get(key)
            if column is None:
                continue
            number = self.count(row.index, column)
            if number is not None:
                figures[key] = (number, column)
        return Check(self.table, row, figures)

    def compare(self, check: Check, tally: Tally) -> None:
        for key, (given, column) in check.figures.items():
            computed = tally.get(key)
            if given != computed and key not in self.unreliable:
                params = {"label": check.row.name or check.row.number, "given": given}
                params["computed"] = computed
                self.findings.at(self.table, check.row.index, column, SUBTOTAL_DIFFERS, params)

    # -- units

    def district_find(self, name: str, index: int, column: Column | None) -> Unit | None:
        if self.after_reform:
            params = {"date": date_text(self.date)}
            self.findings.at(self.table, index, column, DISTRICT_AFTER_REFORM, params)
            return None
        match = self.units.find(name, Level.DISTRICT, self.province.id)
        return self.unit_or_error(match, name, self.province, index, column, Level.DISTRICT)

    def commune_find(self, name: str, parent: Unit, index: int, column) -> Unit | None:
        match = self.units.find(name, Level.COMMUNE, parent.id)
        return self.unit_or_error(match, name, parent, index, column, Level.COMMUNE)

    def unit_or_error(self, match: Match, name, parent, index, column, level) -> Unit | None:
        if match.found is not None:
            return match.found
        params = {"name": name, "parent": parent.name, "date": date_text(self.date)}
        if match.ambiguous:
            text = AMBIGUOUS_UNIT
        elif level == Level.DISTRICT:
            text = NOT_A_DISTRICT_CLOSEST if match.closest else NOT_A_DISTRICT
        else:
            text = NOT_A_COMMUNE_CLOSEST if match.closest else NOT_A_COMMUNE
        params["closest"] = ", ".join(match.closest)
        self.findings.at(self.table, index, column, text, params)
        return None

    def commune_seen(self, commune: Unit, index: int) -> None:
        district = self.units.parent(commune) if not self.after_reform else None
        self.report.communes.setdefault(
            commune.id, CommuneSeen(commune, district, self.table.sheet.name, index + 1)
        )

    def commune_of_row(self, row: TableRow) -> tuple[Unit | None, bool]:
        """The row's commune (its column wins over the open section) and whether an error was
        already given for it."""
        if not self.unit_columns:
            return self.commune, self.section_failed
        district = self.district
        district_column = self.columns.get(f.DISTRICT)
        district_name = self.text(row.index, district_column)
        if district_name:
            key = ("district", name_key(district_name))
            if key not in self.unit_cache:
                self.unit_cache[key] = self.district_find(district_name, row.index, district_column)
            district = self.unit_cache[key]
            if district is None:
                return None, True
        commune_column = self.columns.get(f.COMMUNE)
        commune_name = self.text(row.index, commune_column)
        if not commune_name:
            return self.commune, self.section_failed
        parent = district or self.province
        key = ("commune", parent.id, name_key(commune_name))
        if key not in self.unit_cache:
            commune = self.commune_find(commune_name, parent, row.index, commune_column)
            self.unit_cache[key] = commune
            if commune is not None:
                self.commune_seen(commune, row.index)
            return commune, True
        return self.unit_cache[key], True

    # -- villages

    def village(self, row: TableRow) -> None:
        errors_before = len(self.findings.errors)
        name_column = self.columns[f.VILLAGE]
        bad: set[str] = set()  # fields with an unreadable value: checks on them would mislead
        counts = [self.count(row.index, column, bad) for column in self.count_columns]
        status = self.status(row.index)
        if status is None:
            self.unreliable.update(f.MARKS)
        members, full, probationary, admissions = self.counts_complete(*counts)
        if not bad or not bad & {f.MEMBERS, f.FULL_MEMBERS, f.PROBATIONARY_MEMBERS}:
            self.counts_check(row.index, members, full, probationary)
        if status is not None and (not bad or not bad & {f.MEMBERS, f.FULL_MEMBERS}):
            self.status_check(row.index, status, members, full)
        commune, reported = self.commune_of_row(row)
        if not row.name:
            self.findings.at(self.table, row.index, name_column, NO_VILLAGE_NAME)
        elif commune is None and not reported:
            self.findings.at(self.table, row.index, name_column, NO_COMMUNE)
        self.tally_add(members, full, probationary, admissions, status)
        if commune is None or not row.name:
            return
        entry = VillageEntry(
            sheet=self.table.sheet.name,
            row=row.excel_row,
            name=_tidy(row.name),
            code=self.text(row.index, self.columns.get(f.VILLAGE_CODE)),
            commune=commune,
            district=self.district_of(commune),
            status=status or "",
            members=members,
            full_members=full,
            probationary_members=probationary,
            admissions=admissions,
            host=_tidy(self.text(row.index, self.columns.get(f.HOST))),
            note=self.text(row.index, self.columns.get(f.NOTE)),
            column=name_column,
        )
        if len(self.findings.errors) == errors_before:
            self.report.entries.append(entry)

    def district_of(self, commune: Unit) -> Unit | None:
        if self.after_reform:
            return None
        if commune.id not in self.districts:
            self.districts[commune.id] = self.units.parent(commune)
        return self.districts[commune.id]

    def tally_add(self, members, full, probationary, admissions, status) -> None:
        sums = self.cumulative.sums
        self.cumulative.rows += 1
        for key, value in (
            (f.MEMBERS, members),
            (f.FULL_MEMBERS, full),
            (f.PROBATIONARY_MEMBERS, probationary),
            (f.ADMISSIONS, admissions),
        ):
            if value:
                sums[key] = sums.get(key, 0) + value
        mark = MARK_KEY.get(status)
        if mark:
            sums[mark] = sums.get(mark, 0) + 1

    def counts_complete(self, members, full, probationary, admissions) -> tuple:
        """Empty count cells of a filled row are 0; full and probationary stay unknown when
        both are empty (the report gives only the total)."""
        members = members or 0
        if self.both_parts and (full is not None or probationary is not None):
            full, probationary = full or 0, probationary or 0
        if admissions is None and f.ADMISSIONS in self.columns:
            admissions = 0
        return members, full, probationary, admissions

    def counts_check(self, index: int, members: int, full, probationary) -> None:
        if full is None or probationary is None or full + probationary == members:
            return
        params = {"full": full, "probationary": probationary, "sum": full + probationary}
        params["members"] = members
        column = self.columns[f.MEMBERS]
        self.findings.at(self.table, index, column, FULL_PLUS_PROBATIONARY, params)

    def status(self, index: int) -> str | None:
        if self.table.status_style == StatusStyle.MARKS:
            return self.status_from_marks(index)
        column = self.columns[f.STATUS]
        if self.formula_without_value(index, column):
            return None
        try:
            status = status_parse(self.value(index, column))
        except BadValue as error:
            self.findings.at(self.table, index, column, error.text)
            return None
        if status is None:
            self.findings.at(self.table, index, column, NO_STATUS)
        return status

    def status_from_marks(self, index: int) -> str | None:
        marked = []
        for key in f.MARKS:
            column = self.columns[key]
            if self.formula_without_value(index, column):
                return None
            try:
                if mark_parse(self.value(index, column)):
                    marked.append(key)
            except BadValue as error:
                self.findings.at(self.table, index, column, error.text)
                return None
        first = self.columns[f.MARKS[0]]
        if not marked:
            self.findings.at(self.table, index, first, NO_STATUS)
            return None
        if len(marked) > 1:
            self.findings.at(self.table, index, self.columns[marked[1]], SEVERAL_MARKS)
            return None
        return MARK_STATUS[marked[0]]

    def status_check(self, index: int, status: str, members: int, full: int | None) -> None:
        column = self.columns.get(f.STATUS) or self.columns[MARK_KEY[status]]
        if status == Status.NO_MEMBERS and members > 0:
            params = {"members": members}
            self.findings.at(self.table, index, column, NO_MEMBERS_WITH_MEMBERS, params)
        elif status == Status.OWN_CELL and (full if full is not None else members) < 3:
            params = {"count": full if full is not None else members}
            self.findings.at(self.table, index, column, OWN_CELL_TOO_FEW, params)
        elif status == Status.JOINED and members == 0:
            self.findings.at(self.table, index, column, JOINED_WITHOUT_MEMBERS)

    # -- cells

    def value(self, index: int, column: Column) -> object:
        cells = self.cells[index]
        return cells[column.index] if column.index < len(cells) else ""

    def text(self, index: int, column: Column | None) -> str:
        if column is None:
            return ""
        value = self.value(index, column)
        return "" if value == "" or value is None else cell_text(value)

    def count(self, index: int, column: Column | None, bad: set | None = None) -> int | None:
        """The count in a cell; None when empty or unreadable (said, and the field noted in
        `bad` and as unreliable for the subtotals of the sheet)."""
        if column is None:
            return None
        cells = self.cells[index]
        value = cells[column.index] if column.index < len(cells) else ""
        if type(value) is float and value >= 0 and value.is_integer() and not self.formulas:
            return int(value)  # what calamine gives for almost every count: no more to check
        try:
            if self.formula_without_value(index, column):
                raise BadValue(None)
            return count_parse(value)
        except BadValue as error:
            if error.text is not None:
                self.findings.at(self.table, index, column, error.text)
            self.unreliable.add(column.field)
            if bad is not None:
                bad.add(column.field)
            return None

    def formula_without_value(self, index: int, column: Column) -> bool:
        if not self.formulas or (index, column.index) not in self.formulas:
            return False
        self.findings.at(self.table, index, column, FORMULA_NO_VALUE, value="")
        return True


def _sheet_totals_check(report: VillageReport, findings: Findings) -> None:
    """A total at sheet level sums its sheet, or the whole workbook (a province total on the
    first of one-sheet-per-district workbooks)."""
    for check, tally in report.sheet_totals:
        for key, (given, column) in check.figures.items():
            if given in (tally.get(key), report.total.get(key)) or key in report.unreliable:
                continue
            params = {"label": check.row.name or check.row.number, "given": given}
            params["computed"] = tally.get(key)
            findings.at(check.table, check.row.index, column, SUBTOTAL_DIFFERS, params)


def entry_issue(entry: VillageEntry, text, params, *, warning: bool = False) -> Issue:
    """An issue about a village row, located at its name cell."""
    return Issue(
        text,
        params,
        sheet=entry.sheet,
        row=entry.row,
        column=entry.column.letter if entry.column else "",
        header=entry.column.header if entry.column else "",
        value=entry.name,
        warning=warning,
    )
