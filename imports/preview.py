"""The summary shown before anything is written (docs/import-format.md, "What an import does",
step 2): shape, date, scope, villages new / changed / unchanged / not reported, figures per commune,
warnings and errors, and whether the import would replace figures already held for the date.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from units.models import Level, Status, Unit, UnitFigure, VillageFigure, VillagePlacement

from .cells import SkippedSheet
from .dates import date_text
from .fields import Shape
from .idlists import ids_in
from .issues import Issue, names_listed
from .layout import SheetHeader
from .models import ImportRun
from .reference import UnitIndex, VillageIndex
from .summary import UnitSummary
from .validate import VillageReport, entry_issue

REWHITENED = _("%(name)s had members on %(previous)s and has none now: re-whitened (tái trắng).")
LOST_OWN_CELL = _("%(name)s had its own cell on %(previous)s and now attends a joined cell.")
NOT_REPORTED = ngettext_lazy(
    "%(count)s village of %(commune)s is not in this report and stays not reported on "
    "%(date)s: %(names)s.",
    "%(count)s villages of %(commune)s are not in this report and stay not reported on "
    "%(date)s: %(names)s.",
    "count",
)
EXTRA_COLUMN = _("This column is not a known field: it is ignored.")
WORSE = {  # a status is worse than those it maps to
    Status.NO_MEMBERS: {Status.OWN_CELL, Status.JOINED},
    Status.JOINED: {Status.OWN_CELL},
}


@dataclass
class CommuneFigures:
    """One commune's rows in the report, summed: the preview's table."""

    commune: Unit
    district: Unit | None = None
    villages: int = 0
    own_cell: int = 0
    joined: int = 0
    no_members: int = 0
    members: int = 0
    admissions: int = 0
    new: int = 0
    not_reported: int = 0


@dataclass
class Preview:
    file_name: str
    size: int = 0
    sha256: str = ""
    format: str = ""
    shape: Shape | None = None
    date: datetime.date | None = None
    scope: Unit | None = None
    sheets: list[str] = field(default_factory=list)  # sheets read as tables
    skipped_sheets: list[SkippedSheet] = field(default_factory=list)  # hidden, charts, no table
    extra_columns: list[str] = field(default_factory=list)  # "Sheet!K (Người báo cáo)"
    headers: list[SheetHeader] = field(default_factory=list)  # for the column-mapping step
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    villages: VillageReport | None = None
    village_index: VillageIndex | None = None
    units: UnitSummary | None = None
    villages_new: int = 0
    villages_changed: int = 0
    villages_unchanged: int = 0
    villages_not_reported: int = 0
    # The date the counts and the per-commune table compare with: the latest date up to the
    # report's own with figures of its communes (the report's date itself on a re-upload).
    before_date: datetime.date | None = None
    communes: list[CommuneFigures] = field(default_factory=list)
    same_file: ImportRun | None = None  # this very file was imported already
    existing_figures: int = 0  # figures already held for the date and scope
    conflicts: list[ImportRun] = field(default_factory=list)  # the runs that wrote them

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def needs_replace(self) -> bool:
        return self.existing_figures > 0

    @property
    def rows(self) -> int:
        if self.villages is not None:
            return len(self.villages.entries)
        return len(self.units.entries) if self.units is not None else 0

    @property
    def unit_ids(self) -> list[int]:
        if self.villages is not None:
            return sorted(self.villages.communes)
        return sorted(entry.unit.id for entry in self.units.entries) if self.units else []


def scope_of(units: list[Unit], index: UnitIndex) -> Unit | None:
    """The smallest unit covering all of `units`: a commune, its district, or the province."""
    if len(units) <= 1:
        return units[0] if units else None
    parents = {unit.parent_id for unit in units}
    if len(parents) == 1 and all(unit.level == Level.COMMUNE for unit in units):
        return index.unit(parents.pop())
    # From each distinct parent: a national report's 10,000 communes have 700 districts.
    above = {unit.parent_id for unit in units if unit.level != Level.PROVINCE}
    provinces = {_province_of(index.unit(parent_id), index) for parent_id in above}
    provinces |= {unit for unit in units if unit.level == Level.PROVINCE}
    return provinces.pop() if len(provinces) == 1 else None


def _province_of(unit: Unit | None, index: UnitIndex) -> Unit | None:
    while unit is not None and unit.level != Level.PROVINCE:
        unit = index.parent(unit)
    return unit


# ---------------------------------------------------------------------------- village reports


def village_changes_preview(preview: Preview) -> None:
    """Compare the report with what the database holds: new, changed and unchanged villages,
    villages left out, statuses worse than at the previous date, figures already held.

    Changed and unchanged compare with the figures held at `before_date`, the date the
    per-commune table shows (issue 13: a re-upload compared with the quarter before said
    "873 changed" while the table showed none); a worse status compares with the date before
    the report's, since that is what "got worse" means."""
    report, index, date = preview.villages, preview.village_index, preview.date
    communes = {
        commune_id: CommuneFigures(seen.unit, seen.district)
        for commune_id, seen in report.communes.items()
    }
    before = _figures_before(list(communes), date)
    preview.before_date, held = before.held_date, before.held
    previous_date, previous = before.previous_date, before.previous
    same_date = before.held_date == date
    for entry in report.entries:
        figures = communes[entry.commune.id]
        _figures_add(figures, entry)
        if entry.village_id is None:
            preview.villages_new += 1
            figures.new += 1
            continue
        if held.get(entry.village_id) == _compared(entry, same_date):
            preview.villages_unchanged += 1
        else:
            preview.villages_changed += 1
        was = previous.get(entry.village_id)
        if was and was[0] in WORSE.get(entry.status, ()):
            text = REWHITENED if entry.status == Status.NO_MEMBERS else LOST_OWN_CELL
            params = {"name": entry.name, "previous": date_text(previous_date)}
            preview.warnings.append(entry_issue(entry, text, params, warning=True))
    _not_reported_warn(preview, index, communes)
    preview.communes = sorted(communes.values(), key=_commune_order)
    _existing_village_figures(preview)


def _commune_order(figures: CommuneFigures) -> tuple[str, str]:
    """Districts, then communes, in Vietnamese alphabetical order (Điện after Dương, Ảng
    among the A's), as the public pages list them: by the key stored with each unit
    (`Unit.sort_key`), not worked out again for a national report's 10,000 communes."""
    district = figures.district
    return (district.sort_key if district else "", figures.commune.sort_key)


def _figures_add(figures: CommuneFigures, entry) -> None:
    figures.villages += 1
    figures.members += entry.members
    figures.admissions += entry.admissions or 0
    if entry.status == Status.OWN_CELL:
        figures.own_cell += 1
    elif entry.status == Status.JOINED:
        figures.joined += 1
    else:
        figures.no_members += 1


def _placed_in(commune_ids: list[int]):
    return VillagePlacement.objects.filter(commune_id__in=ids_in(commune_ids)).values("village_id")


# What makes a village "changed" against the figures held: against an earlier date, what it
# stands at (status and members; admissions, a flow, differ by nature); against the report's own
# date (a correction, which replacing rewrites), every value the report gives.
STANDING = ("status", "members")
SAME_DATE = STANDING + ("full_members", "probationary_members", "admissions", "joined_with_name")


def _compared(entry, same_date: bool) -> tuple:
    if not same_date:
        return entry.status, entry.members
    return (
        entry.status,
        entry.members,
        entry.full_members,
        entry.probationary_members,
        entry.admissions,
        entry.host[:120],
    )


@dataclass
class FiguresBefore:
    """The figures of a report's villages held at the latest date up to the report's (what
    changed and unchanged compare with: `_compared`'s values) and at the latest date before it
    (what "got worse" compares with: status first), by village."""

    held_date: datetime.date | None = None
    held: dict[int, tuple] = field(default_factory=dict)
    previous_date: datetime.date | None = None
    previous: dict[int, tuple] = field(default_factory=dict)


def _figures_before(commune_ids: list[int], date: datetime.date) -> FiguresBefore:
    """Two queries: the two dates, then the figures at both."""
    figures = VillageFigure.objects.filter(
        village_id__in=_placed_in(commune_ids), period__date__lte=date
    )
    dates = figures.aggregate(
        held=Max("period__date"), previous=Max("period__date", filter=Q(period__date__lt=date))
    )
    before = FiguresBefore(dates["held"], {}, dates["previous"], {})
    wanted = {day for day in dates.values() if day is not None}
    if not wanted:
        return before
    rows = figures.filter(period__date__in=wanted)
    fields = SAME_DATE if before.held_date == date else STANDING
    for day, village_id, *values in rows.values_list("period__date", "village_id", *fields):
        if day == before.held_date:
            before.held[village_id] = tuple(values)
        if day == before.previous_date:
            before.previous[village_id] = tuple(values)
    return before


def _not_reported_warn(preview: Preview, index: VillageIndex, communes: dict) -> None:
    reported = {entry.village_id for entry in preview.villages.entries if entry.village_id}
    reported |= _refused_villages(preview.villages, index)
    for commune_id, figures in communes.items():
        missing = _names_told_apart(
            [v for v in index.placed.get(commune_id, []) if v.id not in reported]
        )
        if not missing:
            continue
        figures.not_reported = len(missing)
        preview.villages_not_reported += len(missing)
        seen = preview.villages.communes[commune_id]
        params = {"count": len(missing), "commune": figures.commune.name}
        params["names"] = names_listed(missing)
        params["date"] = date_text(preview.date)
        preview.warnings.append(
            Issue(NOT_REPORTED, params, sheet=seen.sheet, row=seen.row, warning=True)
        )


def _refused_villages(report: VillageReport, index: VillageIndex) -> set[int]:
    """The known villages of the rows refused for an error of their own (a #REF! in their
    members, say): in the report, so not said to be missing from it too; one mistake, one
    message."""
    found = (index.find(commune.id, name, code).found for commune, name, code in report.refused)
    return {village.id for village in found if village is not None}


def _names_told_apart(villages: list) -> list[str]:
    """Their names, with the code where several share one: a ward formed from several has a
    "Tổ dân phố 10" from each (docs/village-identity.md)."""
    shared = Counter(village.name for village in villages)
    return [
        f"{village.name} ({village.code})"
        if shared[village.name] > 1 and village.code
        else village.name
        for village in villages
    ]


def village_figures_held(
    date: datetime.date, commune_ids: list[int], village_ids: set[int]
) -> list[tuple[int, int | None, int]]:
    """(figure id, import run id, commune id) of the figures held at `date` in the communes, or
    for the villages (a village reported under another commune that day). One query: the
    villages are narrowed by their placements in the communes, then filtered here."""
    held_that_day = VillageFigure.objects.filter(period__date=date)
    if not held_that_day.exists():
        return []  # a first report for the date: no need to list a national report's communes
    communes = set(commune_ids)
    candidates = held_that_day.filter(
        Q(commune_id__in=ids_in(communes)) | Q(village_id__in=_placed_in(sorted(communes)))
    )
    rows = candidates.values_list("id", "village_id", "commune_id", "import_run_id")
    return [
        (figure_id, run_id, commune_id)
        for figure_id, village_id, commune_id, run_id in rows
        if commune_id in communes or village_id in village_ids
    ]


def existing_village_figures(preview: Preview) -> list[tuple[int, int | None, int]]:
    """The figures the report would replace."""
    villages = {entry.village_id for entry in preview.villages.entries if entry.village_id}
    return village_figures_held(preview.date, list(preview.villages.communes), villages)


def _existing_village_figures(preview: Preview) -> None:
    existing = existing_village_figures(preview)
    preview.existing_figures = len(existing)
    run_ids = {run_id for _, run_id, _ in existing if run_id}
    preview.conflicts = list(ImportRun.objects.filter(id__in=run_ids).order_by("started"))


# ---------------------------------------------------------------------------- unit summaries


def existing_unit_figures(preview: Preview):
    """Imported unit figures already held for the summary's date and units (published figures,
    which no import wrote, are never replaced)."""
    return UnitFigure.objects.filter(
        period__date=preview.date, unit_id__in=preview.unit_ids, import_run__isnull=False
    )


def unit_changes_preview(preview: Preview) -> None:
    existing = existing_unit_figures(preview).values_list("import_run_id", flat=True)
    run_ids = set(existing)
    preview.existing_figures = len(existing)
    preview.conflicts = list(ImportRun.objects.filter(id__in=run_ids).order_by("started"))


def extra_columns_list(preview: Preview, tables) -> None:
    """Unknown columns: listed in the summary and warned about, never read."""
    for table in tables:
        for column in table.extra:
            preview.extra_columns.append(f"{table.sheet.name}!{column.letter} ({column.header})")
            preview.warnings.append(
                Issue(
                    EXTRA_COLUMN,
                    sheet=table.sheet.name,
                    row=table.header_top + 1,
                    column=column.letter,
                    header=column.header,
                    warning=True,
                )
            )
