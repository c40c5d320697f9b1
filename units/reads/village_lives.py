"""Villages that began or ended between two reporting dates under a unit: the unit page says so
beside its change since the previous date, whose "villages" column counts them with the
statuses' changes (the demo's 2019 merges, seen at 31/03/2020: docs/domain.md).

Read from the villages' own lives (`Village.valid_from`, `valid_to`) and the merges recorded
(`VillageSuccession`), not from the figures: a village counted at one date and not the next
ended in between, whatever it reported.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from units.models import Unit, Village, VillagePlacement, VillageSuccession
from units.reads.village_lists import units_within


@dataclass(frozen=True)
class VillageLives:
    """Of the villages placed under a unit, between two dates: those merged away and those
    their merges formed, and the others that began or ended."""

    merged: int = 0  # ended by a merge recorded in between
    formed: int = 0  # began as the result of such a merge
    begun: int = 0  # other villages that began
    ended: int = 0  # other villages that ended

    def __bool__(self) -> bool:
        return any((self.merged, self.formed, self.begun, self.ended))


def village_lives(units: list[Unit], since: datetime.date, until: datetime.date) -> VillageLives:
    """The villages counted at `since` and not at `until` (ended), or the reverse (begun),
    placed at any time in a commune under one of `units` (a unit and the one it continues):
    one query."""
    under = Q()
    for unit in units:
        under |= Q(commune_id__in=units_within(unit).values("id"))
    placed = VillagePlacement.objects.filter(under).values("village_id")
    ended = Q(valid_to__gte=since, valid_to__lt=until)
    begun = Q(valid_from__gt=since, valid_from__lte=until)
    merges = VillageSuccession.objects.filter(date__gt=since, date__lte=until)
    merged_away = Exists(merges.filter(predecessor=OuterRef("pk")))
    formed = Exists(merges.filter(successor=OuterRef("pk")))
    counts = Village.objects.filter(id__in=placed).aggregate(
        merged=Count("pk", filter=ended & merged_away),
        formed=Count("pk", filter=begun & formed),
        begun=Count("pk", filter=begun & ~formed),
        ended=Count("pk", filter=ended & ~merged_away),
    )
    return VillageLives(**counts)
