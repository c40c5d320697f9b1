"""The village lists of a unit page: what changed since a date, and the villages at risk.

Thousands of villages per province page, so plain values, not model instances (a tenth of the
cost), fetched once per date and shared by both lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Q, Value

from units.models import Period, Status, Unit, VillageFigure

# Worse to better: a village that moves down this order went backwards (tái trắng, or lost its
# own cell; docs/domain.md §1).
STATUS_RANK = {Status.NO_MEMBERS: 0, Status.JOINED: 1, Status.OWN_CELL: 2}


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and a province page
# builds two of these per village and date (17,000 at national scale): 14 ms a date frozen,
# 5 ms not (issue 10, bench/README.md).
@dataclass(slots=True)
class VillageRef:
    """What the lists show of a village: a link, a name, and the commune it was reported under
    (two communes may each have a "Tổ dân phố 8")."""

    id: int
    name: str
    sort_key: str
    commune_id: int
    commune_name: str


@dataclass(slots=True)
class FigureRow:
    """A village's status and members at one date."""

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


# A village's figure at a date as read: (period id, village id, commune id, status, members), a
# row of the database's own tuple. A province page reads 17,000 of them (three dates); only the
# few hundred its lists show get a name (`village_refs`): joining every row to its village and
# commune and building two objects per row were three quarters of that page (issue 10).
Figure = tuple[int, int, int, str, int | None]
PERIOD, VILLAGE, COMMUNE, STATUS, MEMBERS = range(5)
FIGURE_FIELDS = ("period_id", "village_id", "commune_id", "status", "members")


def figures_under(unit: Unit, period: Period) -> dict[int, Figure]:
    """The unit's village figures at a date, as reported (whatever level the unit is)."""
    return figures_at(unit, [period])[period.id]


def figures_at(unit: Unit, periods: list[Period]) -> dict[int, dict[int, Figure]]:
    """`figures_under` the unit at each of these dates, by period id, in one read: a province
    page asks three dates (now, the date compared with, a year before), 5,800 villages each at
    national scale."""
    rows = _figures_within(unit, periods).values_list(*FIGURE_FIELDS)
    by_period: dict[int, dict[int, Figure]] = {period.id: {} for period in periods}
    for row in rows:
        by_period[row[PERIOD]][row[VILLAGE]] = row
    return by_period


UNIT = len(FIGURE_FIELDS)  # where `figures_of` tags a figure with its unit


def figures_of(wanted: dict[Unit, list[Period]]) -> dict[tuple[int, int], dict[int, Figure]]:
    """`figures_at` several units, each at its own dates, by (unit id, period id), in one read
    (each unit's part tagged with its id, the parts joined by UNION ALL): a feed compares dozens
    of dates, the site's feed those of dozens of provinces (two parts an entry at most, well
    under SQLite's 500). No query for no unit."""
    parts = [
        _figures_within(unit, periods)
        .annotate(unit=UnitTag(unit.id))
        .values_list(*FIGURE_FIELDS, "unit")
        for unit, periods in wanted.items()
    ]
    by_date: dict[tuple[int, int], dict[int, Figure]] = {
        (unit.id, period.id): {} for unit, periods in wanted.items() for period in periods
    }
    if not parts:
        return by_date
    for row in parts[0].union(*parts[1:], all=True):
        by_date[row[UNIT], row[PERIOD]][row[VILLAGE]] = row[:UNIT]
    return by_date


class UnitTag(Value):
    """A unit's id on each row of its part of `figures_of`. The database gives the integer back
    as it is: Value's own int() on each row was a quarter of the site's feed (220,000 rows at
    national scale)."""

    def __init__(self, unit_id: int):
        super().__init__(unit_id, output_field=BigIntegerField())

    def get_db_converters(self, connection) -> list:
        return []


def _figures_within(unit: Unit, periods: list[Period]):
    """The unit's communes in a subquery, found through the parent index: a join of the
    figures' commune up to the province would read every figure of the date."""
    return VillageFigure.objects.filter(
        period__in=periods, commune_id__in=units_within(unit).values("id")
    )


def village_refs(figures: list[Figure]) -> dict[tuple[int, int], VillageRef]:
    """The names of these villages and of the communes they were reported under, by (period
    id, village id): one query, none for no figure."""
    wanted: dict[int, set[int]] = {}
    for figure in figures:
        wanted.setdefault(figure[PERIOD], set()).add(figure[VILLAGE])
    if not wanted:
        return {}
    either = Q()
    for period_id, ids in wanted.items():
        either |= Q(period_id=period_id, village_id__in=sorted(ids))
    rows = VillageFigure.objects.filter(either).values_list(
        "period_id", "village_id", "village__name", "village__sort_key", "commune_id",
        "commune__name",
    )  # fmt: skip
    return {
        (period_id, village_id): VillageRef(village_id, name, key, commune, commune_name)
        for period_id, village_id, name, key, commune, commune_name in rows
    }


def figure_row(figure: Figure, ref: VillageRef) -> FigureRow:
    return FigureRow(ref, figure[STATUS], figure[MEMBERS])


def units_within(unit: Unit):
    """The unit, its children and theirs. `parent__in` a subquery, not `parent__parent`: each
    term is then an index search (the join was a scan of every unit, 10 ms at national scale)."""
    children = Unit.objects.filter(parent=unit).values("id")
    return Unit.objects.filter(Q(pk=unit.pk) | Q(parent=unit) | Q(parent__in=children))


def _worse(before: str, after: str) -> bool:
    if before not in STATUS_RANK or after not in STATUS_RANK:
        return False  # not reported on either side: nothing is known to have changed
    return STATUS_RANK[after] < STATUS_RANK[before]


ChangeFound = tuple[str, Figure, Figure]  # which list, the figure now, the figure before


def changes_found(now: dict[int, Figure], before: dict[int, Figure]) -> list[ChangeFound]:
    """`now` and `before`: `figures_under` the unit at the page's date and at the date compared
    with. Villages reported at both whose status changed, and in which list each goes."""
    found = []
    for village_id, after in now.items():
        earlier = before.get(village_id)
        if earlier is None or earlier[STATUS] == after[STATUS]:
            continue
        if after[STATUS] not in STATUS_RANK or earlier[STATUS] not in STATUS_RANK:
            continue
        if _worse(earlier[STATUS], after[STATUS]):
            found.append(("backwards", after, earlier))
        elif after[STATUS] == Status.OWN_CELL:
            found.append(("gained_cell", after, earlier))
        else:
            found.append(("gained_member", after, earlier))
    return found


def changes_named(found: list[ChangeFound], refs, since) -> VillageChanges:
    """The changes found, each village with its name and commune at the page's date (`refs`:
    `village_refs` of the figures now), sorted by name."""
    changes = VillageChanges(since)
    for group, after, earlier in found:
        ref = refs[after[PERIOD], after[VILLAGE]]
        change = VillageChange(ref, figure_row(earlier, ref), figure_row(after, ref))
        getattr(changes, group).append(change)
    for group in (changes.gained_member, changes.gained_cell, changes.backwards):
        group.sort(key=lambda change: (change.village.sort_key, change.village.id))
    return changes


def village_changes(now: dict[int, Figure], before: dict[int, Figure], since) -> VillageChanges:
    """What changed in the unit's villages between `since` (the date of `before`) and now."""
    found = changes_found(now, before)
    return changes_named(found, village_refs([after for _, after, _ in found]), since)


class Risk:
    """Why a village is at risk of turning white (again)."""

    FEW = "few"  # one or two members: one move or death from white
    WORSE = "worse"  # its status went backwards since a year before
    FALLING = "falling"  # a third or more of its members gone since a year before


@dataclass
class VillageAtRisk:
    figure: FigureRow
    year_before: FigureRow | None
    reasons: tuple[str, ...]


def risk_reasons(figure: FigureRow, earlier: FigureRow | None) -> tuple[str, ...]:
    """One or two members, a status that got worse, or a fall of at least a third: a village
    of 37 members that lost one is not at risk."""
    if earlier is None:
        return _risks(figure.status, figure.members, None, None)
    return _risks(figure.status, figure.members, earlier.status, earlier.members)


def _risks(status: str, members, status_before: str | None, members_before) -> tuple[str, ...]:
    reasons = []
    if members in (1, 2):
        reasons.append(Risk.FEW)
    if status_before is not None and _worse(status_before, status):
        reasons.append(Risk.WORSE)
    if members_before and members is not None:
        if 3 * members <= 2 * members_before:  # lost at least a third
            reasons.append(Risk.FALLING)
    return tuple(reasons)


RiskFound = tuple[Figure, Figure | None, tuple[str, ...]]  # the figure, a year before, why


def risks_found(now: dict[int, Figure], year_before: dict[int, Figure]) -> list[RiskFound]:
    """`year_before`: the unit's `figures_under` a year before the page's date (may be empty)."""
    found = []
    for village_id, figure in now.items():
        earlier = year_before.get(village_id)
        if earlier is None:
            reasons = _risks(figure[STATUS], figure[MEMBERS], None, None)
        else:
            reasons = _risks(figure[STATUS], figure[MEMBERS], earlier[STATUS], earlier[MEMBERS])
        if reasons:
            found.append((figure, earlier, reasons))
    return found


def risks_named(found: list[RiskFound], refs) -> list[VillageAtRisk]:
    """The villages at risk found, named (`refs`: `village_refs` of their figures), fewest
    members first, then by name."""
    at_risk = []
    for figure, earlier, reasons in found:
        ref = refs[figure[PERIOD], figure[VILLAGE]]
        before = figure_row(earlier, ref) if earlier is not None else None
        at_risk.append(VillageAtRisk(figure_row(figure, ref), before, reasons))
    at_risk.sort(
        key=lambda row: (
            row.figure.members or 0,
            row.figure.village.sort_key,
            row.figure.village.id,
        )
    )
    return at_risk


def villages_at_risk(now: dict[int, Figure], year_before: dict[int, Figure]) -> list[VillageAtRisk]:
    found = risks_found(now, year_before)
    return risks_named(found, village_refs([figure for figure, _, _ in found]))
