"""Which villages changed across the 2025 reform, worked out here from the village figures, for
the tests of what the unit page's lists and the change feeds show (docs/domain.md §4): today's
Điện Biên, and a new commune, compared with the units they continue at 30/6/2025."""

from __future__ import annotations

from tests.demo_snapshot import dien_bien
from units.models import Scheme, Unit, UnitSuccession, VillageFigure

# Worse to better.
RANK = {"no_members": 0, "joined": 1, "own_cell": 2}


def statuses_at(date: str, **communes) -> dict[int, str]:
    """Each village's status at the date, among the figures of the communes `communes` names."""
    figures = VillageFigure.objects.filter(period__date=date, **communes)
    return dict(figures.values_list("village_id", "status"))


def old_province(date: str) -> dict[int, str]:
    return statuses_at(date, commune__parent__parent=dien_bien())  # its communes: in districts


def new_province(date: str) -> dict[int, str]:
    return statuses_at(date, commune__parent=dien_bien(Scheme.GSO2025))


def changed(before: dict[int, str], now: dict[int, str]) -> dict[str, set[int]]:
    """The villages each change list should show, by the list's key."""
    lists = {"gained-member": set(), "gained-cell": set(), "backwards": set()}
    for village, status in now.items():
        earlier = before.get(village)
        if earlier not in RANK or status not in RANK or earlier == status:
            continue
        if RANK[status] < RANK[earlier]:
            lists["backwards"].add(village)
        else:
            lists["gained-cell" if status == "own_cell" else "gained-member"].add(village)
    return lists


def a_changed_village_across_the_reform() -> tuple[int, Unit, Unit]:
    """A village that changed between 30/6/2025 and 30/9/2025, its commune on each date: the
    new commune is formed from several old ones."""
    before, now = old_province("2025-06-30"), new_province("2025-09-30")
    village = min(v for ids in changed(before, now).values() for v in ids)
    figures = VillageFigure.objects.filter(village_id=village).select_related("commune")
    old_commune = figures.get(period__date="2025-06-30").commune
    commune = figures.get(period__date="2025-09-30").commune
    assert UnitSuccession.objects.filter(successor=commune).count() > 1
    return village, old_commune, commune


def continue_only(commune: Unit, old_commune: Unit) -> dict[str, set[int]]:
    """Let `commune` continue `old_commune` alone; the villages its lists should then show on
    30/9/2025."""
    UnitSuccession.objects.filter(successor=commune).exclude(predecessor=old_commune).delete()
    return changed(
        statuses_at("2025-06-30", commune=old_commune), statuses_at("2025-09-30", commune=commune)
    )
