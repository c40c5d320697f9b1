"""The commune of each village row of a sheet: its own commune column where it has one (that
wins), else the commune section it is under; the rows with no commune, or no name, said."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from units.domain.names import name_key
from units.models import Unit

from . import fields as f
from .cells import Column, Sheet, cell_text
from .layout import Table, unrecognised_phrases
from .places import UnitFinder
from .rows import RowKind, TableRow, TableRows
from .sections import PHASE_UNIT, SectionsFound
from .village_report import (
    NO_COMMUNE,
    NO_COMMUNE_COLUMN,
    NO_VILLAGE_NAME,
    PHASE_NAME,
    PHASE_PLACE,
)


class SheetRows(Protocol):
    """What the commune assignment reads of the sheet it serves (`sheet_check.SheetCheck`)."""

    sheet: Sheet
    table: Table
    rows: TableRows
    indexes: list[int]
    columns: dict[str, Column]
    formulas: set[tuple[int, int]]
    village_positions: np.ndarray
    finder: UnitFinder

    def cells(self, column: Column | None) -> list: ...
    def formula_positions(self, column: Column | None) -> list[int]: ...
    def say(self, position, phase, column, text, params=None, *, row=None, value=None): ...
    def formula_say(self, position: int, phase: int, column: Column) -> None: ...


class CommunesOfRows:
    """The commune of each village row: its commune column where it has one (that wins), else
    the commune section it is under; and the rows that have none, said."""

    def __init__(self, sheet: SheetRows, found: SectionsFound) -> None:
        self.sheet = sheet
        self.found = found
        self.by_position: dict[int, Unit] = {}
        self.first_rows: dict[int, Unit] = {}  # position → a commune first named in a column
        self.cache: dict[tuple, tuple[Unit | None, bool]] = {}
        self.column_unread = False  # said once for the sheet, not once a village
        self.assign()

    def assign(self) -> None:
        sheet = self.sheet
        positions = sheet.village_positions
        places = self.found.places
        at = np.searchsorted(np.array(self.found.positions, dtype=np.int64), positions) - 1
        district_column = sheet.columns.get(f.DISTRICT)
        commune_column = sheet.columns.get(f.COMMUNE)
        columns = district_column is not None or commune_column is not None
        if not columns and not places and len(positions):
            self.column_unread = self.unread_column_say()
        districts = sheet.cells(district_column)
        communes = sheet.cells(commune_column)
        formulas = set(sheet.formula_positions(district_column))
        formulas |= set(sheet.formula_positions(commune_column))
        named = self.named_rows()
        for position, place_at in zip(positions.tolist(), at.tolist(), strict=True):
            place = places[place_at] if place_at >= 0 else None
            commune, said = (place.commune, place.failed) if place else (None, False)
            if columns:
                commune, said = self.from_columns(position, place, commune, said, formulas,
                                                  text_of(districts[position]),
                                                  text_of(communes[position]))  # fmt: skip
            if commune is not None:
                self.by_position[position] = commune
                if named[position]:
                    continue  # the usual row: nothing to say
            self.name_check(position, commune, said)

    def named_rows(self) -> list[bool]:
        """Whether each row's name cell holds a name (not a formula without a value)."""
        sheet = self.sheet
        at, formulas = sheet.columns[f.VILLAGE].index, sheet.formulas
        named = [bool(name) for name in sheet.rows.names]
        for position, index in enumerate(sheet.indexes) if formulas else ():
            if (index, at) in formulas:
                named[position] = False
        return named

    def from_columns(self, position, place, commune, said, formulas, district_name, commune_name):
        """The commune the row's own columns give (its column wins over the open section), and
        whether an error was already given for it."""
        sheet = self.sheet
        if position in formulas:
            for column in (sheet.columns.get(f.DISTRICT), sheet.columns.get(f.COMMUNE)):
                if column and (sheet.indexes[position], column.index) in sheet.formulas:
                    sheet.formula_say(position, PHASE_PLACE, column)
            return None, True
        district = place.district if place else None
        if district_name:
            district = self.lookup(position, ("district", name_key(district_name)), district_name)
            if district is None:
                return None, True
        if not commune_name:
            return commune, said
        parent = district or sheet.finder.province
        key = ("commune", parent.id, name_key(commune_name))
        return self.lookup(position, key, commune_name, parent), True

    def lookup(self, position, key, name, parent=None) -> Unit | None:
        """A unit named in a column, looked up (and refused) once per sheet and name."""
        if key in self.cache:
            return self.cache[key]
        sheet = self.sheet
        if key[0] == "district":
            unit, refusal = sheet.finder.district(name, in_column=True)
            column = sheet.columns[f.DISTRICT]
        else:
            unit, refusal = sheet.finder.commune(name, parent)
            column = sheet.columns[f.COMMUNE]
            if unit is not None:
                self.first_rows.setdefault(position, unit)
        if refusal:
            sheet.say(position, PHASE_PLACE, column, *refusal)
        self.cache[key] = unit
        return unit

    def name_check(self, position: int, commune: Unit | None, said: bool) -> None:
        sheet = self.sheet
        column = sheet.columns[f.VILLAGE]
        if (sheet.indexes[position], column.index) in sheet.formulas:
            sheet.formula_say(position, PHASE_NAME, column)
        elif not sheet.rows.names[position]:
            sheet.say(position, PHASE_NAME, column, NO_VILLAGE_NAME)
        elif commune is None and not said and not self.column_unread:
            sheet.say(position, PHASE_NAME, column, NO_COMMUNE, {"column": self.commune_label()})

    def commune_label(self) -> str:
        """The commune column's header in the units of the report's date."""
        commune = f.field_for(f.Shape.VILLAGE_REPORT, f.COMMUNE)
        return commune.label_on(self.sheet.finder.date)

    def unread_column_say(self) -> bool:
        """No commune column and no section row, but headers not recognised: one of them may
        hold the communes. Said once, at the header, with the field each is closest to, and
        the column-mapping step that fixes it (docs/import-format.md, "Which column is which")."""
        table, date = self.sheet.table, self.sheet.finder.date
        if not any(not column.field for column in table.extra):
            return False
        unrecognised = unrecognised_phrases(table.shape, table.extra, date)
        params = {"column": self.commune_label(), "unrecognised": unrecognised}
        header = TableRow(RowKind.SECTION, table.header_top, "", "")
        self.sheet.say(0, PHASE_UNIT, None, NO_COMMUNE_COLUMN, params, row=header)
        return True


def text_of(value: object) -> str:
    return "" if value == "" or value is None else cell_text(value)
