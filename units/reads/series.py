"""A unit's series over time, for the charts and their data tables.

Every chart says which rule its series follows (docs/domain.md §4): as reported at the time, or
regrouped onto today's units through the village placements. A date where no village of the unit
was reported is a gap in the lines, never a zero (docs/domain.md §1: not reported is never zero).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from units.models import Coverage, Period, Status, Unit, UnitFigure, Village, VillageFigure
from units.models import VillagePlacement as Placement
from units.reads.provenance import SyntheticCount


class SeriesRule:
    AS_REPORTED = "reported"  # each date under the unit it was reported under at the time
    REGROUPED = "regrouped"  # today's villages of the unit, followed back through lineage


@dataclass(frozen=True)
class SeriesPoint:
    """One date of a unit's series: village counts by status, members, and how many villages
    were not reported (the counts cover the reported ones only)."""

    date: datetime.date
    label: str
    villages: int  # reported
    own_cell: int | None
    joined: int | None
    no_members: int | None
    members: int | None
    not_reported: int
    synthetic: int = 0  # of the villages counted (reported or not), the synthetic ones

    @property
    def is_gap(self) -> bool:
        """No village reported at this date: the lines break here."""
        return self.villages == 0


def _gap(period: Period, not_reported: int = 0, synthetic: int = 0) -> SeriesPoint:
    return SeriesPoint(
        period.date, period.label, 0, None, None, None, None, not_reported, synthetic
    )


def _point(
    period: Period, reported: int, own, joined, white, members, missing, synthetic
) -> SeriesPoint:
    if not reported:
        return _gap(period, missing, synthetic)
    return SeriesPoint(
        period.date, period.label, reported, own, joined, white, members, missing, synthetic
    )


def series_synthetic(series: list[SeriesPoint]) -> SyntheticCount:
    """The villages the series counts over its dates, synthetic and in all."""
    return SyntheticCount(
        sum(p.synthetic for p in series), sum(p.villages + p.not_reported for p in series)
    )


def series_as_reported(units: list[Unit], periods: list[Period]) -> list[SeriesPoint]:
    """The coverage of `units` (the unit, and the one it continues one to one, if any) at every
    reporting date in their lives; a date without figures is a gap."""
    by_period = {
        c.period_id: c for c in Coverage.objects.filter(unit__in=units).order_by("period__date")
    }
    points = []
    for period in periods:
        if not any(unit.is_valid_on(period.date) for unit in units):
            continue
        c = by_period.get(period.id)
        if c is None:
            points.append(_gap(period))
            continue
        points.append(
            _point(period, c.reported, c.own_cell, c.joined, c.no_members, c.members,
                   c.not_reported, c.synthetic)
        )  # fmt: skip
    return points


def series_regrouped(unit: Unit, periods: list[Period]) -> list[SeriesPoint]:
    """The villages placed in the unit from its start, and the villages merged into them,
    counted at every date whatever commune they were reported under then."""
    placed = Placement.objects.filter(valid_to__isnull=True).filter(
        Q(commune=unit) | Q(commune__parent=unit) | Q(commune__parent__parent=unit)
    )
    current = placed.values("village_id")
    merged_in = Village.objects.filter(successions__successor__in=current).values("id")
    reported = ~Q(status=Status.NOT_REPORTED)
    rows = (
        VillageFigure.objects.filter(Q(village__in=current) | Q(village__in=merged_in))
        .values("period_id")
        .annotate(
            reported=Count("id", filter=reported),
            not_reported=Count("id", filter=Q(status=Status.NOT_REPORTED)),
            own_cell=Count("id", filter=Q(status=Status.OWN_CELL)),
            joined=Count("id", filter=Q(status=Status.JOINED)),
            no_members=Count("id", filter=Q(status=Status.NO_MEMBERS)),
            members=Sum("members"),
            synthetic=Count("id", filter=Q(village__synthetic=True)),
        )
    )
    by_period = {row["period_id"]: row for row in rows}
    points = []
    for period in periods:
        row = by_period.get(period.id)
        if row is None:
            points.append(_gap(period))
            continue
        points.append(
            _point(period, row["reported"], row["own_cell"], row["joined"], row["no_members"],
                   row["members"] or 0, row["not_reported"], row["synthetic"])
        )  # fmt: skip
    return _trimmed(points)


def _trimmed(points: list[SeriesPoint]) -> list[SeriesPoint]:
    """Without the gaps before the first and after the last reported date: the axis fits the
    data."""
    reported = [i for i, point in enumerate(points) if not point.is_gap]
    return points[reported[0] : reported[-1] + 1] if reported else []


CHART_METRICS = ("villages_no_members", "villages_joined", "members")


def published_stock(figures: list[UnitFigure]) -> list[UnitFigure]:
    """The published stock figures (no span) among these, for drawing beside the computed
    series: `figures` are the unit's and those of the unit it continues one to one. By date,
    then in the order they were recorded (as the table under the charts always listed them)."""
    stock = [f for f in figures if f.metric in CHART_METRICS and f.span_start is None]
    return sorted(stock, key=lambda f: (f.period.date, f.id))


EPOCH = datetime.date(1970, 1, 1)


def day_number(date: datetime.date) -> int:
    return (date - EPOCH).days


def chart_data(series: list[SeriesPoint], published: list[UnitFigure], rule: str) -> dict:
    """What the charts draw, for json_script: x is the day number so uneven dates sit right;
    y is null where nothing was reported (Chart.js breaks the line there)."""
    computed = {
        key: [{"x": day_number(p.date), "y": getattr(p, key)} for p in series]
        for key in ("no_members", "joined", "own_cell", "members")
    }
    return {
        "rule": rule,
        "computed": computed,
        "gaps": [day_number(p.date) for p in series if p.is_gap],
        "published": {
            metric: [
                {"x": day_number(f.period.date), "y": float(f.value), "qualifier": f.qualifier,
                 "source": f.source.shown_title}
                for f in published
                if f.metric == metric
            ]
            for metric in CHART_METRICS
        },
        "sources": sorted({f.source.shown_title for f in published}),
    }  # fmt: skip
