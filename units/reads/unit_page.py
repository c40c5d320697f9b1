"""The unit page selector: one read for the page `/u/<id>/` and the API `/api/v1/figures`.

`unit_page_select(unit_id, date, compare, series, …)` answers either the page's data
(`UnitPage`) or, for a unit asked for at a date outside its life, the units that stood for it
then (`units.reads.lineage.UnitElsewhere`). The page and the API render the same answer, so they
cannot disagree about which unit and which date a permalink means.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import F, FilteredRelation, Q

from units.models import (
    Coverage,
    Level,
    Period,
    Status,
    Unit,
    UnitFigure,
    UnitSuccession,
    Village,
    VillageFigure,
    VillagePlacement,
)
from units.reads import published_dates, village_lists, village_lives
from units.reads import series as series_reads
from units.reads.dates import (
    Baseline,
    DateChoice,
    period_choose,
    period_previous,
    period_year_before,
    periods_with_coverage,
    periods_within,
)
from units.reads.lineage import UnitElsewhere, units_standing_for
from units.reads.provenance import synthetic_share
from units.reads.targets import admissions_progress


class UnitNotFound(LookupError):
    """No unit with that id."""


class NoFiguresAtDate(LookupError):
    """The unit existed on the date, but no reporting date of its life is on or before it."""


class ChildRank:
    """How the units below are ranked: by share with their own cell, with a member, or by name."""

    OWN_CELL = "own_cell"
    MEMBER = "member"
    NAME = "name"
    ALL = (OWN_CELL, MEMBER, NAME)


def share(part: int, whole: int) -> float | None:
    """Per cent of the reported villages, one decimal; None when none was reported."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class ChildRow:
    unit: Unit
    coverage: Coverage | None

    @property
    def own_cell_share(self) -> float | None:
        """Share of the reported villages with their own cell, in per cent."""
        return share(self.coverage.own_cell, self.coverage.reported) if self.coverage else None

    @property
    def member_share(self) -> float | None:
        """Share of the reported villages with at least one member (own cell or joined)."""
        if not self.coverage:
            return None
        return share(self.coverage.own_cell + self.coverage.joined, self.coverage.reported)


@dataclass(frozen=True, slots=True)
class VillageRow:
    """A village of a commune at a date, reported or not (plain values: no model instances)."""

    id: int
    name: str
    status: str  # not_reported when there is no figure
    reported: bool
    members: int | None = None
    full_members: int | None = None
    probationary_members: int | None = None
    joined_with_id: int | None = None  # the village whose cell it attends, when known
    joined_with_name: str = ""  # that village's name, or the name as written in the report


@dataclass
class ChangeRow:
    key: str  # a Status value, or "villages"
    baseline: int | None
    previous: int | None
    now: int | None


CHANGE_FIGURES = (Status.NO_MEMBERS, Status.JOINED, Status.OWN_CELL, "villages")


@dataclass(frozen=True)
class ShareComparison:
    """A share of the unit's reported villages beside the same share in its parent."""

    key: str  # "no_members", "own_cell"
    count: int
    reported: int
    share: float | None
    parent_share: float | None


@dataclass
class UnitPage:
    unit: Unit
    date: DateChoice
    periods: list[Period]  # the reporting dates of the unit's life, oldest first
    all_periods: list[Period]  # every date with village figures
    # The dates the chart shows: the unit's own and, before them, those of the unit it continues
    # one to one (`continues`). Changes are counted from them, the village lists' included.
    charted: list[Period]
    coverage: Coverage | None
    parent_coverage: Coverage | None
    # The dates changes are counted from, among the dates the chart shows: for a unit that
    # continues another one to one, their coverage may be that unit's (`continues`).
    previous: Coverage | None
    previous_period: Period | None
    baseline: Baseline | None
    baseline_coverage: Coverage | None
    since: Period | None  # the date the village changes are counted from
    rule: str  # SeriesRule of the charts
    rank: str  # ChildRank of the units below
    continues: Unit | None = None  # the unit this one continues one to one (a province)
    children: list[ChildRow] = field(default_factory=list)
    villages: list[VillageRow] = field(default_factory=list)
    published: list[UnitFigure] = field(default_factory=list)  # at the page's date
    # Every published figure of the lineage, oldest first: read once for the page's date's
    # figures, the charts' and those at other dates (three queries before, issue 10).
    unit_figures: list[UnitFigure] = field(default_factory=list)
    predecessors: list[Unit] = field(default_factory=list)  # what this unit continues
    successors: list[Unit] = field(default_factory=list)  # what continued it
    compare_asked: datetime.date | None = None  # `?compare=`, the date the lists count from

    @property
    def compare_replaced(self) -> str | None:
        """Why the village lists count from another date than `?compare=` named: "not_before"
        (it is not before the page's date) or "too_early" (no reporting date on or before it):
        from the date before; "nearest" (not a reporting date): from the nearest earlier one.
        None when they count from it, or none was named."""
        asked, since = self.compare_asked, self.since
        if asked is None or since is None or since.date == asked:
            return None
        if asked >= self.period.date:
            return "not_before"
        return "too_early" if since.date > asked else "nearest"

    @property
    def period(self) -> Period:
        return self.date.period

    @property
    def can_regroup(self) -> bool:
        """Regrouping onto today's units needs a unit of today that continues others."""
        return self.unit.valid_to is None and bool(self.predecessors)

    @property
    def compared_with_continued(self) -> bool:
        """Whether a change is counted from the coverage of the unit this one continues (the
        province before 1/7/2025, for today's province)."""
        earlier = (self.previous, self.baseline_coverage)
        return any(c is not None and c.unit_id != self.unit.id for c in earlier)

    @property
    def admissions(self) -> list:
        return admissions_progress(self.published)

    def changes(self) -> list[ChangeRow]:
        """The headline counts now, at the previous date and at the baseline."""

        def value(coverage: Coverage | None, key: str) -> int | None:
            # No village reported then: no count by status, nor a change.
            return None if coverage is None else coverage.known(key)

        return [
            ChangeRow(str(key), value(self.baseline_coverage, key), value(self.previous, key),
                      value(self.coverage, key))
            for key in CHANGE_FIGURES
        ]  # fmt: skip

    def parent_comparison(self) -> list[ShareComparison]:
        """Villages with no member and with their own cell, in shares: a commune of 20 villages
        and a province of 1,813 compare by share, not by count."""
        mine, theirs = self.coverage, self.parent_coverage
        if not mine or not theirs or not mine.reported:
            return []
        return [
            ShareComparison(key, getattr(mine, key), mine.reported,
                            share(getattr(mine, key), mine.reported),
                            share(getattr(theirs, key), theirs.reported))
            for key in (Status.NO_MEMBERS, Status.OWN_CELL)
        ]  # fmt: skip

    @property
    def series_first_last(self) -> tuple[datetime.date, datetime.date] | None:
        return (self.series[0].date, self.series[-1].date) if self.series else None

    @property
    def series_gaps(self) -> list[series_reads.SeriesPoint]:
        """Dates where none of the unit's villages was reported: the lines break there."""
        return [point for point in self.series if point.is_gap]

    @property
    def series_partial(self) -> list[series_reads.SeriesPoint]:
        """Dates where some villages were not reported: the counts cover the others only."""
        return [p for p in self.series if not p.is_gap and p.not_reported]

    @cached_property
    def lineage(self) -> list[Unit]:
        """The units whose figures the as-reported series shows: this one and the one it
        continues one to one."""
        return [self.unit] + ([self.continues] if self.continues else [])

    @cached_property
    def series(self) -> list[series_reads.SeriesPoint]:
        if self.rule == series_reads.SeriesRule.REGROUPED:
            return series_reads.series_regrouped(self.unit, self.all_periods)
        periods = self.all_periods if self.continues else self.periods
        return series_reads.series_as_reported(self.lineage, periods)

    @cached_property
    def published_series(self) -> list[UnitFigure]:
        return series_reads.published_stock(self.unit_figures)

    @cached_property
    def published_elsewhere(self) -> list[published_dates.PublishedDate]:
        own = [figure for figure in self.unit_figures if figure.unit_id == self.unit.id]
        return published_dates.published_elsewhere(own, self.periods)

    @property
    def synthetic(self) -> str:
        """Whether the villages counted at the page's date are synthetic (units.reads.provenance):
        the headline figures and the village list say so."""
        return synthetic_share([self.coverage])

    @property
    def chart_synthetic(self) -> str:
        """Whether the villages the charts count, over all their dates, are synthetic."""
        return series_reads.series_synthetic(self.series).share

    @cached_property
    def chart(self) -> dict:
        return series_reads.chart_data(self.series, self.published_series, self.rule)

    @cached_property
    def year_ago(self) -> Period | None:
        return period_year_before(self.period, self.charted)

    def reported_under(self, period: Period) -> Unit:
        """The unit whose villages a list reads at `period` (`reported_under`)."""
        return reported_under(self.unit, self.continues, period)

    @property
    def changes_from_continued(self) -> bool:
        """Whether the village changes count from a date of the unit this one continues."""
        return self.since is not None and self.reported_under(self.since) != self.unit

    @property
    def risks_from_continued(self) -> bool:
        """Whether "a year before" in the at-risk list is a date of the unit this one continues."""
        return self.year_ago is not None and self.reported_under(self.year_ago) != self.unit

    @cached_property
    def village_figures(self) -> dict[int, dict[int, village_lists.Figure]]:
        """The village figures the lists need (the page's date, the date compared with, a year
        before), by period id: one read instead of three (issue 10), and one more for the dates
        before the unit's life, read under the unit it continues."""
        wanted = {p.id: p for p in (self.period, self.since, self.year_ago) if p is not None}
        under: dict[Unit, list[Period]] = {}
        for period in wanted.values():
            under.setdefault(self.reported_under(period), []).append(period)
        figures: dict[int, dict[int, village_lists.Figure]] = {}
        for unit, periods in under.items():
            figures |= village_lists.figures_at(unit, periods)
        return figures

    @property
    def figures_now(self) -> dict[int, village_lists.Figure]:
        return self.village_figures[self.period.id]

    @cached_property
    def _changes_found(self) -> list[village_lists.ChangeFound]:
        if self.since is None:
            return []
        before = self.village_figures[self.since.id]
        return village_lists.changes_found(self.figures_now, before)

    @cached_property
    def _risks_found(self) -> list[village_lists.RiskFound]:
        before = self.village_figures[self.year_ago.id] if self.year_ago else {}
        return village_lists.risks_found(self.figures_now, before)

    @cached_property
    def _village_refs(self) -> dict:
        """The names of the villages both lists show, in one query."""
        figures = [after for _, after, _ in self._changes_found]
        figures += [figure for figure, _, _ in self._risks_found]
        return village_lists.village_refs(figures)

    @cached_property
    def lives_since_previous(self) -> village_lives.VillageLives:
        """The villages merged, begun or ended since the previous date, which the change since
        then counts with the statuses' changes."""
        if self.previous_period is None:
            return village_lives.VillageLives()
        return self._lives_since(self.previous_period.date)

    @cached_property
    def lives_since_baseline(self) -> village_lives.VillageLives:
        """The same since the baseline (31/12/2015), which its change counts too; none when
        the baseline is the previous date, whose note says so already."""
        previous = self.previous_period.date if self.previous_period else None
        if self.baseline_coverage is None or self.baseline.date == previous:
            return village_lives.VillageLives()
        return self._lives_since(self.baseline.date)

    def _lives_since(self, since: datetime.date) -> village_lives.VillageLives:
        return village_lives.village_lives(self.lineage, since, self.period.date)

    @cached_property
    def village_changes(self) -> village_lists.VillageChanges:
        if self.since is None:
            return village_lists.VillageChanges(None)
        return village_lists.changes_named(self._changes_found, self._village_refs, self.since)

    @cached_property
    def at_risk(self) -> list[village_lists.VillageAtRisk]:
        return village_lists.risks_named(self._risks_found, self._village_refs)


def unit_page_select(
    *,
    unit_id: int,
    date: datetime.date | None = None,
    compare: datetime.date | None = None,
    series: str | None = None,
    rank: str | None = None,
    baseline: Baseline | None = None,
) -> UnitPage | UnitElsewhere:
    """The page of a unit at a date (default: its latest), or the units that stood for it then.

    Raises UnitNotFound, or NoFiguresAtDate when no reporting date of the unit's life is on or
    before `date`. A `date` that is not a reporting date gives the nearest earlier one
    (`UnitPage.date.is_nearest_earlier`).
    """
    unit = Unit.objects.select_related("parent__parent").filter(pk=unit_id).first()
    if unit is None:
        raise UnitNotFound(unit_id)
    if date is not None and not unit.is_valid_on(date):
        return units_standing_for(unit, date)
    all_periods = periods_with_coverage()
    periods = periods_within(unit, all_periods)
    choice = period_choose(date, periods)
    if choice is None:
        raise NoFiguresAtDate(unit, date)
    if date is None:
        choice = latest_reported(unit, periods) or choice
    page = _unit_page(unit, choice, periods, all_periods, compare, series, rank, baseline)
    page.all_periods = all_periods
    return page


@dataclass(frozen=True)
class NoFigures:
    """A unit at a date of its life before its first reporting date (today's units between
    1/7/2025 and their first report): where its figures are instead."""

    unit: Unit
    date: datetime.date
    first: Period | None  # the unit's first reporting date, None when it has none
    before: list[Unit]  # the units it continues, whose figures end the day before it starts

    @property
    def day_before(self) -> datetime.date:
        return self.unit.valid_from - datetime.timedelta(days=1)


def no_figures_read(unit: Unit, date: datetime.date) -> NoFigures:
    """What a unit's page says when `unit_page_select` raised NoFiguresAtDate. Two queries."""
    periods = periods_within(unit, periods_with_coverage())
    later = [period for period in periods if period.date > date]
    return NoFigures(unit, date, later[0] if later else None, unit_predecessors(unit)[0])


def latest_reported(unit: Unit, periods: list[Period]) -> DateChoice | None:
    """The latest of `periods` at which a village of the unit was reported: where its page
    opens. A province reporting less often than others would otherwise open at a date where
    every village of it is "not reported" (docs/domain.md §1). One query."""
    by_id = {period.id: period for period in periods}
    reported = Coverage.objects.filter(
        unit=unit, period_id__in=by_id, not_reported__lt=F("villages")
    ).order_by("-period__date")
    latest = reported.values_list("period_id", flat=True).first()
    return DateChoice(by_id[latest], None) if latest is not None else None


def unit_predecessors(unit: Unit) -> tuple[list[Unit], Unit | None]:
    """What the unit continues (`UnitSuccession`, the 2025 crosswalk), by sort key, and the one
    unit it continues one to one: today's Điện Biên continues the province before 1/7/2025; a
    unit formed from several, or from part of one, continues none (None). One query."""
    successions = list(UnitSuccession.objects.filter(successor=unit).select_related("predecessor"))
    predecessors = sorted((s.predecessor for s in successions), key=lambda u: u.sort_key)
    return predecessors, continued_one_to_one(successions)


def continued_one_to_one(successions: list[UnitSuccession]) -> Unit | None:
    """The unit a successor continues one to one, from all its successions: their only one's
    predecessor, unless that was split between new units."""
    if len(successions) == 1 and not successions[0].partial:
        return successions[0].predecessor
    return None


def units_continued(units: list[Unit]) -> dict[int, Unit]:
    """The unit each of these continues one to one (`unit_predecessors`), by unit id, for those
    that continue one: one query for them all (the site's feed asks it of every province)."""
    by_successor: dict[int, list[UnitSuccession]] = {}
    successions = UnitSuccession.objects.filter(successor__in=units).select_related("predecessor")
    for succession in successions:
        by_successor.setdefault(succession.successor_id, []).append(succession)
    continued = {unit_id: continued_one_to_one(found) for unit_id, found in by_successor.items()}
    return {unit_id: unit for unit_id, unit in continued.items() if unit is not None}


def reported_under(unit: Unit, continues: Unit | None, period: Period) -> Unit:
    """The unit whose villages are read at `period`: `unit`, or before its life the one it
    continues (villages keep their ids across the reform, docs/village-identity.md)."""
    if continues is not None and not unit.is_valid_on(period.date):
        return continues
    return unit


def _unit_page(unit, choice, periods, all_periods, compare, series, rank, baseline) -> UnitPage:
    period = choice.period
    predecessors, continues = unit_predecessors(unit)
    lineage = [unit] + ([continues] if continues else [])
    # Changes are counted from the dates the chart shows: today's province continues the
    # province before 1/7/2025, so its 31/12/2015 and its date before the first are that one's.
    charted = [p for p in all_periods if any(u.is_valid_on(p.date) for u in lineage)]
    previous_period = period_previous(period, charted)
    baseline_period = _baseline_period(baseline, charted, period)
    coverages = _coverages(lineage, unit.parent_id, [period, previous_period, baseline_period])
    unit_figures = published_figures(lineage)
    page = UnitPage(
        unit=unit,
        date=choice,
        periods=periods,
        all_periods=periods,
        charted=charted,
        coverage=coverages.get((unit.id, period.id)),
        parent_coverage=coverages.get((unit.parent_id, period.id)),
        previous=_lineage_coverage(coverages, lineage, previous_period),
        previous_period=previous_period,
        baseline=baseline,
        baseline_coverage=_lineage_coverage(coverages, lineage, baseline_period),
        # The village lists too: villages keep their ids across the reform, so today's province
        # lists what changed since 30/6/2025 in the villages of the province it continues.
        since=_since(compare, charted, period) or previous_period,
        rule=_series_rule(series, unit, predecessors, continues),
        rank=rank if rank in ChildRank.ALL else ChildRank.OWN_CELL,
        continues=continues,
        unit_figures=unit_figures,
        published=[f for f in unit_figures if f.unit_id == unit.id and f.period_id == period.id],
        predecessors=predecessors,
        successors=list(Unit.objects.filter(predecessions__predecessor=unit).order_by("sort_key")),
        compare_asked=compare,
    )
    if unit.level == Level.COMMUNE:
        page.villages = commune_villages(unit, period)
    else:
        page.children = unit_children(unit, period, page.rank)
    return page


def published_figures(lineage: list[Unit]) -> list[UnitFigure]:
    """The published figures of these units, by date, then metric (the page's order)."""
    return list(
        UnitFigure.objects.filter(unit__in=lineage)
        .select_related("period", "source")
        .order_by("period__date", "metric", "id")
    )


def _coverages(
    lineage: list[Unit], parent_id: int | None, periods: list[Period | None]
) -> dict[tuple[int, int], Coverage]:
    """The coverage of the unit (and of the one it continues) and of its parent at these
    periods, in one query."""
    wanted = [p for p in periods if p is not None]
    rows = Coverage.objects.filter(period__in=wanted).filter(
        Q(unit__in=lineage) | Q(unit_id=parent_id)
    )
    return {(c.unit_id, c.period_id): c for c in rows}


def _lineage_coverage(
    coverages: dict[tuple[int, int], Coverage], lineage: list[Unit], period: Period | None
) -> Coverage | None:
    """The coverage at the period of the first unit of the lineage that has one."""
    if period is None:
        return None
    found = (coverages.get((unit.id, period.id)) for unit in lineage)
    return next((coverage for coverage in found if coverage is not None), None)


def _baseline_period(baseline: Baseline | None, periods: list[Period], period: Period):
    if baseline is None:
        return None
    return next((p for p in periods if p.date == baseline.date and p.date < period.date), None)


def _since(compare: datetime.date | None, periods: list[Period], period: Period):
    """The reporting date `compare` names, or the nearest one before it; earlier than the page's."""
    if compare is None:
        return None
    earlier = [p for p in periods if p.date <= compare and p.date < period.date]
    return earlier[-1] if earlier else None


def _series_rule(asked: str | None, unit: Unit, predecessors: list[Unit], continues) -> str:
    """As asked when it applies; by default the rule that shows the whole series: as reported
    for a unit that continues one unit (or none), regrouped for one formed from several."""
    rules = series_reads.SeriesRule
    can_regroup = unit.valid_to is None and bool(predecessors)
    if asked == rules.AS_REPORTED or (asked == rules.REGROUPED and can_regroup):
        return asked
    return rules.REGROUPED if can_regroup and continues is None else rules.AS_REPORTED


def breadcrumb(unit: Unit) -> list[Unit]:
    """The unit's ancestors, province first (parents are loaded with select_related)."""
    chain = []
    current = unit.parent
    while current is not None:
        chain.insert(0, current)
        current = current.parent
    return chain


COVERAGE_COUNTS = ("villages", "own_cell", "joined", "no_members", "not_reported", "members",
                   "admissions")  # fmt: skip


def unit_children(unit: Unit, period: Period, rank: str = ChildRank.OWN_CELL) -> list[ChildRow]:
    """The units below at the date, each with its coverage then (None when it has none): one
    query, the coverage a LEFT JOIN (a second query took a millisecond of ORM, issue 10)."""
    children = (
        Unit.objects.filter(parent=unit)
        .valid_on(period.date)
        .annotate(at_date=FilteredRelation("coverage", condition=Q(coverage__period=period)))
        .annotate(coverage_id=F("at_date__id"))
        .annotate(**{f"coverage_{name}": F(f"at_date__{name}") for name in COVERAGE_COUNTS})
        .order_by("sort_key")
    )
    rows = [ChildRow(child, _coverage_of(child, period)) for child in children]
    if rank == ChildRank.NAME:
        return rows  # already in Vietnamese alphabetical order
    # Best first; units with no figures last; equal shares by name (the sort is stable).
    attribute = "member_share" if rank == ChildRank.MEMBER else "own_cell_share"
    rows.sort(key=lambda row: (getattr(row, attribute) is None, -(getattr(row, attribute) or 0)))
    return rows


def _coverage_of(child: Unit, period: Period) -> Coverage | None:
    if child.coverage_id is None:
        return None
    counts = {name: getattr(child, f"coverage_{name}") for name in COVERAGE_COUNTS}
    return Coverage(id=child.coverage_id, unit=child, period=period, **counts)


FIGURE_VALUES = (
    "village_id", "village__name", "status", "members", "full_members", "probationary_members",
    "joined_with_id", "joined_with__name", "joined_with_name",
)  # fmt: skip


def commune_villages(commune: Unit, period: Period) -> list[VillageRow]:
    """Villages reported under the commune at the date, then those placed there but unreported."""
    figures = (
        VillageFigure.objects.filter(period=period, commune=commune)
        .order_by("village__sort_key", "village_id")
        .values_list(*FIGURE_VALUES)
    )
    rows = [
        VillageRow(village_id, name, status, status != Status.NOT_REPORTED, members, full,
                   probationary, host_id, host_name or written)
        for village_id, name, status, members, full, probationary, host_id, host_name, written
        in figures
    ]  # fmt: skip
    reported = {row.id for row in rows}
    date = period.date
    # One row per village: a subquery, not a join, so a village with two placements (moved on
    # 1/7/2025) is listed once.
    placed_there = VillagePlacement.objects.valid_on(date).filter(commune=commune)
    placed = (
        Village.objects.filter(id__in=placed_there.values("village_id"))
        .order_by("sort_key", "id")
        .values_list("id", "name")
    )
    rows += [
        VillageRow(village_id, name, Status.NOT_REPORTED, False)
        for village_id, name in placed
        if village_id not in reported
    ]
    return rows
