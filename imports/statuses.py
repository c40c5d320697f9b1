"""The statuses of a sheet's village rows, read column by column: one status text column (each
distinct text read once, by what it says: `imports.vocabulary`) or three mark columns (one
marked per row); then each status checked against the row's counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from units.models import Status

from . import fields as f
from .cells import Column
from .header import StatusStyle
from .values import BadValue, mark_parse, status_parse
from .village_report import (
    JOINED_WITHOUT_MEMBERS,
    MARK_KEY,
    MARK_STATUS,
    NO_MEMBERS_WITH_MEMBERS,
    NO_STATUS,
    OWN_CELL_TOO_FEW,
    PHASE_STATUS,
    PHASE_STATUS_COUNTS,
    SEVERAL_MARKS,
)


class StatusChecks:
    """The status checks of `imports.sheet_check.SheetCheck`, which they are part of."""

    def status_read(self) -> np.ndarray:
        """Each village row's status ("" where unreadable or missing, said)."""
        if self.table.status_style == StatusStyle.MARKS:
            return self.marks_read()
        column = self.columns[f.STATUS]
        cells = self.cells(column)
        # Each distinct text read once: a report writes a handful of statuses 100,000 times.
        positions = self.village_positions
        codes, texts = pd.factorize(pd.Series(cells, dtype=object).iloc[positions])
        readings = [_status_reading(text) for text in texts] + [("", None)]  # code -1: empty
        # Each row's status through its text's code, all rows at once; then the rows with no
        # status (unreadable, empty, a formula) said one by one, in the order of the rows.
        read = np.array([status for status, _error in readings], dtype=object)
        statuses = np.full(len(self.rows), "", dtype=object)
        statuses[positions] = read[codes]
        in_formula = np.isin(positions, self.formula_positions(column))
        for at in np.flatnonzero((read[codes] == "") | in_formula).tolist():
            position, error = int(positions[at]), readings[codes[at]][1]
            statuses[position] = ""
            if in_formula[at]:
                self.formula_say(position, PHASE_STATUS, column)
            elif error is not None:
                self.say(position, PHASE_STATUS, column, error.text, error.params)
            else:
                self.say(position, PHASE_STATUS, column, NO_STATUS)
        return statuses

    def marks_read(self) -> np.ndarray:
        """Three mark columns: exactly one marked per village row."""
        columns = [self.columns[key] for key in f.MARKS]
        marked = np.zeros((len(self.rows), 3), dtype=bool)
        odd = np.zeros(len(self.rows), dtype=bool)  # an unreadable mark or a formula
        for at, column in enumerate(columns):
            for position, value in enumerate(self.cells(column)):
                try:
                    marked[position, at] = mark_parse(value)
                except BadValue:
                    odd[position] = True
            odd[self.formula_positions(column)] = True
        statuses = np.full(len(self.rows), "", dtype=object)
        single = self.villages & ~odd & (marked.sum(axis=1) == 1)
        for position in np.flatnonzero(single):
            statuses[position] = MARK_STATUS[f.MARKS[int(np.argmax(marked[position]))]]
        for position in np.flatnonzero(self.villages & ~single):
            self.marks_refuse(position, columns, marked[position])
        return statuses

    def marks_refuse(self, position: int, columns: list[Column], marked) -> None:
        """Why a row's marks give no status: the first formula or unreadable mark, else none
        or several marked (as a reader going along the row finds it)."""
        index = self.rows[position].index
        for column in columns:
            if (index, column.index) in self.formulas:
                self.formula_say(position, PHASE_STATUS, column)
                return
            try:
                mark_parse(self.sheet.cell(index, column.index))
            except BadValue as error:
                self.say(position, PHASE_STATUS, column, error.text)
                return
        if not marked.any():
            self.say(position, PHASE_STATUS, columns[0], NO_STATUS)
        else:
            second = columns[int(np.flatnonzero(marked)[1])]
            self.say(position, PHASE_STATUS, second, SEVERAL_MARKS)

    def status_counts_check(self, status: np.ndarray, numbers) -> None:
        """A status that contradicts the counts: "no members" with members, "own cell" with
        fewer than 3 full members (or members, when full ones are not given), "joined" with
        none."""
        members, full = numbers[f.MEMBERS], numbers[f.FULL_MEMBERS]
        readable = self.villages & ~self.bad_rows(f.MEMBERS, f.FULL_MEMBERS)
        cell_members = np.where(np.isnan(full), members, full)
        checks = (
            (Status.NO_MEMBERS, members > 0, NO_MEMBERS_WITH_MEMBERS, "members", members),
            (Status.OWN_CELL, cell_members < 3, OWN_CELL_TOO_FEW, "count", cell_members),
            (Status.JOINED, members == 0, JOINED_WITHOUT_MEMBERS, "", members),
        )
        for value, wrong, text, name, figure in checks:
            column = self.columns.get(f.STATUS) or self.columns[MARK_KEY[value]]
            for position in np.flatnonzero(readable & (status == value) & wrong):
                params = {name: int(figure[position])} if name else None
                self.say(position, PHASE_STATUS_COUNTS, column, text, params)


def _status_reading(value: object) -> tuple[str, BadValue | None]:
    try:
        return status_parse(value) or "", None
    except BadValue as error:
        return "", error
