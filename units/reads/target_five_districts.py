"""The five-districts target (docs/domain.md §3): by the end of 2025 no village without its own
cell in Mường Chà, Mường Nhé, Nậm Pồ, Mường Ảng and Điện Biên Đông (2020–2025 term).

The districts were dissolved on 1/7/2025, so a year end after the reform follows the villages
that were placed in them on 30/6/2025, under whatever commune holds them now; a year end not yet
reported is projected from the trend (`project_linear`) and never called a figure.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from units.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    Coverage,
    Level,
    Scheme,
    Status,
    Unit,
    VillageFigure,
    VillagePlacement,
)
from units.reads.provenance import SyntheticCount
from units.reads.targets import (
    FIVE_DISTRICT_CODES,
    FIVE_DISTRICTS_DEADLINE,
    PROVINCE_CODE,
    TARGETS,
    Target,
    project_linear,
)


class Basis:
    """Where a five-district count comes from."""

    DISTRICTS = "districts"  # the five districts' own coverage (before 1/7/2025)
    PLACEMENTS = "placements"  # villages placed in them on 30/6/2025, under their new communes
    PROJECTION = "projection"


@dataclass
class DistrictsYearEnd:
    date: datetime.date
    villages: int | None
    joined: int | None
    no_members: int | None
    basis: str
    projected_without_cell: int | None = None
    synthetic: int = 0  # of `villages`, the synthetic ones (units.reads.provenance)

    @property
    def without_cell(self) -> int:
        if self.basis == Basis.PROJECTION:
            return self.projected_without_cell
        return self.joined + self.no_members

    @property
    def projected(self) -> bool:
        return self.basis == Basis.PROJECTION


@dataclass
class FiveDistrictsTarget:
    target: Target
    districts: list[Unit]
    rows: list[DistrictsYearEnd]

    @property
    def counted(self) -> SyntheticCount:
        """The villages counted at every year end (projections count none)."""
        return sum(
            (SyntheticCount(r.synthetic, r.villages) for r in self.rows if not r.projected),
            SyntheticCount(),
        )

    @property
    def at_deadline(self) -> DistrictsYearEnd | None:
        return next((row for row in self.rows if row.date == self.target.deadline), None)

    @property
    def met(self) -> bool | None:
        """Met when no village of the five districts is without its own cell at 31/12/2025;
        None when that year end is only projected (or missing)."""
        row = self.at_deadline
        if row is None or row.projected:
            return None
        return row.without_cell == 0


def five_districts(*, province_code: str = PROVINCE_CODE) -> list[Unit]:
    return list(
        Unit.objects.filter(
            scheme=Scheme.GSO2004,
            level=Level.DISTRICT,
            parent__code=province_code,
            code__in=FIVE_DISTRICT_CODES,
        ).order_by("name")
    )


def five_districts_target(*, province_code: str = PROVINCE_CODE) -> FiveDistrictsTarget:
    """Joined and no-member villages of the five districts at every year end: up to 30/6/2025
    from the districts' coverage, after the reform from the villages placed in them on
    30/6/2025, then projected to the deadline. Three queries whatever the number of villages."""
    districts = five_districts(province_code=province_code)
    rows = _year_ends_before_reform(districts) + _year_ends_after_reform(districts)
    points = [(row.date, row.without_cell) for row in rows]
    rows += [
        DistrictsYearEnd(date, None, None, None, Basis.PROJECTION, projected_without_cell=count)
        for date, count in project_linear(points, until=FIVE_DISTRICTS_DEADLINE)
    ]
    return FiveDistrictsTarget(TARGETS["five-districts"], districts, rows)


def _year_ends_before_reform(districts: list[Unit]) -> list[DistrictsYearEnd]:
    totals = (
        Coverage.objects.filter(
            unit__in=districts,
            period__date__month=12,
            period__date__day=31,
            period__date__lt=REFORM_DATE,
        )
        .values("period__date")
        .annotate(
            villages=Sum("villages"),
            joined=Sum("joined"),
            no_members=Sum("no_members"),
            synthetic=Sum("synthetic"),
        )
        .order_by("period__date")
    )
    return [_year_end(row, Basis.DISTRICTS) for row in totals]


def _year_ends_after_reform(districts: list[Unit]) -> list[DistrictsYearEnd]:
    placed_on_last_day = VillagePlacement.objects.valid_on(LAST_DAY_BEFORE_REFORM).filter(
        commune__parent__in=districts
    )
    totals = (
        VillageFigure.objects.filter(
            village__in=placed_on_last_day.values("village_id"),
            period__date__gte=REFORM_DATE,
            period__date__month=12,
            period__date__day=31,
        )
        .values("period__date")
        .annotate(
            villages=Count("id"),
            joined=Count("id", filter=Q(status=Status.JOINED)),
            no_members=Count("id", filter=Q(status=Status.NO_MEMBERS)),
            synthetic=Count("id", filter=Q(village__synthetic=True)),
        )
        .order_by("period__date")
    )
    return [_year_end(row, Basis.PLACEMENTS) for row in totals]


def _year_end(row: dict, basis: str) -> DistrictsYearEnd:
    return DistrictsYearEnd(
        row["period__date"], row["villages"], row["joined"], row["no_members"], basis,
        synthetic=row["synthetic"],
    )  # fmt: skip
