"""What the change feeds say (units.web.feeds): for each reporting date, the villages of a unit
that gained a member, gained their own cell or went backwards (tái trắng) since the date before.

Village names and statuses only: members are counted, never listed (docs/domain.md §2), and the
feeds carry no count of a village's members either.

A unit that continues one unit one to one (today's Điện Biên, the province before 1/7/2025)
counts its first date from that unit's last, as its page does (docs/domain.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass

from units.models import Coverage, Level, Period, Unit
from units.reads import village_lists
from units.reads.unit_page import reported_under, unit_predecessors, units_continued
from units.reads.village_lists import VillageChanges, VillageRef

SITE_FEED_ENTRIES = 40  # the site's feed: the latest entries of every province together
# Changed villages named per read: the names' query lists their ids, and a database takes only
# so many parameters in a query (SQLite 32,766); a real feed names a few hundred.
NAMES_AT_ONCE = 5000


@dataclass
class FeedEntry:
    unit: Unit
    period: Period
    previous: Period
    changes: VillageChanges
    # The unit whose villages `previous` reads when it is not `unit`: the one `unit` continues,
    # before `unit`'s first date (villages keep their ids across the reform).
    continued: Unit | None = None

    @property
    def counts(self) -> tuple[int, int, int]:
        c = self.changes
        return len(c.gained_member), len(c.gained_cell), len(c.backwards)


@dataclass(frozen=True)
class EntryDates:
    """What an entry compares, before any figure is read: `unit` at `period` against
    `previous_under` (`unit`, or the unit it continues) at `previous`."""

    unit: Unit
    period: Period
    previous: Period
    previous_under: Unit


def reporting_dates(units: list[Unit]) -> dict[int, list[Period]]:
    """Each unit's reporting dates (those with its village figures), oldest first, by unit id:
    one query for them all."""
    dates: dict[int, list[Period]] = {unit.id: [] for unit in units}
    coverages = Coverage.objects.filter(unit__in=units).select_related("period")
    for coverage in coverages.order_by("period__date"):
        dates[coverage.unit_id].append(coverage.period)
    return dates


def unit_entries(unit: Unit, *, limit: int | None = None) -> list[FeedEntry]:
    """Every reporting date, each against the date before it, the latest first; `limit`: only
    the latest ones (see `entry_dates`). Each date's figures read once, all in one query."""
    _, continues = unit_predecessors(unit)
    dates = reporting_dates([unit] + ([continues] if continues else []))
    continued_dates = dates[continues.id] if continues else []
    return entries_read(entry_dates(unit, dates[unit.id], continues, continued_dates, limit))


def entry_dates(
    unit: Unit,
    periods: list[Period],
    continues: Unit | None,
    continued_periods: list[Period],
    limit: int | None = None,
) -> list[EntryDates]:
    """The unit's entries, the latest first, from its dates (`periods`, oldest first). The first
    date has none before it, unless the unit continues one unit one to one: then it is compared
    with that unit's last date (of `continued_periods`), its villages read under that unit
    (`unit_page.reported_under`). A unit formed from several has no entry for its first date."""
    periods = list(periods)
    if continues is not None and periods:
        periods[:0] = [p for p in continued_periods if p.date < periods[0].date][-1:]
    pairs = list(zip(periods, periods[1:], strict=False))[-limit if limit else 0 :]
    return [
        EntryDates(unit, period, previous, reported_under(unit, continues, previous))
        for previous, period in reversed(pairs)
    ]


def entries_read(dated: list[EntryDates]) -> list[FeedEntry]:
    """The entries' changes: every date's village figures in one read (each date is one
    entry's and the previous of the next), then the changed villages' names in one more."""
    wanted: dict[Unit, dict[int, Period]] = {}
    for entry in dated:
        wanted.setdefault(entry.unit, {})[entry.period.id] = entry.period
        wanted.setdefault(entry.previous_under, {})[entry.previous.id] = entry.previous
    figures = village_lists.figures_of({u: list(p.values()) for u, p in wanted.items()})
    found = [
        village_lists.changes_found(
            figures[entry.unit.id, entry.period.id],
            figures[entry.previous_under.id, entry.previous.id],
        )
        for entry in dated
    ]
    refs = _names([after for changes in found for _, after, _ in changes])
    return [
        FeedEntry(
            entry.unit,
            entry.period,
            entry.previous,
            village_lists.changes_named(changes, refs, entry.previous),
            entry.previous_under if entry.previous_under != entry.unit else None,
        )
        for entry, changes in zip(dated, found, strict=True)
    ]


def _names(figures: list[village_lists.Figure]) -> dict[tuple[int, int], VillageRef]:
    """`village_lists.village_refs` of these figures, NAMES_AT_ONCE at a time."""
    refs: dict[tuple[int, int], VillageRef] = {}
    for start in range(0, len(figures), NAMES_AT_ONCE):
        refs |= village_lists.village_refs(figures[start : start + NAMES_AT_ONCE])
    return refs


def site_entries(*, limit: int = SITE_FEED_ENTRIES) -> list[FeedEntry]:
    """The whole site: every province's entries, newest date first; only the `limit` shown are
    read. Which those are needs only the provinces' dates: each province's latest `limit`, in
    the provinces' order (by name), sorted together (the sort keeps that order among equals)."""
    provinces = list(
        Unit.objects.filter(
            level=Level.PROVINCE, pk__in=Coverage.objects.values("unit_id")
        ).order_by("name", "id")
    )
    continued = units_continued(provinces)
    dates = reporting_dates(provinces + list(continued.values()))
    candidates = []
    for province in provinces:
        continues = continued.get(province.id)
        continued_dates = dates[continues.id] if continues else []
        candidates += entry_dates(province, dates[province.id], continues, continued_dates, limit)
    candidates.sort(key=lambda entry: (entry.period.date, entry.unit.name), reverse=True)
    return entries_read(candidates[:limit])
