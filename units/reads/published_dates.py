"""Published figures at dates that are not reporting dates (25/3/2020, 13/9/2023, …).

No village figures exist at those dates, so the date picker of a unit page does not offer them:
the unit page lists them ("other published figures") with a link to each. Read with the
page's other published figures (units.reads.unit_page.published_figures).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from units.models import Period, UnitFigure


@dataclass
class PublishedDate:
    date: datetime.date
    figures: list[UnitFigure] = field(default_factory=list)


def published_elsewhere(figures: list[UnitFigure], reporting: list[Period]) -> list[PublishedDate]:
    """The unit's published figures (`figures`, by date then metric) at dates outside
    `reporting`, grouped by date."""
    reporting_ids = {period.id for period in reporting}
    dates: dict[datetime.date, PublishedDate] = {}
    for figure in figures:
        if figure.period_id in reporting_ids:
            continue
        date = figure.period.date
        dates.setdefault(date, PublishedDate(date)).figures.append(figure)
    return list(dates.values())
