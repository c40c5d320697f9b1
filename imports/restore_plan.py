"""What restoring a replaced import would change, for the confirmation page (issue 13): the
dates, the units and their village counts before → after, the figures written back and those
moved aside.

The restore itself runs, in a transaction rolled back at the end, so the page shows exactly
what confirming will do (the same code, not an estimate).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from units.domain.coverage import COUNTED, coverage_refresh, unit_parents
from units.models import Coverage, Level, Period, Unit, Village

from .models import ImportRun, ReplacedFigures
from .services import restore_write

SHOWN = 200  # rows of the table; the rest are counted
LEVELS = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}


@dataclass
class UnitChange:
    """One unit at one date: its `Coverage` values (COUNTED order) before and after."""

    date: datetime.date
    unit: Unit
    before: tuple | None
    after: tuple | None

    def pairs(self) -> list[tuple[int | None, int | None]]:
        """(before, after) for villages, own cell, joined, no members, not reported."""
        return [
            (self.before[i] if self.before else None, self.after[i] if self.after else None)
            for i in range(5)
        ]


@dataclass
class RestorePlan:
    run: ImportRun
    figures_back: int = 0  # village and unit figures written back
    aside: dict[ImportRun, int] = field(default_factory=dict)  # figures kept, per run
    villages: tuple[int, int] = (0, 0)  # villages held before → after
    dates: list[datetime.date] = field(default_factory=list)
    changes: list[UnitChange] = field(default_factory=list)  # the first SHOWN
    more: int = 0


def restore_plan(run: ImportRun) -> RestorePlan:
    """Raises ImportRefused when the run is not a replaced one."""
    plan = RestorePlan(run, villages=(Village.objects.count(), 0))
    plan.figures_back = sum(
        len(s.village_figures) + len(s.unit_figures) for s in run.replaced_figures.all()
    )
    last_snapshot = ReplacedFigures.objects.aggregate(last=Max("id"))["last"] or 0
    with transaction.atomic():
        changes = restore_write(run)
        coverage_refresh(changes)
        dates = [period.date for period in Period.objects.order_by("date")]
        units = _with_ancestors(changes.dates(dates))
        after = _coverage(units)
        plan.villages = (plan.villages[0], Village.objects.count())
        for snapshot in ReplacedFigures.objects.filter(id__gt=last_snapshot).select_related("run"):
            kept = len(snapshot.village_figures) + len(snapshot.unit_figures)
            plan.aside[snapshot.run] = plan.aside.get(snapshot.run, 0) + kept
        transaction.set_rollback(True)
    run.refresh_from_db()
    before = _coverage(units)
    _changes_list(plan, before, after)
    return plan


def _with_ancestors(touched: dict[datetime.date, set[int]]) -> dict[datetime.date, set[int]]:
    parents = unit_parents()
    result = {}
    for date, communes in touched.items():
        units = set(communes)
        for commune in communes:
            current = parents.get(commune)
            while current is not None:
                units.add(current)
                current = parents.get(current)
        result[date] = units
    return result


def _coverage(units: dict[datetime.date, set[int]]) -> dict[tuple, tuple]:
    values = {}
    for date, ids in units.items():
        ids = sorted(ids)
        for start in range(0, len(ids), 900):
            rows = Coverage.objects.filter(
                period__date=date, unit_id__in=ids[start : start + 900]
            ).values_list("unit_id", *COUNTED)
            for unit_id, *counted in rows:
                values[(date, unit_id)] = tuple(counted)
    return values


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
    plan.changes = sorted(changes, key=lambda c: (c.date, LEVELS.get(c.unit.level, 3), c.unit.name))
