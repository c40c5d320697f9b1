"""Published figures at dates that are not reporting dates (25/3/2020, 13/9/2023, …).

No village figures exist at those dates, so the date picker of a unit page does not offer them:
the unit page lists them ("other published figures") with a link to each.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from units.models import Period, Unit, UnitFigure


@dataclass
class PublishedDate:
    date: datetime.date
    figures: list[UnitFigure] = field(default_factory=list)


def published_elsewhere(unit: Unit, reporting: list[Period]) -> list[PublishedDate]:
    """The unit's published figures at dates outside `reporting`, grouped by date (one query)."""
    figures = (
        UnitFigure.objects.filter(unit=unit)
        .exclude(period__in=[period.id for period in reporting])
        .select_related("period")
        .order_by("period__date", "metric", "id")
    )
    dates: dict[datetime.date, PublishedDate] = {}
    for figure in figures:
        date = figure.period.date
        dates.setdefault(date, PublishedDate(date)).figures.append(figure)
    return list(dates.values())
