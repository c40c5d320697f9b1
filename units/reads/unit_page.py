"""Reads for the pages and the API. Each page calls one selector; its query count is fixed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from units.models import (
    Coverage,
    Level,
    Period,
    Status,
    Unit,
    UnitFigure,
    Village,
    VillageFigure,
    VillagePlacement,
)
from units.reads.targets import RESOLUTION_BASELINE, admissions_progress


class BadDate(ValueError):
    """A date in the query string that is not YYYY-MM-DD."""


def periods_with_coverage() -> list[Period]:
    # EXISTS, one index probe per date: a DISTINCT over the join read every Coverage row, 0.2 s
    # of every page at national scale (417,280 rows; bench/README.md, issue 10).
    has_coverage = Exists(Coverage.objects.filter(period=OuterRef("pk")))
    return list(Period.objects.filter(has_coverage).order_by("date"))


def periods_within(unit: Unit, periods: list[Period]) -> list[Period]:
    return [p for p in periods if unit.is_valid_on(p.date)]


def parse_date(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise BadDate(text) from error


def period_choose(requested: datetime.date | None, periods: list[Period]) -> Period | None:
    """The requested period, else the latest one: pages default to the latest data."""
    if requested is None:
        return periods[-1] if periods else None
    for period in periods:
        if period.date == requested:
            return period
    return Period.objects.filter(date=requested).first()


def unit_on(unit: Unit, date: datetime.date) -> Unit | None:
    """The unit that stands for `unit` on `date`: itself, or its sole successor/predecessor."""
    if unit.is_valid_on(date):
        return unit
    related = Unit.objects.filter(
        Q(predecessions__predecessor=unit) | Q(successions__successor=unit)
    ).valid_on(date)
    related = list(related.filter(level=unit.level).distinct()[:2])
    return related[0] if len(related) == 1 else None


def breadcrumb(unit: Unit) -> list[Unit]:
    """The unit's ancestors, province first (parents are loaded with select_related)."""
    chain = []
    current = unit.parent
    while current is not None:
        chain.insert(0, current)
        current = current.parent
    return chain


@dataclass
class ChildRow:
    unit: Unit
    coverage: Coverage | None

    @property
    def own_cell_share(self) -> float | None:
        """Share of the reported villages with their own cell, in per cent: the ranking key."""
        if not self.coverage or not self.coverage.reported:
            return None
        return round(100 * self.coverage.own_cell / self.coverage.reported, 1)


@dataclass
class VillageRow:
    village: Village
    figure: VillageFigure | None  # None: not reported at this date

    @property
    def status(self) -> str:
        return self.figure.status if self.figure else Status.NOT_REPORTED


@dataclass
class UnitPage:
    unit: Unit
    period: Period
    coverage: Coverage | None
    parent_coverage: Coverage | None
    previous: Coverage | None
    previous_period: Period | None
    baseline: Coverage | None
    children: list[ChildRow] = field(default_factory=list)
    villages: list[VillageRow] = field(default_factory=list)
    published: list[UnitFigure] = field(default_factory=list)
    admissions: list = field(default_factory=list)
    predecessors: list[Unit] = field(default_factory=list)  # what this unit continues
    successors: list[Unit] = field(default_factory=list)  # what continued it

    def changes(self) -> list[ChangeRow]:
        """The headline counts now, at the previous date and at the resolution's baseline."""

        def value(coverage: Coverage | None, key: str) -> int | None:
            return getattr(coverage, key) if coverage else None

        return [
            ChangeRow(label, value(self.baseline, key), value(self.previous, key),
                      value(self.coverage, key))
            for key, label in CHANGE_FIGURES
        ]  # fmt: skip


CHANGE_FIGURES = (
    ("no_members", _("With no member")),
    ("joined", _("Attending a joined cell")),
    ("own_cell", _("With their own cell")),
    ("villages", _("Villages")),
)


@dataclass
class ChangeRow:
    label: str
    baseline: int | None
    previous: int | None
    now: int | None


def unit_page(unit: Unit, period: Period, periods: list[Period]) -> UnitPage:
    """Everything a province, district or commune page shows for one date."""
    previous_period = _previous(period, periods)
    wanted = [p for p in (period, previous_period) if p] + _baseline_periods(periods, period)
    coverages = {
        (c.unit_id, c.period_id): c
        for c in Coverage.objects.filter(period__in=wanted).filter(
            Q(unit=unit) | Q(unit_id=unit.parent_id)
        )
    }
    baseline_period = next((p for p in periods if p.date == RESOLUTION_BASELINE), None)
    published = list(
        UnitFigure.objects.filter(unit=unit, period=period)
        .select_related("source")
        .order_by("metric", "id")
    )
    page = UnitPage(
        unit=unit,
        period=period,
        coverage=coverages.get((unit.id, period.id)),
        parent_coverage=coverages.get((unit.parent_id, period.id)),
        previous=coverages.get((unit.id, previous_period.id)) if previous_period else None,
        previous_period=previous_period,
        baseline=coverages.get((unit.id, baseline_period.id)) if baseline_period else None,
        published=published,
        admissions=admissions_progress(published),
        predecessors=list(Unit.objects.filter(successions__successor=unit).order_by("name")),
        successors=list(Unit.objects.filter(predecessions__predecessor=unit).order_by("name")),
    )
    if unit.level == Level.COMMUNE:
        page.villages = commune_villages(unit, period)
    else:
        page.children = unit_children(unit, period)
    return page


def _previous(period: Period, periods: list[Period]) -> Period | None:
    earlier = [p for p in periods if p.date < period.date]
    return earlier[-1] if earlier else None


def _baseline_periods(periods: list[Period], period: Period) -> list[Period]:
    return [p for p in periods if p.date == RESOLUTION_BASELINE and p.date < period.date]


def unit_children(unit: Unit, period: Period) -> list[ChildRow]:
    children = list(Unit.objects.filter(parent=unit).valid_on(period.date).order_by("name"))
    coverage = {c.unit_id: c for c in Coverage.objects.filter(period=period, unit__in=children)}
    rows = [ChildRow(child, coverage.get(child.id)) for child in children]
    # Ranked by coverage, best first; units with no figures last.
    rows.sort(key=lambda row: (row.own_cell_share is None, -(row.own_cell_share or 0)))
    return rows


def commune_villages(commune: Unit, period: Period) -> list[VillageRow]:
    """Villages reported under the commune at the date, then those placed there but unreported."""
    figures = list(
        VillageFigure.objects.filter(period=period, commune=commune)
        .select_related("village", "joined_with")
        .order_by("village__name_key", "village_id")
    )
    reported = {figure.village_id for figure in figures}
    date = period.date
    # One row per village: a subquery, not a join, so a village with two placements (moved on
    # 1/7/2025) is listed once.
    placed_there = VillagePlacement.objects.valid_on(date).filter(commune=commune)
    placed = Village.objects.filter(id__in=placed_there.values("village_id")).order_by(
        "name_key", "id"
    )
    rows = [VillageRow(figure.village, figure) for figure in figures]
    rows += [VillageRow(village, None) for village in placed if village.id not in reported]
    return rows


@dataclass
class VillageHistoryRow:
    period: Period
    figure: VillageFigure | None


@dataclass
class VillageHistory:
    village: Village
    rows: list[VillageHistoryRow]
    placements: list[VillagePlacement]
    merged_from: list[Village]
    merged_into: list[Village]


def village_history(village: Village, periods: list[Period]) -> VillageHistory:
    """Every reporting date in the village's life, reported or not, with its moves and merges."""
    figures = {
        f.period_id: f
        for f in VillageFigure.objects.filter(village=village).select_related(
            "commune", "district", "joined_with"
        )
    }
    lifetime = [p for p in periods if village.is_valid_on(p.date)]
    placements = list(
        village.placements.select_related("commune__parent__parent").order_by("valid_from")
    )
    return VillageHistory(
        village=village,
        rows=[VillageHistoryRow(p, figures.get(p.id)) for p in reversed(lifetime)],
        placements=placements,
        merged_from=list(Village.objects.filter(successions__successor=village)),
        merged_into=list(Village.objects.filter(predecessions__predecessor=village)),
    )


@dataclass
class SeriesPoint:
    """One date of a unit's series: village counts by status and members."""

    date: datetime.date
    label: str
    villages: int
    own_cell: int
    joined: int
    no_members: int
    members: int


class SeriesRule:
    """How a series treats the units that changed (docs/domain.md §4): every chart says which."""

    AS_REPORTED = "reported"  # each date under the unit it was reported under at the time
    REGROUPED = "regrouped"  # today's villages of the unit, followed back through lineage


def series_as_reported(unit: Unit) -> list[SeriesPoint]:
    rows = Coverage.objects.filter(unit=unit).select_related("period").order_by("period__date")
    return [
        SeriesPoint(c.period.date, c.period.label, c.reported, c.own_cell, c.joined,
                    c.no_members, c.members)
        for c in rows
    ]  # fmt: skip


def series_regrouped(unit: Unit) -> list[SeriesPoint]:
    """The villages placed in the unit from its start, and the villages merged into them,
    counted at every date whatever commune they were reported under then."""
    placed = VillagePlacement.objects.filter(valid_to__isnull=True).filter(
        Q(commune=unit) | Q(commune__parent=unit) | Q(commune__parent__parent=unit)
    )
    current = placed.values("village_id")
    merged_in = Village.objects.filter(successions__successor__in=current).values("id")
    rows = (
        VillageFigure.objects.filter(Q(village__in=current) | Q(village__in=merged_in))
        .values("period__date", "period__label")
        .annotate(
            villages=Count("id"),
            own_cell=Count("id", filter=Q(status=Status.OWN_CELL)),
            joined=Count("id", filter=Q(status=Status.JOINED)),
            no_members=Count("id", filter=Q(status=Status.NO_MEMBERS)),
            members=Sum("members"),
        )
        .order_by("period__date")
    )
    return [
        SeriesPoint(r["period__date"], r["period__label"], r["villages"], r["own_cell"],
                    r["joined"], r["no_members"], r["members"] or 0)
        for r in rows
    ]  # fmt: skip


STATUS_RANK = {Status.NO_MEMBERS: 0, Status.JOINED: 1, Status.OWN_CELL: 2}


@dataclass(frozen=True, slots=True)
class VillageRef:
    """What the change and at-risk lists show of a village: a link and a name."""

    id: int
    name: str
    name_key: str


@dataclass(frozen=True, slots=True)
class FigureRow:
    """A village's status and members at one date, for the lists: thousands per province page,
    so plain values, not model instances (a tenth of the cost)."""

    village: VillageRef
    status: str
    members: int | None


@dataclass
class VillageChange:
    village: VillageRef
    before: FigureRow
    after: FigureRow


@dataclass
class VillageChanges:
    """What changed in a unit's villages between two dates (default: the previous date)."""

    since: Period | None
    gained_member: list[VillageChange] = field(default_factory=list)  # were white
    gained_cell: list[VillageChange] = field(default_factory=list)  # got their own cell
    backwards: list[VillageChange] = field(default_factory=list)  # tái trắng or lost a cell


def figures_under(unit: Unit, period: Period) -> dict[int, FigureRow]:
    """The unit's village figures at a date, as reported (whatever level the unit is)."""
    # The unit's communes first (a small query): a filter on the figures' commune joined up to
    # the province would read every figure of the date, 100,000 at national scale.
    rows = VillageFigure.objects.filter(
        period=period, commune_id__in=list(units_within(unit).values_list("id", flat=True))
    ).values_list("village_id", "village__name", "village__name_key", "status", "members")
    return {
        village_id: FigureRow(VillageRef(village_id, name, key), status, members)
        for village_id, name, key, status, members in rows
    }


def units_within(unit: Unit):
    """The unit, its children and theirs. `parent__in` a subquery, not `parent__parent`: each
    term is then an index search (the join was a scan of every unit, 10 ms at national scale)."""
    children = Unit.objects.filter(parent=unit).values("id")
    return Unit.objects.filter(Q(pk=unit.pk) | Q(parent=unit) | Q(parent__in=children))


def village_changes(unit: Unit, now: dict[int, FigureRow], since: Period | None) -> VillageChanges:
    """`now`: the unit's `figures_under` at the page's date (the at-risk list uses them too)."""
    changes = VillageChanges(since)
    if since is None:
        return changes
    before = figures_under(unit, since)
    for village_id, after in now.items():
        earlier = before.get(village_id)
        if earlier is None or earlier.status == after.status:
            continue
        change = VillageChange(after.village, earlier, after)
        if STATUS_RANK[after.status] < STATUS_RANK[earlier.status]:
            changes.backwards.append(change)
        elif after.status == Status.OWN_CELL:
            changes.gained_cell.append(change)
        else:
            changes.gained_member.append(change)
    for group in (changes.gained_member, changes.gained_cell, changes.backwards):
        group.sort(key=lambda change: change.village.name_key)
    return changes


@dataclass
class VillageAtRisk:
    figure: FigureRow
    year_before: FigureRow | None
    reason: str


def villages_at_risk(
    unit: Unit, now: dict[int, FigureRow], year_ago: Period | None
) -> list[VillageAtRisk]:
    """One or two members, or fewer members than a year before: where re-whitening starts."""
    before = figures_under(unit, year_ago) if year_ago else {}
    at_risk = []
    for village_id, figure in now.items():
        earlier = before.get(village_id)
        if figure.members in (1, 2):
            at_risk.append(VillageAtRisk(figure, earlier, "few"))
        elif earlier and earlier.members is not None and (figure.members or 0) < earlier.members:
            at_risk.append(VillageAtRisk(figure, earlier, "falling"))
    at_risk.sort(key=lambda row: (row.figure.members or 0, row.figure.village.name_key))
    return at_risk


def period_year_before(period: Period, periods: list[Period]) -> Period | None:
    try:
        target = period.date.replace(year=period.date.year - 1)
    except ValueError:  # 29 February
        return None
    return next((p for p in periods if p.date == target), None)


CHART_METRICS = ("villages_no_members", "villages_joined", "members")


def published_series(unit: Unit, related: list[Unit]) -> list[UnitFigure]:
    """Published stock figures (no span) of the unit and of the units it continues or that
    continue it one to one, for drawing beside the computed series."""
    units = [unit] + (related if len(related) == 1 else [])
    return list(
        UnitFigure.objects.filter(unit__in=units, metric__in=CHART_METRICS, span_start=None)
        .select_related("period", "source")
        .order_by("period__date")
    )


def chart_data(series: list[SeriesPoint], published: list[UnitFigure], rule: str) -> dict:
    """What the charts draw, for json_script: x is the day number so uneven dates sit right."""
    epoch = datetime.date(1970, 1, 1)

    def day(date: datetime.date) -> int:
        return (date - epoch).days

    computed = {
        key: [{"x": day(p.date), "y": getattr(p, key)} for p in series]
        for key in ("no_members", "joined", "own_cell", "members")
    }
    return {
        "rule": rule,
        "computed": computed,
        "published": {
            metric: [
                {"x": day(f.period.date), "y": float(f.value), "qualifier": f.qualifier,
                 "source": f.source.shown_title}
                for f in published
                if f.metric == metric
            ]
            for metric in CHART_METRICS
        },
    }  # fmt: skip
