"""Which units stood for a unit on a date when it did not exist (the 1/7/2025 reform).

docs/domain.md §4: from 1/7/2025 there are no districts and the communes were merged; the
crosswalk (`UnitSuccession`) says which old communes formed each new one. A permalink to a unit
at a date outside its life is answered with the units of that date that continue it (a later
date) or that it continues (an earlier date), never with an empty page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from units.models import Unit


class Relation:
    SUCCESSORS = "successors"  # the date is after the unit ended: what continued it
    PREDECESSORS = "predecessors"  # the date is before the unit began: what it continues


@dataclass(frozen=True)
class UnitElsewhere:
    """`unit` did not exist on `date`; `standing` are the units of that date that stood for it
    (empty when none did: before a unit's predecessors too began, say)."""

    unit: Unit
    date: datetime.date
    relation: str
    standing: list[Unit] = field(default_factory=list)

    @property
    def sole(self) -> Unit | None:
        """The one unit that stood for it, when there is exactly one: pages go there."""
        return self.standing[0] if len(self.standing) == 1 else None


def units_standing_for(unit: Unit, date: datetime.date) -> UnitElsewhere:
    """The units valid on `date` that continue `unit` or that it continues.

    A district has no successor of its own (districts were dissolved): the new communes that
    took its communes stand for it.
    """
    if unit.valid_to is not None and date > unit.valid_to:
        relation = Relation.SUCCESSORS
        related = Q(predecessions__predecessor=unit) | Q(predecessions__predecessor__parent=unit)
    else:
        relation = Relation.PREDECESSORS
        related = Q(successions__successor=unit)
    standing = (
        Unit.objects.filter(related)
        .valid_on(date)
        .select_related("parent")
        .distinct()
        .order_by("sort_key", "id")
    )
    return UnitElsewhere(unit, date, relation, list(standing))
