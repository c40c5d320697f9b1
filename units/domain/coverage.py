"""Writes to the coverage data: the precomputed `Coverage` rows. Reads live in `units.reads`.

A `Coverage` row is a direct count (`village_counts`): every village placed in the unit at the
date (`VillagePlacement.objects.valid_on`, the rule the coverage table lists by too), by the
status of its figure for that date, "not reported" without one; districts and provinces add up
their communes. Only dates with village figures have coverage. After an import, a replace or a
restore, `coverage_refresh` redoes the communes and dates the write changed (`Changes`) and
their ancestors, inside the write's transaction; `coverage_differences` compares every stored
row with a direct count (`manage.py coverage_check`). The rows are written by the database
itself (`_commune_rows`: the same count as one row a commune, in an INSERT … SELECT), and the
check counts in Python (`village_counts`): two ways to the same figures.

`synthetic` counts, among a row's villages, those the demo or the national benchmark invented
(`Village.synthetic`). Pages say "synthetic" from it, for the unit and date they show, so a
site holding real reports only never says so, and a real report next to the demo is not
labelled synthetic: a count kept with the others costs a page nothing (no query over village
figures per request), and `coverage_check` holds it to a direct count like every other figure
(docs/domain.md §3, "Synthetic villages").
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils import timezone

from units.domain.lifetimes import Changes
from units.models import (
    Coverage,
    DataVersion,
    Period,
    Status,
    Unit,
    Village,
    VillageFigure,
    VillagePlacement,
)

COVERAGE_FIELDS = (
    "unit",
    "period",
    "villages",
    "own_cell",
    "joined",
    "no_members",
    "not_reported",
    "members",
    "admissions",
    "synthetic",
)
COUNTED = COVERAGE_FIELDS[2:]
# The figures a row publishes: all it counts but its synthetic villages (said, not tabulated).
FIGURES = COUNTED[:-1]
# Above this many communes at one date, counting the whole date is cheaper than a list of ids.
SCOPED_COMMUNES = 900


@dataclass
class VillageCounts:
    """Village counts for one unit at one date, before they become a `Coverage` row."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    members: int = 0
    admissions: int = 0
    synthetic: int = 0  # of the villages counted, those the demo or the benchmark invented

    def add(self, other: VillageCounts) -> None:
        for status, count in other.counts.items():
            self.counts[status] += count
        self.members += other.members
        self.admissions += other.admissions
        self.synthetic += other.synthetic

    def values(self) -> tuple:
        """The counted values of its `Coverage` row, in the order of COUNTED."""
        counts = self.counts
        return (
            sum(counts.values()),
            counts[Status.OWN_CELL],
            counts[Status.JOINED],
            counts[Status.NO_MEMBERS],
            counts[Status.NOT_REPORTED],
            self.members,
            self.admissions,
            self.synthetic,
        )


def period_for_date(date: datetime.date) -> Period:
    """The reporting period for a date, created with a label that says what kind of date it is."""
    period, _ = Period.objects.get_or_create(date=date, defaults=period_label(date))
    return period


def period_label(date: datetime.date) -> dict[str, str]:
    if (date.month, date.day) == (12, 31):
        return {"label": f"{date.year}Q4", "kind": Period.Kind.QUARTER}
    quarter_ends = {(3, 31): 1, (6, 30): 2, (9, 30): 3}
    if (date.month, date.day) in quarter_ends:
        quarter = quarter_ends[(date.month, date.day)]
        return {"label": f"{date.year}Q{quarter}", "kind": Period.Kind.QUARTER}
    return {"label": date.strftime("%d/%m/%Y"), "kind": Period.Kind.DATE}


# ---------------------------------------------------------------------------- counting


def village_counts(
    period: Period, commune_ids: Collection[int] | None = None
) -> dict[int, VillageCounts]:
    """The direct count, per commune: each village placed there at the date, by the status of
    its figure for the period (not reported without one). All communes when `commune_ids` is
    None."""
    placed = VillagePlacement.objects.valid_on(period.date)
    if commune_ids is not None:
        placed = placed.filter(commune_id__in=list(commune_ids))
    rows = (
        placed.annotate(
            figure=FilteredRelation(
                "village__figures", condition=Q(village__figures__period=period)
            )
        )
        .values("commune_id", "village__synthetic", status=F("figure__status"))
        .annotate(n=Count("id"), members=Sum("figure__members"), admitted=Sum("figure__admissions"))
        .order_by()
    )
    counts: dict[int, VillageCounts] = defaultdict(VillageCounts)
    for row in rows:
        tally = counts[row["commune_id"]]
        tally.counts[row["status"] or Status.NOT_REPORTED] += row["n"]
        tally.members += row["members"] or 0
        tally.admissions += row["admitted"] or 0
        tally.synthetic += row["n"] if row["village__synthetic"] else 0
    return counts


def roll_up(
    counts: dict[int, VillageCounts], parents: dict[int, int | None]
) -> dict[int, VillageCounts]:
    """Add each commune's counts to its district and province."""
    totals: dict[int, VillageCounts] = defaultdict(VillageCounts)
    for unit_id, tally in counts.items():
        current: int | None = unit_id
        while current is not None:
            totals[current].add(tally)
            current = parents.get(current)
    return totals


def coverage_expected(period: Period, parents: dict[int, int | None]) -> dict[int, tuple]:
    """unit id → the counted values its `Coverage` row must hold at the period (none when the
    period has no village figure)."""
    if not VillageFigure.objects.filter(period=period).exists():
        return {}
    totals = roll_up(village_counts(period), parents)
    return {unit_id: tally.values() for unit_id, tally in totals.items()}


def unit_parents() -> dict[int, int | None]:
    return dict(Unit.objects.values_list("id", "parent_id"))


# ---------------------------------------------------------------------------- writing


@transaction.atomic
def coverage_rebuild(*, periods: Iterable[Period] | None = None) -> int:
    """Recompute every `Coverage` row of the given periods (all when None). Returns rows written.

    Called inside the writer's transaction, so readers see the old figures or the new, never a
    mix.
    """
    periods = list(Period.objects.all() if periods is None else periods)
    data_version_bump()
    parents = unit_parents()
    return sum(_period_rebuild(period, parents) for period in periods)


def _period_rebuild(period: Period, parents: dict[int, int | None]) -> int:
    Coverage.objects.filter(period=period).delete()
    if not _has(VillageFigure, period):
        return 0  # a date with published figures only: no village coverage to show
    written = _insert_from(_commune_rows(period))
    communes = Coverage.objects.filter(period=period).values_list("unit_id", flat=True)
    return written + _ancestors_write(period, set(communes), parents)


@transaction.atomic
def coverage_refresh(changes: Changes) -> int:
    """Recompute the `Coverage` rows a write changed: at each date `changes` names, the
    communes it names there and all their ancestors. Returns rows written."""
    periods = list(Period.objects.order_by("date"))
    touched = changes.dates([period.date for period in periods])
    data_version_bump()
    if not touched:
        return 0
    parents = unit_parents()
    written = 0
    for period in periods:
        communes = touched.get(period.date)
        if not communes:
            continue
        few = len(communes) <= SCOPED_COMMUNES
        if few and _has(Coverage, period) and _has(VillageFigure, period):
            written += _communes_refresh(period, communes, parents)
        else:  # the whole date: a first figure there, its last gone, or most communes
            written += _period_rebuild(period, parents)
    return written


def _has(model, period: Period) -> bool:
    return model.objects.filter(period=period).exists()


def _communes_refresh(period: Period, communes: set[int], parents: dict) -> int:
    """The communes' rows from a direct count, then their ancestors' from their children's."""
    Coverage.objects.filter(period=period, unit_id__in=list(communes)).delete()
    written = _insert_from(_commune_rows(period, communes))
    return written + _ancestors_write(period, communes, parents)


def _commune_rows(period: Period, commune_ids: Collection[int] | None = None) -> QuerySet:
    """`village_counts` as the communes' `Coverage` rows, counted and written by the database
    in one statement (`_insert_from`): the same rule (`valid_on`) and the same figures, without
    the 20,000 rows of a national date going through Python (0.14 s of a 0.2 s rebuild)."""
    placed = VillagePlacement.objects.valid_on(period.date)
    if commune_ids is not None:
        placed = placed.filter(commune_id__in=list(commune_ids))
    figure = FilteredRelation("village__figures", condition=Q(village__figures__period=period))

    def having(*statuses) -> Count:
        status = Q(figure__status__in=statuses)
        if Status.NOT_REPORTED in statuses:  # no figure at the date: not reported either
            status |= Q(figure__status__isnull=True)
        return Count("id", filter=status)

    return (
        placed.annotate(figure=figure)
        .values("commune_id")
        .annotate(
            at=Value(period.id),
            counted_villages=Count("id"),
            counted_own_cell=having(Status.OWN_CELL),
            counted_joined=having(Status.JOINED),
            counted_no_members=having(Status.NO_MEMBERS),
            counted_not_reported=having(Status.NOT_REPORTED),
            counted_members=Coalesce(Sum("figure__members"), 0),
            counted_admissions=Coalesce(Sum("figure__admissions"), 0),
            counted_synthetic=Count("id", filter=Q(village__synthetic=True)),
        )
        .values_list("commune_id", "at", *(f"counted_{name}" for name in COUNTED))
        .order_by()
    )


def _insert_from(rows: QuerySet) -> int:
    """Insert the rows a query selects, in COVERAGE_FIELDS' order, without reading them."""
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Coverage._meta.get_field(name).column) for name in COVERAGE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(Coverage._meta.db_table)} ({columns}) {sql}", params)
        return cursor.rowcount


def _ancestors_write(period: Period, communes: set[int], parents: dict) -> int:
    """Redo the communes' districts' and provinces' rows as the sums of their children's rows
    (one statement a level, deepest first)."""
    written = 0
    for level in _ancestors_by_depth(communes, parents):
        Coverage.objects.filter(period=period, unit_id__in=level).delete()
        sums = (
            Coverage.objects.filter(period=period, unit__parent_id__in=level)
            .values("unit__parent_id")
            .annotate(at=Value(period.id), **{f"sum_{name}": Sum(name) for name in COUNTED})
            .values_list("unit__parent_id", "at", *(f"sum_{name}" for name in COUNTED))
            .order_by()
        )
        written += _insert_from(sums)
    return written


def _ancestors_by_depth(communes: set[int], parents: dict[int, int | None]) -> list[list[int]]:
    """The communes' ancestors, deepest first (districts, then provinces). Communes share
    their parents: each parent's chain is walked once."""
    depth: dict[int, int] = {}
    for parent in {parents.get(commune) for commune in communes} - {None}:
        chain = []
        current = parent
        while current is not None:
            chain.append(current)
            current = parents.get(current)
        for height, unit_id in enumerate(reversed(chain)):
            depth[unit_id] = height
    levels: dict[int, list[int]] = defaultdict(list)
    for unit_id, height in depth.items():
        levels[height].append(unit_id)
    return [levels[height] for height in sorted(levels, reverse=True)]


# Sent once the transaction that bumped the data version has committed (never when it rolls
# back): units.web.warm fills the page cache then, outside the transaction (issue 10).
data_committed = Signal()


def data_version_bump() -> None:
    """Mark the public figures as changed (inside the caller's transaction), and record whether
    the database now holds a synthetic village: every write that adds or removes villages bumps
    the version (page caches depend on it), so the flag is as current as the figures."""
    synthetic = Village.objects.filter(synthetic=True).exists()
    updated = DataVersion.objects.filter(pk=1).update(
        number=F("number") + 1, changed=timezone.now(), synthetic_villages=synthetic
    )
    if not updated:
        DataVersion.objects.create(
            pk=1, number=1, changed=timezone.now(), synthetic_villages=synthetic
        )
    transaction.on_commit(lambda: data_committed.send(sender=DataVersion))


# ---------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Difference:
    """A stored `Coverage` row (or its absence) that a direct count does not give."""

    unit: int
    date: datetime.date
    stored: tuple | None  # COUNTED values, None: no row
    expected: tuple | None


def coverage_differences() -> list[Difference]:
    """Every stored figure compared with a direct count, at every date."""
    parents = unit_parents()
    differences = []
    for period in Period.objects.order_by("date"):
        expected = coverage_expected(period, parents)
        stored = {
            row[0]: tuple(row[1:])
            for row in Coverage.objects.filter(period=period).values_list("unit_id", *COUNTED)
        }
        for unit_id in sorted(set(expected) | set(stored)):
            if expected.get(unit_id) != stored.get(unit_id):
                differences.append(
                    Difference(unit_id, period.date, stored.get(unit_id), expected.get(unit_id))
                )
    return differences


def figures_unplaced() -> list[tuple[int, datetime.date, int]]:
    """(village id, date, commune id) of the figures no placement counts: a village reported
    under a commune it was not placed in that day, or outside its life. The importer never
    writes one (docs/village-identity.md); the direct count leaves them out."""
    placed = VillagePlacement.objects.valid_on(OuterRef("period__date")).filter(
        village=OuterRef("village"), commune=OuterRef("commune")
    )
    return list(
        VillageFigure.objects.exclude(Exists(placed))
        .order_by("period__date", "village_id")
        .values_list("village_id", "period__date", "commune_id")
    )
