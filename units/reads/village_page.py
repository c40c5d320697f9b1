"""The village page: a village's whole history, the communes it belonged to and its merges."""

from __future__ import annotations

from dataclasses import dataclass

from units.models import Period, Village, VillageFigure, VillagePlacement


@dataclass
class VillageHistoryRow:
    period: Period
    figure: VillageFigure | None


@dataclass
class VillageHistory:
    village: Village
    rows: list[VillageHistoryRow]
    placements: list[VillagePlacement]
    merged_from: list[Village]
    merged_into: list[Village]


def village_history(village: Village, periods: list[Period]) -> VillageHistory:
    """Every reporting date in the village's life, reported or not, with its moves and merges."""
    figures = {
        f.period_id: f
        for f in VillageFigure.objects.filter(village=village).select_related(
            "commune", "district", "joined_with"
        )
    }
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
