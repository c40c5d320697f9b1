"""What the change feeds say (units.web.feeds): for each reporting date, the villages of a unit
that gained a member, gained their own cell or went backwards (tái trắng) since the date before.

Village names and statuses only: members are counted, never listed (docs/domain.md §2), and the
feeds carry no count of a village's members either.
"""

from __future__ import annotations

from dataclasses import dataclass

from units.models import Coverage, Level, Period, Unit
from units.reads.village_lists import VillageChanges, figures_under, village_changes

SITE_FEED_ENTRIES = 40  # the site's feed: the latest entries of every province together


@dataclass
class FeedEntry:
    unit: Unit
    period: Period
    previous: Period
    changes: VillageChanges

    @property
    def counts(self) -> tuple[int, int, int]:
        c = self.changes
        return len(c.gained_member), len(c.gained_cell), len(c.backwards)


def unit_dates(unit: Unit) -> list[Period]:
    """The unit's reporting dates (those with its village figures), oldest first."""
    return list(Period.objects.filter(coverage__unit=unit).distinct().order_by("date"))


def unit_entries(unit: Unit, *, limit: int | None = None) -> list[FeedEntry]:
    """Every reporting date but the first (which has none before it), each against the date
    before it, the latest first; `limit`: only the latest ones."""
    periods = unit_dates(unit)
    pairs = list(zip(periods, periods[1:], strict=False))[-limit if limit else 0 :]
    return [
        FeedEntry(
            unit,
            period,
            previous,
            village_changes(figures_under(unit, period), figures_under(unit, previous), previous),
        )
        for previous, period in reversed(pairs)
    ]


def site_entries(*, limit: int = SITE_FEED_ENTRIES) -> list[FeedEntry]:
    """The whole site: every province's entries, newest date first."""
    provinces = Unit.objects.filter(
        level=Level.PROVINCE, pk__in=Coverage.objects.values("unit_id")
    ).order_by("name", "id")
    entries = [entry for province in provinces for entry in unit_entries(province, limit=limit)]
    entries.sort(key=lambda entry: (entry.period.date, entry.unit.name), reverse=True)
    return entries[:limit]
