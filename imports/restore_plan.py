"""What restoring a replaced import would change, for the confirmation page (issue 13): the
dates, the units and their village counts before → after, the figures written back and those
moved aside. Publishing and withdrawing show theirs the same way (imports.publish_plan).

The restore itself runs, in a transaction rolled back at the end, so the page shows exactly
what confirming will do (the same code, not an estimate). That transaction takes its turn with
the writers on SQLite (units.domain.transactions.trial_write): a plan asked for while an import
commits waits for it, up to the busy timeout, and shows the figures after it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from units.domain.coverage import FIGURES, coverage_refresh, unit_parents
from units.domain.lifetimes import Changes
from units.domain.transactions import trial_write
from units.models import (
    Coverage,
    Level,
    Period,
    Unit,
    UnitFigure,
    Village,
    VillageFigure,
    VillagePlacement,
)

from .models import ImportRun, ReplacedFigures
from .services import restore_write

SHOWN = 200  # rows of the table; the rest are counted
ADMISSIONS = FIGURES.index("admissions")
LEVELS = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}


@dataclass
class UnitChange:
    """One unit at one date: its `Coverage` values (FIGURES order) before and after, admissions
    None where no village in the unit reported them (`_coverage`)."""

    date: datetime.date
    unit: Unit
    before: tuple | None
    after: tuple | None

    def pairs(self) -> list[tuple[int | None, int | None]]:
        """(before, after) for villages, own cell, joined, no members, not reported, members and
        admissions: every value that can make a unit's row differ, so no row reads unchanged."""
        return [
            (self.before[i] if self.before else None, self.after[i] if self.after else None)
            for i in range(len(FIGURES))
        ]


@dataclass
class RestorePlan:
    """What a write will change (a restore, a publish, a withdraw: imports.publish_plan)."""

    run: ImportRun
    figures_back: int = 0  # village and unit figures written back
    aside: dict[ImportRun, int] = field(default_factory=dict)  # figures kept, per run
    back: dict[ImportRun, int] = field(default_factory=dict)  # figures current again, per run
    own: tuple[int, int] = (0, 0)  # the run's own figures held before → after
    villages: tuple[int, int] = (0, 0)  # villages held before → after
    dates: list[datetime.date] = field(default_factory=list)
    changes: list[UnitChange] = field(default_factory=list)  # the first SHOWN
    more: int = 0


def restore_plan(run: ImportRun) -> RestorePlan:
    """Raises ImportRefused when the run is not a replaced one."""
    plan = change_plan(run, lambda: _refreshed(restore_write(run)))
    plan.figures_back = sum(plan.back.values())
    return plan


def _refreshed(changes: Changes) -> Changes:
    coverage_refresh(changes)
    return changes


def change_plan(run: ImportRun, write: Callable[[], Changes]) -> RestorePlan:
    """Run `write` (which refreshes coverage and returns what changed) in a savepoint rolled
    back, and compare: the same code as the real action, not an estimate. The before and the
    after are read in one `trial_write`: on SQLite it waits for a writer of another connection
    to commit, then holds the write lock to its end, so both are of the same data (a deferred
    `BEGIN` failed with "database is locked" when an import committed meanwhile)."""
    with trial_write():
        plan = RestorePlan(run, villages=(Village.objects.count(), 0), own=(_own(run), 0))
        snapshots = _snapshot_ids()
        parents = unit_parents()  # a write adds villages, never units
        with transaction.atomic():
            units, after, kept = _written(plan, write, parents, snapshots)
            transaction.set_rollback(True)
        run.refresh_from_db()
        _count_by_run(plan.back, snapshots - kept)  # gone in the write, back after the rollback
        before = _coverage(units, parents)
    _changes_list(plan, before, after)
    return plan


def _written(
    plan: RestorePlan, write: Callable[[], Changes], parents: dict, snapshots: set[int]
) -> tuple:
    """The units `write` changed (with their ancestors), their coverage after it and the
    snapshots of replaced figures then kept; the figures it moves aside counted in `plan`."""
    dates = set(Period.objects.values_list("date", flat=True))  # a withdraw may drop one
    changes = write()
    dates = sorted(dates | set(Period.objects.values_list("date", flat=True)))
    units = _with_ancestors(changes.dates(dates), parents)
    plan.villages = (plan.villages[0], Village.objects.count())
    plan.own = (plan.own[0], _own(plan.run))
    kept = _snapshot_ids()
    _count_by_run(plan.aside, kept - snapshots)
    return units, _coverage(units, parents), kept


def _own(run: ImportRun) -> int:
    return (
        VillageFigure.objects.filter(import_run=run).count()
        + UnitFigure.objects.filter(import_run=run).count()
    )


def _snapshot_ids() -> set[int]:
    return set(ReplacedFigures.objects.values_list("id", flat=True))


def _count_by_run(counts: dict[ImportRun, int], ids: set[int]) -> None:
    """The figures the snapshots `ids` hold, per run they belong to."""
    for snapshot in ReplacedFigures.objects.filter(id__in=sorted(ids)).select_related("run"):
        kept = len(snapshot.village_figures) + len(snapshot.unit_figures)
        counts[snapshot.run] = counts.get(snapshot.run, 0) + kept


def _with_ancestors(
    touched: dict[datetime.date, set[int]], parents: dict[int, int | None]
) -> dict[datetime.date, set[int]]:
    return {date: _and_ancestors(communes, parents) for date, communes in touched.items()}


def _and_ancestors(communes: set[int], parents: dict[int, int | None]) -> set[int]:
    """The communes and every unit above them."""
    units = set(communes)
    for commune in communes:
        current = parents.get(commune)
        while current is not None:
            units.add(current)
            current = parents.get(current)
    return units


def _coverage(
    units: dict[datetime.date, set[int]], parents: dict[int, int | None]
) -> dict[tuple, tuple]:
    """(date, unit id) → the unit's `Coverage` values at the date, admissions None where no
    village in the unit reported them: `Coverage` sums admissions not given as 0, which would
    show a 0 nobody reported (the site shows a dash for not reported, never a zero)."""
    values = {}
    for date, ids in units.items():
        ids = sorted(ids)
        reporting = _and_ancestors(_communes_reporting_admissions(date), parents)
        for start in range(0, len(ids), 900):
            rows = Coverage.objects.filter(
                period__date=date, unit_id__in=ids[start : start + 900]
            ).values_list("unit_id", *FIGURES)
            for unit_id, *counted in rows:
                if unit_id not in reporting:
                    counted[ADMISSIONS] = None
                values[(date, unit_id)] = tuple(counted)
    return values


def _communes_reporting_admissions(date: datetime.date) -> set[int]:
    """The communes where a village placed there at the date has a figure giving its
    admissions: the villages `Coverage` counts (units.domain.coverage.village_counts)."""
    placed = VillagePlacement.objects.valid_on(date).filter(
        village__figures__period__date=date, village__figures__admissions__isnull=False
    )
    return set(placed.values_list("commune_id", flat=True).order_by().distinct())


def _changes_list(plan: RestorePlan, before: dict, after: dict) -> None:
    keys = sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
    plan.dates = sorted({date for date, _ in keys})
    shown = keys[:SHOWN]
    plan.more = len(keys) - len(shown)
    names = Unit.objects.in_bulk({unit_id for _, unit_id in shown})
    changes = [
        UnitChange(date, names[unit_id], before.get((date, unit_id)), after.get((date, unit_id)))
        for date, unit_id in shown
    ]
    # Vietnamese alphabetical order, as the public pages list units (Điện before Mường).
    plan.changes = sorted(changes, key=_change_order)


def _change_order(change: UnitChange) -> tuple:
    return change.date, LEVELS.get(change.unit.level, 3), change.unit.sort_key
