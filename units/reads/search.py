"""The site search over provinces, districts, communes and villages: by name, or by code.

Names are matched on `name_key` (units.domain.names: folded, without the kind prefix), so "huoi ha",
"Huổi Hạ" and "bản huổi hạ" find the same village. Codes: a unit's code exactly, a village's
code (mã thôn) by prefix, since a village code starts with its commune's code ("03201-01").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from units.domain.names import (
    COMMUNE_KINDS,
    DISTRICT_KINDS,
    PROVINCE_KINDS,
    VILLAGE_KINDS,
    fold,
    strip_kind,
)
from units.models import Level, Unit, Village, VillagePlacement

MIN_QUERY_LENGTH = 2
RESULTS_LIMIT = 50
# Longest first, so "thanh pho" is stripped before "tp" and "to dan pho" before "to".
ALL_KINDS = tuple(
    sorted(
        set(VILLAGE_KINDS + COMMUNE_KINDS + DISTRICT_KINDS + PROVINCE_KINDS),
        key=lambda kind: (-len(kind), kind),
    )
)
LEVEL_ORDER = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}


class QueryTooShort(ValueError):
    """Fewer than MIN_QUERY_LENGTH letters or digits once folded: it would match everything."""


@dataclass
class VillageResult:
    village: Village
    placement: VillagePlacement | None  # the latest one: the commune it belongs to now


@dataclass
class SearchResults:
    query: str
    units: list[Unit] = field(default_factory=list)
    villages: list[VillageResult] = field(default_factory=list)
    units_total: int = 0
    villages_total: int = 0

    @property
    def total(self) -> int:
        return self.units_total + self.villages_total

    @property
    def shown(self) -> int:
        return len(self.units) + len(self.villages)

    @property
    def capped(self) -> bool:
        return self.shown < self.total


def search_keys(query: str) -> tuple[str, str]:
    """The folded query, and the same without a kind prefix ("huyện mường chà" → "muong cha")."""
    folded = fold(query)
    if len(folded.replace(" ", "")) < MIN_QUERY_LENGTH:
        raise QueryTooShort(query)
    return folded, strip_kind(folded, ALL_KINDS) or folded


def units_matching(*, query: str) -> QuerySet[Unit]:
    """Units whose name contains the query (without diacritics) or whose code is the query."""
    folded, key = search_keys(query)
    code = query.strip()
    return (
        Unit.objects.filter(Q(name_key__contains=key) | Q(name_key__contains=folded) | Q(code=code))
        .annotate(
            rank=Case(
                When(code=code, then=Value(0)),
                When(name_key=key, then=Value(1)),
                When(name_key__startswith=key, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            ),
            level_order=Case(
                *(When(level=level, then=Value(order)) for level, order in LEVEL_ORDER.items()),
                output_field=IntegerField(),
            ),
        )
        .select_related("parent")
        .order_by("rank", "level_order", "name_key", "scheme", "code")
    )


def villages_matching(*, query: str) -> QuerySet[Village]:
    """Villages whose name contains the query (without diacritics) or whose code starts with it."""
    folded, key = search_keys(query)
    code = query.strip()
    return (
        Village.objects.filter(
            Q(name_key__contains=key) | Q(name_key__contains=folded) | Q(code__istartswith=code)
        )
        .annotate(
            rank=Case(
                When(code__iexact=code, then=Value(0)),
                When(name_key=key, then=Value(1)),
                When(name_key__startswith=key, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .prefetch_related(
            Prefetch(
                "placements",
                queryset=VillagePlacement.objects.select_related("commune__parent").order_by(
                    "-valid_from"
                ),
                to_attr="placements_latest_first",
            )
        )
        .order_by("rank", "name_key", "code", "id")
    )


def search_run(*, query: str, limit: int = RESULTS_LIMIT) -> SearchResults:
    """Units first (fewer, and what people look for most), then villages, `limit` in all.

    Four queries whatever the number of matches (five when villages are shown): two counts,
    the units with their parents, the villages, and their placements with communes.
    """
    units = units_matching(query=query)
    villages = villages_matching(query=query)
    results = SearchResults(query=query, units_total=units.count(), villages_total=villages.count())
    results.units = list(units[:limit])
    room = limit - len(results.units)
    if room > 0:
        results.villages = [
            VillageResult(village, next(iter(village.placements_latest_first), None))
            for village in villages[:room]
        ]
    return results
