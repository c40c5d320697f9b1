"""The quality-rating target of resolution 04-NQ/TU: each year of 2016–2020, 45–50% of the
grassroots party organisations rated "trong sạch, vững mạnh" (TSVM, clean and strong).

Judged on published figures only (metric `quality_rating`, the share in per cent, with the rating
scheme it was given under). The TSVM scale gave way to QĐ 132-QĐ/TW in 2018 (docs/domain.md §2,
"xếp loại chất lượng"): a share under another scheme is shown but not judged against a TSVM
target. A year with no published share is "not reported", never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from units.models import Level, Metric, UnitFigure
from units.reads.targets import (
    PROVINCE_CODE,
    RESOLUTION_FIRST_YEAR,
    RESOLUTION_LAST_YEAR,
    TARGETS,
    Target,
)

QUALITY_PERCENT = Decimal(45)  # "45–50%": the lower bound is what must be met
TSVM = "TSVM"  # the rating scheme the target speaks of


@dataclass
class QualityYear:
    year: int
    figure: UnitFigure | None  # None: no share published for that year

    @property
    def other_scheme(self) -> bool:
        return self.figure is not None and self.figure.rating_scheme.upper() != TSVM

    @property
    def met(self) -> bool | None:
        if self.figure is None or self.other_scheme:
            return None
        return self.figure.value >= QUALITY_PERCENT


@dataclass
class QualityTarget:
    target: Target
    years: list[QualityYear]

    @property
    def judged(self) -> list[QualityYear]:
        return [year for year in self.years if year.met is not None]

    @property
    def met(self) -> bool | None:
        judged = self.judged
        return all(year.met for year in judged) if judged else None


def quality_target(*, province_code: str = PROVINCE_CODE) -> QualityTarget:
    """Each year of the term with the share published for its 31/12, or none."""
    figures = (
        UnitFigure.objects.filter(
            unit__level=Level.PROVINCE,
            unit__code=province_code,
            metric=Metric.QUALITY_RATING,
            period__date__month=12,
            period__date__day=31,
        )
        .select_related("period", "source")
        .order_by("period__date", "id")
    )
    by_year: dict[int, UnitFigure] = {}
    for figure in figures:
        by_year.setdefault(figure.period.date.year, figure)
    years = range(RESOLUTION_FIRST_YEAR, RESOLUTION_LAST_YEAR + 1)
    return QualityTarget(TARGETS["quality"], [QualityYear(y, by_year.get(y)) for y in years])
