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
from units.reads.unit_page import reported_under, unit_predecessors
from units.reads.village_lists import VillageChanges, figures_under, village_changes

SITE_FEED_ENTRIES = 40  # the site's feed: the latest entries of every province together


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


def unit_dates(unit: Unit) -> list[Period]:
    """The unit's reporting dates (those with its village figures), oldest first."""
    return list(Period.objects.filter(coverage__unit=unit).distinct().order_by("date"))


def unit_entries(unit: Unit, *, limit: int | None = None) -> list[FeedEntry]:
    """Every reporting date, each against the date before it, the latest first; `limit`: only
    the latest ones. The first date has none before it, unless the unit continues one unit one
    to one: then it is compared with that unit's last date, its villages read under that unit
    (`unit_page.reported_under`). A unit formed from several has no entry for its first date."""
    periods = unit_dates(unit)
    _, continues = unit_predecessors(unit)
    if continues is not None and periods:
        periods[:0] = [p for p in unit_dates(continues) if p.date < periods[0].date][-1:]
    pairs = list(zip(periods, periods[1:], strict=False))[-limit if limit else 0 :]
    return [
        _entry(unit, period, previous, reported_under(unit, continues, previous))
        for previous, period in reversed(pairs)
    ]


def _entry(unit: Unit, period: Period, previous: Period, previous_under: Unit) -> FeedEntry:
    now, before = figures_under(unit, period), figures_under(previous_under, previous)
    continued = previous_under if previous_under != unit else None
    return FeedEntry(unit, period, previous, village_changes(now, before, previous), continued)


def site_entries(*, limit: int = SITE_FEED_ENTRIES) -> list[FeedEntry]:
    """The whole site: every province's entries, newest date first."""
    provinces = Unit.objects.filter(
        level=Level.PROVINCE, pk__in=Coverage.objects.values("unit_id")
    ).order_by("name", "id")
    entries = [entry for province in provinces for entry in unit_entries(province, limit=limit)]
    entries.sort(key=lambda entry: (entry.period.date, entry.unit.name), reverse=True)
    return entries[:limit]
