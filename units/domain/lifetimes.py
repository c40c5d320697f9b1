"""When a village counts, and where: its life and placements, kept in step with its figures.

The rules (docs/village-identity.md):
- a village known only from reports (`Village.from_reports`: the importer created it) starts at
  its earliest figure; an earlier report extends it back, and it goes when no figure is left;
- it is placed in the commune of its figures: from its first figure there, or, when it came
  there through the crosswalk (`UnitSuccession`, the 1/7/2025 reform), from the day that
  commune took over; until the commune ends, its next placement begins or the village ends;
- anything recorded (a village formed by a merge, a merge's end, a move of 1/7/2025, the
  national generator's villages) is kept as recorded: `from_reports` False.
These make the result a function of the figures held, whatever order the reports came in, and
a restore that puts the figures back puts the villages back too.

`lifetimes_settle` applies the rules to the villages a write touched and says what changed
(`Changes`), so that the coverage rebuild redoes only those communes and dates.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max, Min, Q

from units.domain.rows import db_value, rows_insert
from units.models import (
    Unit,
    UnitSuccession,
    Village,
    VillageFigure,
    VillagePlacement,
    VillageSuccession,
    valid_between,
)

OPEN = 10**7  # an ordinal past any date: the end of an open span
DAY = datetime.timedelta(days=1)
CHUNK = 900  # ids per query, within any database's limit on parameters


@dataclass(frozen=True)
class Span:
    """A village placed in a commune from `start` to `end` (inclusive; None: open)."""

    commune: int
    start: datetime.date
    end: datetime.date | None

    def covers(self, date: datetime.date) -> bool:
        return valid_between(self.start, self.end, date)


@dataclass
class Changes:
    """Where what counts changed: commune id → spans of dates, as ordinals [start, end)."""

    spans: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    def figure(self, commune_id: int, date: datetime.date) -> None:
        self.span(commune_id, date, date)

    def figures(self, commune_ids: Iterable[int], date: datetime.date) -> None:
        """A figure written or removed at `date` in each of the communes."""
        day = _ordinals(date, date)
        for commune_id in commune_ids:
            self.spans[commune_id].append(day)

    def span(self, commune_id: int, start: datetime.date, end: datetime.date | None) -> None:
        self.spans[commune_id].append(_ordinals(start, end))

    def footprint_changed(self, before: list[Span], after: list[Span]) -> None:
        """The dates where a village counts in a commune in one footprint and not the other."""
        communes = {span.commune for span in before} | {span.commune for span in after}
        for commune in communes:
            old = [_ordinals(s.start, s.end) for s in before if s.commune == commune]
            new = [_ordinals(s.start, s.end) for s in after if s.commune == commune]
            self.spans[commune].extend(_symmetric_difference(old, new))

    def dates(self, dates: list[datetime.date]) -> dict[datetime.date, set[int]]:
        """Of `dates`, those that changed, each with the communes it changed in."""
        ordered = sorted((date.toordinal(), date) for date in dates)
        ordinals = [ordinal for ordinal, _ in ordered]
        touched: dict[datetime.date, set[int]] = defaultdict(set)
        for commune, spans in self.spans.items():
            for start, end in set(spans):  # a restore names a commune once a figure
                first, past = bisect_left(ordinals, start), bisect_left(ordinals, end)
                for _, date in ordered[first:past]:
                    touched[date].add(commune)
        return touched


def _ordinals(start: datetime.date, end: datetime.date | None) -> tuple[int, int]:
    return start.toordinal(), OPEN if end is None else end.toordinal() + 1


def _symmetric_difference(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list:
    points = sorted({p for span in a + b for p in span})
    result = []
    for low, high in zip(points, points[1:], strict=False):
        in_a = any(s <= low < e for s, e in a)
        in_b = any(s <= low < e for s, e in b)
        if in_a != in_b:
            result.append((low, high))
    return result


# ---------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Seen:
    """A village's figures in one commune: the first and last dates."""

    commune: int
    first: datetime.date
    last: datetime.date


def placements_derive(
    seen: list[Seen],
    recorded: list[Span],
    commune_end: dict[int, datetime.date | None],
    takeover: dict[tuple[int, int], datetime.date],
    village_end: datetime.date | None,
) -> list[Span]:
    """The placements a village's figures give it, beside its recorded ones (see the module's
    rules). `takeover[(old, new)]` is the date commune `new` continued commune `old`."""
    derived: list[Span] = []
    for group in sorted(seen, key=lambda g: g.first):
        if any(span.commune == group.commune and span.covers(group.first) for span in recorded):
            continue
        start = group.first
        earlier = [span for span in recorded + derived if span.start < group.first]
        if earlier:
            previous = max(earlier, key=lambda span: span.start)
            took_over = takeover.get((previous.commune, group.commune))
            if took_over and previous.start < took_over <= group.first:
                start = took_over
        derived.append(Span(group.commune, start, commune_end.get(group.commune)))
    return _clipped(derived, recorded, village_end)


def _clipped(derived: list[Span], recorded: list[Span], village_end) -> list[Span]:
    """Each derived placement ends before the next placement begins, and with the village."""
    starts = sorted({span.start for span in derived + recorded})
    result = []
    for span in derived:
        end = span.end
        later = [start for start in starts if start > span.start]
        if later and (end is None or end >= later[0]):
            end = later[0] - DAY
        if village_end is not None and (end is None or end > village_end):
            end = village_end
        if end is None or end >= span.start:
            result.append(Span(span.commune, span.start, end))
    return result


def footprint(spans: Iterable[Span], start: datetime.date, end: datetime.date | None) -> list:
    """Where a village counts: its placements within its life."""
    result = []
    for span in spans:
        low = max(span.start, start)
        high = span.end if end is None else (end if span.end is None else min(span.end, end))
        if high is None or high >= low:
            result.append(Span(span.commune, low, high))
    return result


# ---------------------------------------------------------------------------- settling


@dataclass
class _Village:
    id: int
    valid_from: datetime.date
    valid_to: datetime.date | None
    follows_figures: bool  # known only from reports: starts with its figures, goes with them
    recorded: list[Span] = field(default_factory=list)
    derived: dict[Span, int] = field(default_factory=dict)  # span → placement id
    seen: list[Seen] = field(default_factory=list)


def lifetimes_settle(village_ids: Iterable[int], changes: Changes) -> list[dict]:
    """Apply the rules to the villages `village_ids`: placements follow their figures (beside
    the recorded ones); a village known only from reports also starts with its figures, and
    goes when none is left (and nothing else names it). Adds what changed to `changes`; returns
    the rows of the villages removed, so that a restore can bring them back under the same
    ids."""
    ids = sorted(set(village_ids))
    removed: list[dict] = []
    for start in range(0, len(ids), CHUNK):
        villages = _villages_load(ids[start : start + CHUNK])
        if villages:
            removed += _settle(villages, changes)
    return removed


def _villages_load(ids: list[int]) -> dict[int, _Village]:
    merges = VillageSuccession.objects.filter(successor_id__in=ids)
    merged = set(merges.values_list("successor_id", flat=True))
    rows = Village.objects.filter(id__in=ids).values_list(
        "id", "valid_from", "valid_to", "from_reports"
    )
    villages = {
        pk: _Village(pk, start, end, from_reports and pk not in merged)
        for pk, start, end, from_reports in rows
    }
    placements = VillagePlacement.objects.filter(village_id__in=list(villages)).values_list(
        "id", "village_id", "commune_id", "valid_from", "valid_to", "from_reports"
    )
    for pk, village_id, commune, start, end, from_reports in placements:
        span = Span(commune, start, end)
        if from_reports:
            villages[village_id].derived[span] = pk
        else:
            villages[village_id].recorded.append(span)
    seen = (
        VillageFigure.objects.filter(village_id__in=list(villages))
        .values("village_id", "commune_id")
        .annotate(first=Min("period__date"), last=Max("period__date"))
    )
    for row in seen:
        villages[row["village_id"]].seen.append(Seen(row["commune_id"], row["first"], row["last"]))
    return villages


@dataclass
class _Edits:
    """What settling a batch of villages writes."""

    dropped: list[int] = field(default_factory=list)  # placement ids
    added: list[tuple[int, Span]] = field(default_factory=list)  # (village id, span)
    starts: dict[datetime.date, list[int]] = field(default_factory=lambda: defaultdict(list))
    gone: set[int] = field(default_factory=set)


@dataclass
class _Communes:
    """What the rules need to know of the communes involved."""

    end: dict[int, datetime.date | None]
    takeover: dict[tuple[int, int], datetime.date]


def _settle(villages: dict[int, _Village], changes: Changes) -> list[dict]:
    communes = _communes_known(villages.values())
    edits = _Edits()
    edits.gone = _unused([v.id for v in villages.values() if v.follows_figures and not v.seen])
    for village in villages.values():
        _village_settle(village, communes, edits, changes)
    removed = list(Village.objects.filter(id__in=edits.gone).values())
    _apply(edits)
    return removed


def _communes_known(villages: Iterable[_Village]) -> _Communes:
    ids: set[int] = set()
    for village in villages:
        ids |= {group.commune for group in village.seen}
        ids |= {span.commune for span in [*village.recorded, *village.derived]}
    ids_list = sorted(ids)
    successions = UnitSuccession.objects.filter(
        Q(predecessor_id__in=ids_list) | Q(successor_id__in=ids_list)
    ).values_list("predecessor_id", "successor_id", "date")
    return _Communes(
        end=dict(Unit.objects.filter(id__in=ids_list).values_list("id", "valid_to")),
        takeover={(old, new): date for old, new, date in successions},
    )


def _village_settle(village: _Village, communes: _Communes, edits: _Edits, changes) -> None:
    before = footprint([*village.recorded, *village.derived], village.valid_from, village.valid_to)
    if village.id in edits.gone:
        changes.footprint_changed(before, [])
        return
    if village.follows_figures and not village.seen:
        return  # no figure left, but named by another's figure or a merge: kept as it was
    start = village.valid_from
    if village.follows_figures:
        start = min(group.first for group in village.seen)
    spans = placements_derive(
        village.seen, village.recorded, communes.end, communes.takeover, village.valid_to
    )
    edits.dropped += [pk for span, pk in village.derived.items() if span not in spans]
    edits.added += [(village.id, span) for span in spans if span not in village.derived]
    if start != village.valid_from:
        edits.starts[start].append(village.id)
    changes.footprint_changed(
        before, footprint([*village.recorded, *spans], start, village.valid_to)
    )


def _unused(ids: list[int]) -> set[int]:
    """Of villages with no figure, those nothing else names: no figure's host, no merge."""
    hosts = VillageFigure.objects.filter(joined_with_id__in=ids)
    named = set(hosts.values_list("joined_with_id", flat=True))
    named |= set(
        VillageSuccession.objects.filter(predecessor_id__in=ids).values_list(
            "predecessor_id", flat=True
        )
    )
    return set(ids) - named


def _apply(edits: _Edits) -> None:
    VillagePlacement.objects.filter(id__in=edits.dropped).delete()
    for start, ids in edits.starts.items():
        Village.objects.filter(id__in=ids).update(valid_from=start)
    rows_insert(
        VillagePlacement,
        ("village", "commune", "valid_from", "valid_to", "from_reports"),
        [
            (
                village_id,
                span.commune,
                db_value(VillagePlacement, "valid_from", span.start),
                db_value(VillagePlacement, "valid_to", span.end),
                True,
            )
            for village_id, span in edits.added
        ],
    )
    if edits.gone:
        VillagePlacement.objects.filter(village_id__in=edits.gone).delete()
        Village.objects.filter(id__in=edits.gone).delete()
