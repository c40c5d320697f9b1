"""Withdrawing a published import: undone completely, every figure at every date as it was before
it was published (issue 11 §2; docs/import-format.md, "What an import does").

    the run's own figures go ─▶ the figures it replaced come back under the runs that wrote them
    (with the villages its replace removed) ─▶ villages settled by their figures
    (units.domain.lifetimes: those only it named go, lives it extended shrink back)
    ─▶ coverage_refresh of what changed, at every date

The same rules as a restore (imports.village_write, units/domain/lifetimes.py,
docs/village-identity.md), so that villages and placements are a function of the figures held:
putting the figures back puts the villages back. Runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from units.domain.lifetimes import Changes, lifetimes_settle
from units.domain.rows import rows_insert
from units.models import Coverage, Period, Source, UnitFigure, VillageFigure

from .issues import Issue
from .models import ImportRun, ReplacedFigures
from .unit_write import unit_rows_write
from .village_write import (
    BEFORE_IMPORTS,
    FIGURE_FIELDS,
    villages_bring_back,
    villages_removed_keep,
)

STILL_HELD = _(
    "Import #%(id)s cannot be withdrawn: the figures it replaced for %(count)s villages would "
    "come back, but %(runs)s now hold figures for them at that date. Withdraw or replace those "
    "first."
)


class WithdrawBlocked(Exception):
    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def withdraw_write(run: ImportRun) -> Changes:
    """Undo a published run (outcome IMPORTED: all its figures are current). Returns what
    changed, for the coverage rebuild; raises WithdrawBlocked when what it replaced cannot come
    back (another run now holds figures for those villages at the date)."""
    period = Period.objects.get(date=run.date)
    changes = Changes()
    villages = _own_figures_remove(run, period, changes)
    _own_unit_figures_remove(run)
    snapshots = list(ReplacedFigures.objects.filter(replaced_by=run).select_related("run"))
    villages |= _village_rows_bring_back(run, snapshots, period, changes)
    for snapshot in snapshots:
        if snapshot.unit_figures:
            unit_rows_write(snapshot.unit_figures, period, snapshot.run_id)
    removed = lifetimes_settle(villages, changes)
    villages_removed_keep(removed, by=run)  # a snapshot of another date may name them
    _replaced_runs_settle(snapshots)
    return changes


def _own_figures_remove(run: ImportRun, period: Period, changes: Changes) -> set[int]:
    own = VillageFigure.objects.filter(import_run=run, period=period)
    villages = set()
    for village_id, commune_id in own.values_list("village_id", "commune_id"):
        villages.add(village_id)
        changes.figure(commune_id, period.date)
    own.delete()
    return villages


def _own_unit_figures_remove(run: ImportRun) -> None:
    """A unit summary's figures, and the source it made for them."""
    own = UnitFigure.objects.filter(import_run=run)
    sources = set(own.values_list("source_id", flat=True))
    own.delete()
    Source.objects.filter(id__in=sources, figures__isnull=True).delete()


def _village_rows_bring_back(
    run: ImportRun, snapshots: list[ReplacedFigures], period: Period, changes: Changes
) -> set[int]:
    rows_by_run = [(s.run_id, s.village_figures) for s in snapshots if s.village_figures]
    villages = {row[0] for _, rows in rows_by_run for row in rows}
    _refuse_if_held(run, period, villages)
    for run_id, rows in rows_by_run:
        rows = villages_bring_back(rows)
        rows_insert(
            VillageFigure,
            FIGURE_FIELDS,
            ((row[0], period.id, *row[1:], run_id) for row in rows),
        )
        for row in rows:
            changes.figure(row[1], period.date)
    return villages


def _refuse_if_held(run: ImportRun, period: Period, villages: set[int]) -> None:
    """One figure per village and date: a figure written since for a village the run's replace
    took (reported under another commune) stands in the way."""
    held = VillageFigure.objects.filter(period=period, village_id__in=sorted(villages))
    run_ids = sorted(set(held.values_list("import_run_id", flat=True)), key=lambda i: i or 0)
    if not run_ids:
        return
    count = held.values("village_id").distinct().count()
    runs = ", ".join(f"#{run_id}" if run_id else str(BEFORE_IMPORTS) for run_id in run_ids)
    raise WithdrawBlocked(Issue(STILL_HELD, {"id": run.id, "count": count, "runs": runs}))


def _replaced_runs_settle(snapshots: list[ReplacedFigures]) -> None:
    """The runs whose figures came back are current again, unless another run still holds
    some of their figures (their other snapshots)."""
    ReplacedFigures.objects.filter(id__in=[s.id for s in snapshots]).delete()
    for replaced in {s.run for s in snapshots}:
        remaining = replaced.replaced_figures.order_by("created").first()
        if remaining is None:
            replaced.outcome, replaced.replaced_by = ImportRun.Outcome.IMPORTED, None
        else:
            replaced.replaced_by_id = remaining.replaced_by_id
        replaced.save(update_fields=["outcome", "replaced_by"])


def period_drop_if_empty(date: datetime.date) -> None:
    """A date the withdrawn run brought and nothing else holds goes with it: the site lists no
    date it has no figure for."""
    figures = [
        Exists(model.objects.filter(period=OuterRef("pk")))
        for model in (VillageFigure, UnitFigure, Coverage)
    ]
    Period.objects.filter(date=date).exclude(figures[0] | figures[1] | figures[2]).delete()
