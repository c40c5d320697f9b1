"""Writes to the coverage data. Reads live in `units.reads.unit_page`."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from units.models import (
    Coverage,
    DataVersion,
    Period,
    Status,
    Unit,
    VillageFigure,
    VillagePlacement,
)


@dataclass
class VillageCounts:
    """Village counts for one unit at one date, before they become a `Coverage` row."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    members: int = 0
    admissions: int = 0

    def add(self, other: VillageCounts) -> None:
        for status, count in other.counts.items():
            self.counts[status] += count
        self.members += other.members
        self.admissions += other.admissions

    def coverage_values(self, unit_id: int, period_id: int) -> tuple:
        """The values of its `Coverage` row, in the order of COVERAGE_FIELDS."""
        counts = self.counts
        return (
            unit_id,
            period_id,
            sum(counts.values()),
            counts[Status.OWN_CELL],
            counts[Status.JOINED],
            counts[Status.NO_MEMBERS],
            counts[Status.NOT_REPORTED],
            self.members,
            self.admissions,
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


def commune_tallies(period: Period) -> dict[int, VillageCounts]:
    """Per commune: reported villages by status, plus placed villages with no figure that date."""
    tallies: dict[int, VillageCounts] = defaultdict(VillageCounts)
    reported = (
        VillageFigure.objects.filter(period=period)
        .values("commune_id", "status")
        .annotate(n=Count("id"), members=Sum("members"), admissions=Sum("admissions"))
    )
    for row in reported:
        tally = tallies[row["commune_id"]]
        tally.counts[row["status"]] += row["n"]
        tally.members += row["members"] or 0
        tally.admissions += row["admissions"] or 0

    date = period.date
    unreported = (
        VillagePlacement.objects.filter(valid_from__lte=date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date))
        .filter(village__valid_from__lte=date)
        .filter(Q(village__valid_to__isnull=True) | Q(village__valid_to__gte=date))
        .exclude(
            Exists(VillageFigure.objects.filter(period=period, village_id=OuterRef("village_id")))
        )
        .values("commune_id")
        .annotate(n=Count("id"))
    )
    for row in unreported:
        tallies[row["commune_id"]].counts[Status.NOT_REPORTED] += row["n"]
    return tallies


def roll_up(
    tallies: dict[int, VillageCounts], parents: dict[int, int | None]
) -> dict[int, VillageCounts]:
    """Add each commune's tally to its district and province."""
    totals: dict[int, VillageCounts] = defaultdict(VillageCounts)
    for unit_id, tally in tallies.items():
        current: int | None = unit_id
        while current is not None:
            totals[current].add(tally)
            current = parents.get(current)
    return totals


@transaction.atomic
def coverage_rebuild(*, periods: Iterable[Period] | None = None) -> int:
    """Recompute the `Coverage` rows of the given periods (all when None). Returns rows written.

    Called inside the import transaction, so readers see the old figures or the new, never a mix.
    """
    periods = list(Period.objects.all() if periods is None else periods)
    data_version_bump()
    parents = dict(Unit.objects.values_list("id", "parent_id"))
    written = 0
    for period in periods:
        Coverage.objects.filter(period=period).delete()
        if not period.village_figures.exists():
            continue  # a date with published figures only: no village coverage to show
        totals = roll_up(commune_tallies(period), parents)
        rows = [tally.coverage_values(unit_id, period.id) for unit_id, tally in totals.items()]
        coverage_insert(rows)
        written += len(rows)
    return written


def coverage_insert(rows: list[tuple]) -> None:
    """Insert `Coverage` rows given as values (COVERAGE_FIELDS order) with one executemany.

    Not `bulk_create`: model instances and their per-field preparation cost more than the
    counting itself at national scale (11,000 units a date, issue 5).
    """
    fields = [Coverage._meta.get_field(name) for name in COVERAGE_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(Coverage._meta.db_table)} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def data_version_bump() -> None:
    """Mark the public figures as changed (inside the caller's transaction)."""
    updated = DataVersion.objects.filter(pk=1).update(
        number=F("number") + 1, changed=timezone.now()
    )
    if not updated:
        DataVersion.objects.create(pk=1, number=1, changed=timezone.now())
