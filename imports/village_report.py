"""What the validation of a village report gives: a village entry per row that passed, the
communes the report covers, the sums its totals are checked against; and the messages about
village rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from units.models import Status, Unit

from . import fields as f
from .cells import Column, Sheet
from .issues import Issue
from .sections import Check

NO_COMMUNE = _(
    "No commune for this village: put it under a commune section row (“Xã …”) or fill "
    "the column “%(column)s”."
)
NO_COMMUNE_COLUMN = _(
    "No commune for the villages of this sheet: no column reads as “%(column)s” and no commune "
    "section row (“Xã …”) stands above them. Headers not recognised, with the field each is "
    "closest to: %(unrecognised)s. Say which column holds the communes under “Which column is "
    "which” (on the command line: --column commune=LETTER)."
)
NO_VILLAGE_NAME = _("This row has figures but no village name.")
# Longer than the database keeps: cut, the village would not be found by its name or code in
# the next report, and be created again each time.
TOO_LONG_NAME = _(
    "A village name cannot be longer than %(most)s characters; this one has %(length)s."
)
TOO_LONG_CODE = _(
    "A village code cannot be longer than %(most)s characters; this one has %(length)s."
)
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
FORMULA_NO_VALUE = _(
    "This cell holds a formula with no calculated value: open and save the file in Excel first."
)
FORMULA_ERROR = _(
    "This cell shows the error %(error)s instead of a value: correct its formula in Excel and "
    "save the file again."
)


def formula_refusal(sheet: Sheet, index: int, column: Column) -> tuple:
    """(message, params, value) for a formula cell without a value (`Sheet.formulas_without_
    value`): the error Excel shows in it (#REF!, #VALUE!), or none calculated."""
    error = sheet.formula_errors.get((index, column.index))
    if error:
        return FORMULA_ERROR, {"error": error}, error
    return FORMULA_NO_VALUE, None, ""


MARK_STATUS = {
    f.MARK_OWN_CELL: Status.OWN_CELL,
    f.MARK_JOINED: Status.JOINED,
    f.MARK_NO_MEMBERS: Status.NO_MEMBERS,
}
MARK_KEY = {status: key for key, status in MARK_STATUS.items()}
# The order a village row's checks are said in (after the section phases of `sections`).
PHASE_COUNTS, PHASE_STATUS, PHASE_PARTS, PHASE_STATUS_COUNTS, PHASE_PLACE, PHASE_NAME = range(4, 10)


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
class VillageReport:
    entries: list[VillageEntry] = field(default_factory=list)
    communes: dict[int, CommuneSeen] = field(default_factory=dict)
    total: Counter = field(default_factory=Counter)  # every village row's sums, all sheets
    sheet_totals: list[tuple[Check, Counter]] = field(default_factory=list)
    unreliable: set[str] = field(default_factory=set)  # fields with unreadable cells
    # The village rows refused for an error of their own, as (commune, name, code): they are in
    # the report, so their villages are not also said to be missing from it.
    refused: list[tuple[Unit, str, str]] = field(default_factory=list)


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
