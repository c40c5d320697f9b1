"""Validate a unit summary (docs/import-format.md, shape 2): one row per district or commune with
counts.

It gives unit-level figures only and never invents villages. A district row followed by its
communes is checked against their sum; a total row against the sum of the top-level rows.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from units.models import REFORM_DATE, Level, Unit

from . import fields as f
from .cells import Column, cell_text
from .dates import date_text
from .issues import Findings, Grouped, Issue
from .layout import Table
from .places import UnitFinder
from .reference import UnitIndex
from .rows import RowKind, SectionLevel, TableRow, table_rows
from .sections import SUBTOTAL_DIFFERS
from .validate import NO_PROVINCE
from .values import BadValue, count_parse
from .village_report import formula_refusal

SUMMARY_COUNTS = (
    f.VILLAGES_TOTAL,
    f.VILLAGES_OWN_CELL,
    f.VILLAGES_JOINED,
    f.VILLAGES_NO_MEMBERS,
    f.MEMBERS,
    f.GRASSROOTS_ORGS,
    f.CELLS,
    f.ADMISSIONS,
)
DUPLICATE_UNIT = _("%(name)s appears twice in this report (first in sheet %(sheet)s, row %(row)s).")
PARTS_DIFFER = _(
    "Villages with own cell, joined and with no member add up to %(parts)s, "
    "not the %(total)s villages given."
)


@dataclass
class UnitEntry:
    sheet: str
    row: int  # Excel row
    unit: Unit
    figures: dict[str, int]


@dataclass
class UnitSummary:
    entries: list[UnitEntry] = field(default_factory=list)


@dataclass
class _Group:
    """A district row and the commune rows under it, or the top level of a sheet."""

    entry: UnitEntry | None = None
    index: int = 0
    sums: Counter = field(default_factory=Counter)
    rows: int = 0


def unit_summary_validate(
    tables: list[Table], date: datetime.date, units: UnitIndex, findings: Findings
) -> UnitSummary:
    summary = UnitSummary()
    rows = {table.sheet.name: table_rows(table) for table in tables}
    names = [
        (Level.DISTRICT if date < REFORM_DATE else Level.COMMUNE, row.name)
        for table in tables
        for row in rows[table.sheet.name][:50]
        if row.kind in (RowKind.ENTRY, RowKind.SECTION) and row.name
    ]
    title = " ".join(cell_text(v) for t in tables for r in t.sheet.rows[: t.header_top] for v in r)
    province = units.province_choose(names, title)
    if province is None:
        findings.add(Issue(NO_PROVINCE, {"date": date_text(date)}))
        return summary
    seen: dict[int, UnitEntry] = {}
    for table in tables:
        SummaryWalk(table, date, units, province, findings, summary, seen).walk(
            rows[table.sheet.name]
        )
    return summary


class SummaryWalk:
    """A sheet of unit rows, one by one (a summary has a row per unit, not per village)."""

    def __init__(self, table, date, units, province, findings, summary, seen) -> None:
        self.table = table
        self.sheet = table.sheet
        self.columns = table.columns
        self.finder = UnitFinder(units, date, province)
        self.units = units
        self.province = province
        self.after_reform = self.finder.after_reform
        self.findings = findings
        self.summary = summary
        self.seen = seen
        self.top = _Group()
        self.group: _Group | None = None  # the open district row
        self.totals: list[tuple[TableRow, dict[str, tuple[int, Column]]]] = []

    def walk(self, rows: list[TableRow]) -> None:
        for row in rows:
            if row.kind in (RowKind.SUBTOTAL, RowKind.TOTAL):
                self.summary_subtotal(row)
            else:
                self.unit_row(row)
        self.group_close()
        for row, figures in self.totals:
            self.figures_compare(row, figures, self.top.sums)

    def unit_row(self, row: TableRow) -> None:
        column = self.columns[f.UNIT]
        unit = self.unit_find(row, column)
        figures = self.figures(row.index)
        if unit is None:
            return
        first = self.seen.setdefault(
            unit.id, UnitEntry(self.table.sheet.name, row.excel_row, unit, {})
        )
        if first.row != row.excel_row or first.sheet != self.table.sheet.name:
            params = {"name": unit.name, "sheet": first.sheet, "row": first.row}
            self.findings.at(self.sheet, row.index, column, DUPLICATE_UNIT, params)
            return
        first.figures = figures
        self.parts_check(row.index, figures)
        self.summary.entries.append(first)
        if unit.level == Level.DISTRICT:
            self.group_close()
            self.group = _Group(first, row.index)
            self.top_add(figures)
        elif self.group is not None:
            self.group.sums.update(figures)
            self.group.rows += 1
        else:
            self.top_add(figures)

    def unit_find(self, row: TableRow, column: Column) -> Unit | None:
        level = row.level
        if level is None and row.kind == RowKind.SECTION:
            level = SectionLevel.COMMUNE if self.after_reform else SectionLevel.DISTRICT
        if level == SectionLevel.DISTRICT:
            return self.said(self.finder.district(row.name), row, column)
        if level == SectionLevel.COMMUNE or self.group is not None or self.after_reform:
            parent = self.group.entry.unit if self.group else self.province
            return self.said(self.finder.commune(row.name, parent), row, column)
        match = self.units.find(row.name, Level.DISTRICT, self.province.id)
        if match.found is not None:
            return match.found
        return self.said(self.finder.commune(row.name, self.province), row, column)

    def said(self, found, row: TableRow, column: Column) -> Unit | None:
        unit, refusal = found
        if refusal:
            self.findings.at(self.sheet, row.index, column, *refusal)
        return unit

    def count(self, index: int, column: Column) -> int | None:
        """The count in a cell; None when empty or unreadable (said)."""
        if (index, column.index) in self.sheet.formulas_without_value:
            text, params, value = formula_refusal(self.sheet, index, column)
            self.findings.at(self.sheet, index, column, text, params, value=value)
            return None
        try:
            return count_parse(self.sheet.cell(index, column.index))
        except BadValue as error:
            self.findings.at(self.sheet, index, column, error.text, error.params)
            return None

    def figures(self, index: int) -> dict[str, int]:
        """The row's counts; an empty cell of a present column is 0 (the row is filled)."""
        figures = {}
        for key in SUMMARY_COUNTS:
            column = self.columns.get(key)
            if column is not None:
                figures[key] = self.count(index, column) or 0
        return figures

    def parts_check(self, index: int, figures: dict[str, int]) -> None:
        parts_keys = (f.VILLAGES_OWN_CELL, f.VILLAGES_JOINED, f.VILLAGES_NO_MEMBERS)
        if not all(key in figures for key in (f.VILLAGES_TOTAL, *parts_keys)):
            return
        parts = sum(figures[key] for key in parts_keys)
        if parts != figures[f.VILLAGES_TOTAL]:
            params = {"parts": parts, "total": figures[f.VILLAGES_TOTAL]}
            column = self.columns[f.VILLAGES_TOTAL]
            self.findings.at(self.sheet, index, column, PARTS_DIFFER, params, warning=True)

    def top_add(self, figures: dict[str, int]) -> None:
        self.top.sums.update(figures)
        self.top.rows += 1

    def group_close(self) -> None:
        group, self.group = self.group, None
        if group is None or group.rows == 0:
            return
        given = {key: (value, self.columns[key]) for key, value in group.entry.figures.items()}
        row = TableRow(RowKind.SECTION, group.index, "", group.entry.unit.name)
        self.figures_compare(row, given, group.sums)

    def summary_subtotal(self, row: TableRow) -> None:
        figures = {}
        for key in SUMMARY_COUNTS:
            column = self.columns.get(key)
            number = self.count(row.index, column) if column else None
            if number is not None:
                figures[key] = (number, column)
        if row.kind == RowKind.TOTAL or self.group is None:
            self.totals.append((row, figures))
        else:
            self.figures_compare(row, figures, self.group.sums)

    def figures_compare(self, row: TableRow, figures: dict, sums: Counter) -> None:
        for key, (given, column) in figures.items():
            if given != sums[key]:
                params = {
                    "label": row.name or row.number,
                    "given": Grouped(given),
                    "computed": Grouped(sums[key]),
                }
                self.findings.at(self.sheet, row.index, column, SUBTOTAL_DIFFERS, params)
