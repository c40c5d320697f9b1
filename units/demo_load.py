"""Writes the synthetic demo plan (units.demo) into the database."""

from __future__ import annotations

import datetime

from django.db import transaction

from .demo import DemoCommune, DemoPlan, commune_on, demo_plan
from .models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    Level,
    Scheme,
    Unit,
    UnitSuccession,
    Village,
    VillageFigure,
    VillagePlacement,
    VillageSuccession,
)
from .names import name_key
from .services import coverage_rebuild, period_for_date

PROVINCE_CODE = "11"  # Điện Biên


def demo_communes(province_code: str = PROVINCE_CODE) -> list[DemoCommune]:
    """The province's pre-2025 communes with their districts and their 2025 successors."""
    communes = (
        Unit.objects.filter(
            scheme=Scheme.GSO2004, level=Level.COMMUNE, parent__parent__code=province_code
        )
        .select_related("parent")
        .order_by("code")
    )
    successors: dict[int, list[str]] = {}
    for old_id, new_code in UnitSuccession.objects.filter(
        predecessor__in=communes, successor__scheme=Scheme.GSO2025
    ).values_list("predecessor_id", "successor__code"):
        successors.setdefault(old_id, []).append(new_code)
    return [
        DemoCommune(
            code=commune.code,
            name=commune.name,
            district=commune.parent.name,
            urban=commune.name.startswith(("Phường", "Thị trấn")),
            successors=sorted(successors.get(commune.id, [])),
        )
        for commune in communes
    ]


def demo_loaded() -> bool:
    return Village.objects.filter(synthetic=True).exists()


@transaction.atomic
def demo_load(plan: DemoPlan | None = None) -> int:
    """Write every synthetic village, placement, merge and figure. Returns figure rows written."""
    plan = plan or demo_plan(demo_communes())
    units = {
        (unit.scheme, unit.code): unit
        for unit in Unit.objects.filter(level=Level.COMMUNE).select_related("parent")
    }
    villages = _villages_write(plan)
    _placements_write(plan, villages, units)
    _merges_write(plan, villages)
    written = _figures_write(plan, villages, units)
    coverage_rebuild()
    return written


def _villages_write(plan: DemoPlan) -> dict[int, Village]:
    rows = {
        demo.key: Village(
            name=demo.name,
            name_key=name_key(demo.name),
            code=demo.code,
            valid_from=demo.valid_from,
            valid_to=demo.valid_to,
            synthetic=True,
        )
        for demo in plan.villages
    }
    Village.objects.bulk_create(rows.values(), batch_size=2000)
    return rows


def _placements_write(plan: DemoPlan, villages: dict[int, Village], units: dict) -> None:
    rows = []
    for demo in plan.villages:
        village = villages[demo.key]
        old = units[(Scheme.GSO2004, demo.commune.code)]
        if demo.valid_from < REFORM_DATE:
            end = min(demo.valid_to or LAST_DAY_BEFORE_REFORM, LAST_DAY_BEFORE_REFORM)
            rows.append(VillagePlacement(village=village, commune=old, valid_from=demo.valid_from,
                                         valid_to=end))  # fmt: skip
        if demo.valid_to is None and demo.new_commune_code:
            new = units[(Scheme.GSO2025, demo.new_commune_code)]
            rows.append(VillagePlacement(village=village, commune=new, valid_from=REFORM_DATE))
    VillagePlacement.objects.bulk_create(rows, batch_size=2000)


def _merges_write(plan: DemoPlan, villages: dict[int, Village]) -> None:
    VillageSuccession.objects.bulk_create(
        VillageSuccession(
            predecessor=villages[old_key],
            successor=villages[demo.key],
            date=demo.valid_from,
            source="synthetic demo",
        )
        for demo in plan.villages
        for old_key in demo.merged_from
    )


def _figures_write(plan: DemoPlan, villages: dict[int, Village], units: dict) -> int:
    rows = []
    for date, figures in plan.figures.items():
        period = period_for_date(date)
        scheme = Scheme.GSO2025 if date >= REFORM_DATE else Scheme.GSO2004
        for figure in figures:
            commune = units[(scheme, commune_on(figure.village, date))]
            rows.append(_figure_row(figure, villages, period, commune, date))
    VillageFigure.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _figure_row(figure, villages, period, commune: Unit, date: datetime.date) -> VillageFigure:
    host = figure.joined_with
    return VillageFigure(
        village=villages[figure.village.key],
        period=period,
        commune=commune,
        district=commune.parent if date < REFORM_DATE else None,
        status=figure.status,
        members=figure.members,
        full_members=figure.full_members,
        probationary_members=figure.probationary_members,
        joined_with=villages[host.key] if host else None,
        joined_with_name=host.name if host else "",
        admissions=figure.admissions,
    )
