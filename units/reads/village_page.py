"""The village page: a village's whole history, the communes it belonged to and its merges."""

from __future__ import annotations

from dataclasses import dataclass

from units.models import Period, Village, VillageFigure, VillagePlacement


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
    return VillageHistory(
        village=village,
        rows=[VillageHistoryRow(p, figures.get(p.id)) for p in reversed(lifetime)],
        placements=placements,
        merged_from=list(Village.objects.filter(successions__successor=village)),
        merged_into=list(Village.objects.filter(predecessions__predecessor=village)),
    )
