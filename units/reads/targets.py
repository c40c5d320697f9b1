"""Resolution targets (docs/domain.md §3), and the figures that show whether they were met.

Four targets, one page each (the quality-rating target in units.reads.target_quality, the
five-districts target in units.reads.target_five_districts):
- admissions: 2,000 new members a year (resolution 04-NQ/TU of 23/5/2016, 2016–2020), judged on
  published admissions figures only;
- reduction: villages with no member, and villages without their own cell, down 15–20% a year
  (04-NQ/TU), judged on the province's computed coverage at each year end, as reported;
- five districts: by the end of 2025 no village without its own cell in Mường Chà, Mường Nhé,
  Nậm Pồ, Mường Ảng and Điện Biên Đông (2020–2025 term). The districts were dissolved on 1/7/2025,
  so later year ends follow the villages that were placed in them on 30/6/2025.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from units.models import (
    Coverage,
    Level,
    Metric,
    Qualifier,
    Source,
    UnitFigure,
)
from units.reads.dates import Baseline
from units.reads.provenance import SyntheticCount

# The resolution's figures start from the situation at the start of 2016.
RESOLUTION_BASELINE = datetime.date(2015, 12, 31)
# What Điện Biên's unit pages count changes from (passed in to the generic unit page).
RESOLUTION_START = Baseline(RESOLUTION_BASELINE, _("start of resolution 04-NQ/TU"))
RESOLUTION_FIRST_YEAR, RESOLUTION_LAST_YEAR = 2016, 2020
ADMISSIONS_PER_YEAR = 2000  # "kết nạp 2.000 đảng viên" each year
REDUCTION_PERCENT = Decimal(15)  # "giảm 15–20% mỗi năm": the lower bound is what must be met
PROVINCE_CODE = "11"  # Điện Biên, the same code in both schemes
# Mường Nhé, Mường Chà, Điện Biên Đông, Mường Ảng, Nậm Pồ (GSO codes before 1/7/2025).
FIVE_DISTRICT_CODES = ("096", "097", "101", "102", "103")
FIVE_DISTRICTS_DEADLINE = datetime.date(2025, 12, 31)


@dataclass(frozen=True)
class Target:
    """A target in words, with where it comes from."""

    slug: str
    title: str | Promise
    statement: str | Promise
    source: str | Promise
    source_url: str
    deadline: datetime.date


RESOLUTION_04 = _("Resolution 04-NQ/TU of the Điện Biên provincial party committee, 23/5/2016")
REVIEW_04_URL = (
    "https://www.xaydungdang.org.vn/co-so-dang/dien-bien-tong-ket-thuc-hien-nghi-quyet-04-nq-tu"
    "-cua-tinh-uy-ve-xay-dung-cung-co-to-chuc-co-so-dang-13370"
)
TARGETS: dict[str, Target] = {
    target.slug: target
    for target in (
        Target(
            slug="admissions",
            title=_("2,000 new members a year"),
            statement=_("Admit 2,000 new party members in the province each year, 2016–2020."),
            source=RESOLUTION_04,
            source_url=REVIEW_04_URL,
            deadline=datetime.date(RESOLUTION_LAST_YEAR, 12, 31),
        ),
        Target(
            slug="villages-down",
            title=_("Villages with no member or without their own cell: down 15–20% a year"),
            statement=_(
                "Each year of 2016–2020, cut the number of villages with no party member, and the "
                "number of villages without their own party cell, by 15–20%."
            ),
            source=RESOLUTION_04,
            source_url=REVIEW_04_URL,
            deadline=datetime.date(RESOLUTION_LAST_YEAR, 12, 31),
        ),
        Target(
            slug="quality",
            # xgettext:no-python-format
            title=_("45–50% of grassroots organisations rated “clean and strong” each year"),
            statement=_(
                # xgettext:no-python-format
                "Each year of 2016–2020, 45–50% of the province's grassroots party organisations "
                "rated “trong sạch, vững mạnh” (clean and strong)."
            ),
            source=RESOLUTION_04,
            source_url=REVIEW_04_URL,
            deadline=datetime.date(RESOLUTION_LAST_YEAR, 12, 31),
        ),
        Target(
            slug="five-districts",
            title=_("No village without its own cell in five districts by the end of 2025"),
            statement=_(
                "By the end of 2025, no village without its own cell and no joined cells in "
                "Mường Chà, Mường Nhé, Nậm Pồ, Mường Ảng and Điện Biên Đông."
            ),
            source=_("Target of the Điện Biên provincial party organisation, 2020–2025 term"),
            source_url="",
            deadline=FIVE_DISTRICTS_DEADLINE,
        ),
    )
}


def _percent(part: Decimal | int, whole: Decimal | int, places: str = "0.1") -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP)


def _year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def project_linear(
    points: list[tuple[datetime.date, int]], *, until: datetime.date
) -> list[tuple[datetime.date, int]]:
    """Year ends after the last point up to `until`, continuing the change of the last two
    year ends in a straight line (never below zero). Empty without two points to go on."""
    if len(points) < 2:
        return []
    (_before_date, before), (last_date, last) = points[-2], points[-1]
    step = last - before
    return [
        (_year_end(year), max(0, last + step * (year - last_date.year)))
        for year in range(last_date.year + 1, until.year + 1)
    ]


# Admissions ------------------------------------------------------------------------------------


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
        if (
            start < RESOLUTION_BASELINE
            or end.year > RESOLUTION_LAST_YEAR
            or (start.month, start.day) != (1, 1)
        ):
            continue
        years = end.year - start.year + 1
        target = ADMISSIONS_PER_YEAR * years
        percent = _percent(figure.value, target, "1")  # whole percent: "21% above"
        progress.append(AdmissionsProgress(figure, years, target, int(percent)))
    return progress


@dataclass
class AdmissionsSpan:
    """One published admissions figure; `progress` is None when it falls outside the term."""

    figure: UnitFigure
    first_year: int
    last_year: int
    progress: AdmissionsProgress | None

    @property
    def years(self) -> int:
        return self.last_year - self.first_year + 1

    @property
    def per_year_stated(self) -> bool:
        """The source gives its own yearly average: show it, not a division of ours."""
        return self.figure.stated_per_year is not None

    @property
    def per_year(self) -> int:
        if self.per_year_stated:
            return self.figure.stated_per_year  # "khoảng 2.247" where 8,990 / 4 gives 2,248
        return int((Decimal(self.figure.value) / self.years).quantize(Decimal(1), ROUND_HALF_UP))

    @property
    def per_year_qualifier(self) -> str:
        if self.per_year_stated:
            return self.figure.stated_per_year_qualifier or Qualifier.EXACT
        return Qualifier.EXACT

    @property
    def met(self) -> bool | None:
        return None if self.progress is None else self.progress.percent >= 100


@dataclass
class AdmissionsTarget:
    target: Target
    spans: list[AdmissionsSpan]

    @property
    def judged(self) -> list[AdmissionsSpan]:
        return [span for span in self.spans if span.progress is not None]

    @property
    def met(self) -> bool | None:
        judged = self.judged
        return all(span.met for span in judged) if judged else None


def _province_figures(*, province_code: str, metrics: list[str]) -> QuerySet[UnitFigure]:
    return (
        UnitFigure.objects.filter(
            unit__level=Level.PROVINCE, unit__code=province_code, metric__in=metrics
        )
        .select_related("period", "source")
        .order_by("period__date", "metric", "id")
    )


def admissions_target(*, province_code: str = PROVINCE_CODE) -> AdmissionsTarget:
    """Every published admissions figure of the province, against 2,000 a year where it can be."""
    figures = list(_province_figures(province_code=province_code, metrics=[Metric.ADMISSIONS]))
    progress = {p.figure.id: p for p in admissions_progress(figures)}
    spans = [
        AdmissionsSpan(
            figure=figure,
            first_year=(figure.span_start or figure.period.date).year,
            last_year=figure.period.date.year,
            progress=progress.get(figure.id),
        )
        for figure in figures
    ]
    return AdmissionsTarget(TARGETS["admissions"], spans)


# Villages with no member / without their own cell, down 15–20% a year ----------------------------


@dataclass
class YearEndCount:
    """A count at one year end, with the change from the year end before it."""

    date: datetime.date
    count: int
    previous: int | None
    villages: int | None = None  # the denominator; None for a projection
    published: list[UnitFigure] = field(default_factory=list)  # one per metric that has one
    published_value: int | None = None  # the figure a source states (one metric)
    # A sum of published parts that no source states (328 joined + 95 with no member = 423 at
    # 31/12/2015): computed, never labelled published; `published` holds its parts.
    derived_value: int | None = None
    sources: list[Source] = field(default_factory=list)  # every source that gives them
    projected: bool = False
    synthetic: int = 0  # of `villages`, the synthetic ones (units.reads.provenance)

    @property
    def in_term(self) -> bool:
        return RESOLUTION_FIRST_YEAR <= self.date.year <= RESOLUTION_LAST_YEAR

    @property
    def change_percent(self) -> Decimal | None:
        """Change from the previous year end, in %: −61.7 is a fall of 61.7%."""
        if self.previous is None or self.previous == 0:
            return None
        return _percent(self.count - self.previous, self.previous)

    @property
    def change_size(self) -> Decimal | None:
        """The change without its sign, for display beside a "−" or "+"."""
        change = self.change_percent
        return None if change is None else abs(change)

    @property
    def met(self) -> bool | None:
        """Down by at least 15%, or nothing left to reduce; None without a previous year end."""
        if self.previous is None:
            return None
        if self.previous == 0:
            return self.count == 0
        return self.change_percent <= -REDUCTION_PERCENT


@dataclass
class ReductionSeries:
    key: str  # "no_members" or "without_cell"
    label: str | Promise
    rows: list[YearEndCount]

    @property
    def judged(self) -> list[YearEndCount]:
        """The resolution's years with a computed change (projections left out)."""
        return [r for r in self.rows if r.in_term and r.met is not None and not r.projected]

    @property
    def years_met(self) -> int:
        return sum(1 for row in self.judged if row.met)

    @property
    def met(self) -> bool | None:
        judged = self.judged
        return all(row.met for row in judged) if judged else None


@dataclass
class ReductionTarget:
    target: Target
    series: list[ReductionSeries]

    @property
    def counted(self) -> SyntheticCount:
        """The villages counted at every year end (both series count the same ones)."""
        rows = [row for row in self.series[0].rows if not row.projected] if self.series else []
        return sum((SyntheticCount(r.synthetic, r.villages) for r in rows), SyntheticCount())

    @property
    def has_projection(self) -> bool:
        """Whether any row is projected: the note about projections is shown only then."""
        return any(row.projected for series in self.series for row in series.rows)

    @property
    def met(self) -> bool | None:
        verdicts = [series.met for series in self.series]
        return None if None in verdicts else all(verdicts)


REDUCTION_SERIES = (
    # key, label, the published metrics that make it up
    ("no_members", _("Villages with no member"), (Metric.VILLAGES_NO_MEMBERS,)),
    (
        "without_cell",
        _("Villages without their own cell (joined + no member)"),
        (Metric.VILLAGES_JOINED, Metric.VILLAGES_NO_MEMBERS),
    ),
)


def province_year_ends(*, province_code: str = PROVINCE_CODE) -> list[Coverage]:
    """The province's computed coverage at every 31/12, as reported (either scheme)."""
    return list(
        Coverage.objects.filter(
            unit__level=Level.PROVINCE,
            unit__code=province_code,
            period__date__month=12,
            period__date__day=31,
        )
        .select_related("period")
        .order_by("period__date")
    )


def _reduction_series(
    key: str,
    label: str | Promise,
    metrics: tuple[str, ...],
    coverages: list[Coverage],
    published: dict[tuple[datetime.date, str], list[UnitFigure]],
) -> ReductionSeries:
    rows: list[YearEndCount] = []
    for coverage in coverages:
        date = coverage.period.date
        found = [published[(date, m)] for m in metrics if (date, m) in published]
        # One figure per metric, though two sources may give it (95 in both, at 31/12/2015).
        parts = [same_metric[0] for same_metric in found]
        sources = {f.source_id: f.source for same_metric in found for f in same_metric}
        stated, derived = _published_or_derived(parts, metrics)
        rows.append(
            YearEndCount(
                date=date,
                count=getattr(coverage, key),
                previous=rows[-1].count if rows else None,
                villages=coverage.villages,
                published=parts,
                published_value=stated,
                derived_value=derived,
                sources=list(sources.values()),
                synthetic=coverage.synthetic,
            )
        )
    term_end = _year_end(RESOLUTION_LAST_YEAR)
    for date, count in project_linear([(r.date, r.count) for r in rows], until=term_end):
        rows.append(YearEndCount(date=date, count=count, previous=rows[-1].count, projected=True))
    return ReductionSeries(key, label, rows)


def _published_or_derived(
    parts: list[UnitFigure], metrics: tuple[str, ...]
) -> tuple[int | None, int | None]:
    """(the stated figure, the sum of the stated parts): one of them at most, never both."""
    if len(parts) != len(metrics):
        return None, None
    total = int(sum(f.value for f in parts))
    return (total, None) if len(metrics) == 1 else (None, total)


def reduction_target(*, province_code: str = PROVINCE_CODE) -> ReductionTarget:
    """Both counts at each year end, their yearly change and whether it met the 15% cut.

    Counts are computed from village reports (Coverage of the province, as reported: the
    province before 1/7/2025, its two-level successor after). Published figures sit beside
    them where a source gives one; the sources' "chưa có chi bộ" is read as joined villages.
    """
    coverages = province_year_ends(province_code=province_code)
    published: dict[tuple[datetime.date, str], list[UnitFigure]] = {}
    wanted = [Metric.VILLAGES_NO_MEMBERS, Metric.VILLAGES_JOINED]
    for figure in _province_figures(province_code=province_code, metrics=wanted):
        published.setdefault((figure.period.date, figure.metric), []).append(figure)
    series = [
        _reduction_series(key, label, metrics, coverages, published)
        for key, label, metrics in REDUCTION_SERIES
    ]
    return ReductionTarget(TARGETS["villages-down"], series)
