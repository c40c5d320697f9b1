"""The village page: a village's whole history, the communes it belonged to and its merges."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import router
from django.db.models import Q

from units.models import (
    Level,
    Period,
    Village,
    VillageFigure,
    VillagePlacement,
    VillageSuccession,
)
from units.reads.prepared import PreparedQuery


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


@dataclass(slots=True)
class PlaceRef:
    """A unit or a village as the page links it: its id and its name."""

    id: int
    name: str


@dataclass(slots=True)
class Placement:
    """A commune the village belonged to, and the units above it, as plain values (Unit
    instances three deep cost the page half a millisecond, issue 10)."""

    valid_from: datetime.date
    valid_to: datetime.date | None
    commune: PlaceRef
    district: PlaceRef | None  # none from 1/7/2025: communes sit under their province
    province: PlaceRef

    @property
    def crumbs(self) -> list[PlaceRef]:
        """The breadcrumb down to the commune, province first."""
        above = [self.province, self.district] if self.district else [self.province]
        return [*above, self.commune]


@dataclass
class VillageHistory:
    village: Village
    rows: list[VillageHistoryRow]
    placements: list[Placement]
    merged_from: list[PlaceRef]
    merged_into: list[PlaceRef]


VILLAGE_FIELDS = [field.attname for field in Village._meta.concrete_fields]
VILLAGE_READ = PreparedQuery(
    Village, lambda village_id: Village.objects.filter(pk=village_id).values_list(*VILLAGE_FIELDS)
)


def village_read(village_id: int) -> Village | None:
    """The village with this id, or None: `Village.objects.get` without compiling it again."""
    rows = VILLAGE_READ.rows(village_id)
    if not rows:
        return None
    return Village.from_db(router.db_for_read(Village), VILLAGE_FIELDS, rows[0])


FIGURE_VALUES = (
    "period_id", "status", "members", "full_members", "probationary_members", "admissions",
    "joined_with_id", "joined_with__name", "joined_with_name", "commune_id", "commune__name",
    "district__name",
)  # fmt: skip
FIGURES = PreparedQuery(
    VillageFigure,
    lambda village_id: VillageFigure.objects.filter(village_id=village_id).values_list(
        *FIGURE_VALUES
    ),
)


def village_history(village: Village, periods: list[Period]) -> VillageHistory:
    """Every reporting date in the village's life, reported or not, with its moves and merges.

    Its three queries are prepared (units/reads/prepared.py): the ORM took eight times as long
    to compile them as SQLite to run them."""
    figures = {}
    for values in FIGURES.rows(village.id):
        period_id, *counts, host_id, host_name, written, commune_id, commune, district = values
        figures[period_id] = HistoryFigure(
            *counts, host_id, host_name or written, commune_id, commune, district
        )
    lifetime = [p for p in periods if village.is_valid_on(p.date)]
    placements = village_placements(village)
    merged_from, merged_into = village_merges(village)
    return VillageHistory(
        village=village,
        rows=[VillageHistoryRow(p, figures.get(p.id)) for p in reversed(lifetime)],
        placements=placements,
        merged_from=merged_from,
        merged_into=merged_into,
    )


PLACEMENT_VALUES = (
    "valid_from", "valid_to", "commune_id", "commune__name", "commune__parent_id",
    "commune__parent__name", "commune__parent__level", "commune__parent__parent_id",
    "commune__parent__parent__name",
)  # fmt: skip
PLACEMENTS = PreparedQuery(
    VillagePlacement,
    lambda village_id: (
        VillagePlacement.objects.filter(village_id=village_id)
        .order_by("valid_from")
        .values_list(*PLACEMENT_VALUES)
    ),
)


def village_placements(village: Village) -> list[Placement]:
    """The communes the village belonged to, oldest first, each with its district (before
    1/7/2025) and province."""
    placements = []
    rows = PLACEMENTS.rows(village.id)
    for start, end, commune_id, commune, parent_id, parent, level, top_id, top in rows:
        if level == Level.DISTRICT:
            district, province = PlaceRef(parent_id, parent), PlaceRef(top_id, top)
        else:
            district, province = None, PlaceRef(parent_id, parent)
        placements.append(Placement(start, end, PlaceRef(commune_id, commune), district, province))
    return placements


SUCCESSION_VALUES = (
    "predecessor_id", "predecessor__name", "predecessor__sort_key",
    "successor_id", "successor__name", "successor__sort_key",
)  # fmt: skip
SUCCESSIONS = PreparedQuery(
    VillageSuccession,
    lambda village_id: VillageSuccession.objects.filter(
        Q(successor_id=village_id) | Q(predecessor_id=village_id)
    ).values_list(*SUCCESSION_VALUES),
)


def village_merges(village: Village) -> tuple[list[PlaceRef], list[PlaceRef]]:
    """The villages merged to form this one, and those it was merged into, in Village's
    order: one query over the successions both ways, as plain values."""
    merged_from, merged_into = [], []
    for before_id, before, before_key, after_id, after, after_key in SUCCESSIONS.rows(village.id):
        if after_id == village.id:
            merged_from.append((before_key, before_id, PlaceRef(before_id, before)))
        if before_id == village.id:
            merged_into.append((after_key, after_id, PlaceRef(after_id, after)))
    return _in_village_order(merged_from), _in_village_order(merged_into)


def _in_village_order(villages: list[tuple[str, int, PlaceRef]]) -> list[PlaceRef]:
    """By (sort_key, id), Village.Meta.ordering."""
    return [ref for *_, ref in sorted(villages, key=lambda v: (v[0], v[1]))]
