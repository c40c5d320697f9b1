"""The village lists of a unit page: what changed since a date, and the villages at risk.

Thousands of villages per province page, so plain values, not model instances (a tenth of the
cost), fetched once per date and shared by both lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

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


def figures_under(unit: Unit, period: Period) -> dict[int, FigureRow]:
    """The unit's village figures at a date, as reported (whatever level the unit is)."""
    return figures_at(unit, [period])[period.id]


def figures_at(unit: Unit, periods: list[Period]) -> dict[int, dict[int, FigureRow]]:
    """`figures_under` the unit at each of these dates, by period id, in one read: a province
    page asks three dates (now, the date compared with, a year before), 5,800 villages each at
    national scale. A village keeps one VillageRef across the dates it has the same commune."""
    # The unit's communes first (a small query): a filter on the figures' commune joined up to
    # the province would read every figure of the date, 100,000 at national scale.
    rows = VillageFigure.objects.filter(
        period__in=periods,
        commune_id__in=list(units_within(unit).values_list("id", flat=True)),
    ).values_list(
        "period_id", "village_id", "village__name", "village__sort_key", "commune_id",
        "commune__name", "status", "members",
    )  # fmt: skip
    by_period: dict[int, dict[int, FigureRow]] = {period.id: {} for period in periods}
    refs: dict[tuple[int, int], VillageRef] = {}
    for period_id, village_id, name, key, commune, commune_name, status, members in rows:
        ref = refs.get((village_id, commune))
        if ref is None:
            ref = VillageRef(village_id, name, key, commune, commune_name)
            refs[village_id, commune] = ref
        by_period[period_id][village_id] = FigureRow(ref, status, members)
    return by_period


def units_within(unit: Unit):
    """The unit, its children and theirs. `parent__in` a subquery, not `parent__parent`: each
    term is then an index search (the join was a scan of every unit, 10 ms at national scale)."""
    children = Unit.objects.filter(parent=unit).values("id")
    return Unit.objects.filter(Q(pk=unit.pk) | Q(parent=unit) | Q(parent__in=children))


def _worse(before: str, after: str) -> bool:
    if before not in STATUS_RANK or after not in STATUS_RANK:
        return False  # not reported on either side: nothing is known to have changed
    return STATUS_RANK[after] < STATUS_RANK[before]


def village_changes(
    now: dict[int, FigureRow], before: dict[int, FigureRow], since
) -> VillageChanges:
    """`now` and `before`: `figures_under` the unit at the page's date and at `since`."""
    changes = VillageChanges(since)
    for village_id, after in now.items():
        earlier = before.get(village_id)
        if earlier is None or earlier.status == after.status:
            continue
        if after.status not in STATUS_RANK or earlier.status not in STATUS_RANK:
            continue
        change = VillageChange(after.village, earlier, after)
        if _worse(earlier.status, after.status):
            changes.backwards.append(change)
        elif after.status == Status.OWN_CELL:
            changes.gained_cell.append(change)
        else:
            changes.gained_member.append(change)
    for group in (changes.gained_member, changes.gained_cell, changes.backwards):
        group.sort(key=lambda change: (change.village.sort_key, change.village.id))
    return changes


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
    reasons = []
    if figure.members in (1, 2):
        reasons.append(Risk.FEW)
    if earlier is not None and _worse(earlier.status, figure.status):
        reasons.append(Risk.WORSE)
    if earlier is not None and earlier.members and figure.members is not None:
        if 3 * figure.members <= 2 * earlier.members:  # lost at least a third
            reasons.append(Risk.FALLING)
    return tuple(reasons)


def villages_at_risk(
    now: dict[int, FigureRow], year_before: dict[int, FigureRow]
) -> list[VillageAtRisk]:
    """`year_before`: the unit's `figures_under` a year before the page's date (may be empty)."""
    at_risk = []
    for village_id, figure in now.items():
        earlier = year_before.get(village_id)
        reasons = risk_reasons(figure, earlier)
        if reasons:
            at_risk.append(VillageAtRisk(figure, earlier, reasons))
    at_risk.sort(
        key=lambda row: (
            row.figure.members or 0,
            row.figure.village.sort_key,
            row.figure.village.id,
        )
    )
    return at_risk
