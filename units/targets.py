"""Targets of resolution 04-NQ/TU of 23/5/2016 (2016–2020), used to judge published figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import Metric, UnitFigure

# The resolution's figures start from the situation at the start of 2016.
RESOLUTION_BASELINE = datetime.date(2015, 12, 31)
ADMISSIONS_PER_YEAR = 2000  # "kết nạp 2.000 đảng viên" each year


@dataclass
class AdmissionsProgress:
    figure: UnitFigure
    years: int
    target: int
    percent: int  # of the target: 121 means 21% above it


def admissions_progress(figures: list[UnitFigure]) -> list[AdmissionsProgress]:
    """Admissions over a span of whole years inside the resolution's term, against its target."""
    progress = []
    for figure in figures:
        if figure.metric != Metric.ADMISSIONS or figure.span_start is None:
            continue
        start, end = figure.span_start, figure.period.date
        if start < RESOLUTION_BASELINE or end.year > 2020 or (start.month, start.day) != (1, 1):
            continue
        years = end.year - start.year + 1
        target = ADMISSIONS_PER_YEAR * years
        percent = (Decimal(figure.value) * 100 / target).quantize(Decimal(1), ROUND_HALF_UP)
        progress.append(AdmissionsProgress(figure, years, target, int(percent)))
    return progress
