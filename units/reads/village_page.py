"""The village page: a village's whole history, the communes it belonged to and its merges."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from units.models import Period, Village, VillageFigure, VillagePlacement, VillageSuccession


@dataclass(slots=True)
class HistoryFigure:
    """A village's figure at one date, as plain values (issue 10: model instances of the
    figure, its commune, district and host village were a third of the page's cost)."""

    status: str
    members: int | None
    full_members: int | None
    probationary_members: int | None
    admissions: int | None
    host_id: int | None  # the village whose cell it attends, when known
    host_name: str  # that village's name, or the name as written in the report
    commune_id: int
    commune_name: str
    district_name: str | None


@dataclass(slots=True)
class VillageHistoryRow:
    period: Period
    figure: HistoryFigure | None

    @property
    def iso(self) -> str:
        return self.period.date.isoformat()


@dataclass
class VillageHistory:
    village: Village
    rows: list[VillageHistoryRow]
    placements: list[VillagePlacement]
    merged_from: list[Village]
    merged_into: list[Village]


FIGURE_VALUES = (
    "period_id", "status", "members", "full_members", "probationary_members", "admissions",
    "joined_with_id", "joined_with__name", "joined_with_name", "commune_id", "commune__name",
    "district__name",
)  # fmt: skip


def village_history(village: Village, periods: list[Period]) -> VillageHistory:
    """Every reporting date in the village's life, reported or not, with its moves and merges."""
    figures = {}
    for values in VillageFigure.objects.filter(village=village).values_list(*FIGURE_VALUES):
        period_id, *counts, host_id, host_name, written, commune_id, commune, district = values
        figures[period_id] = HistoryFigure(
            *counts, host_id, host_name or written, commune_id, commune, district
        )
    lifetime = [p for p in periods if village.is_valid_on(p.date)]
    placements = list(
        village.placements.select_related("commune__parent__parent").order_by("valid_from")
    )
    merged_from, merged_into = village_merges(village)
    return VillageHistory(
        village=village,
        rows=[VillageHistoryRow(p, figures.get(p.id)) for p in reversed(lifetime)],
        placements=placements,
        merged_from=merged_from,
        merged_into=merged_into,
    )


def village_merges(village: Village) -> tuple[list[Village], list[Village]]:
    """The villages merged to form this one, and those it was merged into, in Village's
    order: one query over the successions both ways."""
    merged_from, merged_into = [], []
    successions = VillageSuccession.objects.filter(
        Q(successor=village) | Q(predecessor=village)
    ).select_related("predecessor", "successor")
    for succession in successions:
        if succession.successor_id == village.id:
            merged_from.append(succession.predecessor)
        if succession.predecessor_id == village.id:
            merged_into.append(succession.successor)
    in_order = lambda v: (v.sort_key, v.id)  # noqa: E731  (Village.Meta.ordering)
    return sorted(merged_from, key=in_order), sorted(merged_into, key=in_order)
