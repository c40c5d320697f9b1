"""The site search over provinces, districts, communes and villages: by name, or by code.

Names are matched on `name_key` (units.domain.names: folded, without the kind prefix), so "huoi ha",
"Huổi Hạ" and "bản huổi hạ" find the same village. Codes: a unit's code exactly, a village's
code (mã thôn) by prefix, since a village code starts with its commune's code ("03201-01").

People type names as they hear them (issue 13): a missing space ("namcang") is matched by
comparing without spaces; a kind alone ("ban", "xa") finds the names of that kind; and when
nothing matches, a near spelling ("nam kang") is looked for: names sharing enough three-letter
pieces with the query are read (in SQL that SQLite and PostgreSQL both run), then kept when the
query is at most one or two edits from a part of the name (units.domain.names.
substring_distance). Exact matches rank first, then whole words, then parts of words.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import (
    Case,
    ExpressionWrapper,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat, Replace

from units.domain.names import (
    COMMUNE_KINDS,
    DISTRICT_KINDS,
    KIND_SPELLINGS,
    PROVINCE_KINDS,
    VILLAGE_KINDS,
    fold,
    strip_kind,
    substring_distance,
)
from units.models import Level, Unit, Village, VillagePlacement

MIN_QUERY_LENGTH = 2
RESULTS_LIMIT = 50
# Longest first, so "thanh pho" is stripped before "tp" and "to dan pho" before "to".
ALL_KINDS = tuple(
    sorted(
        set(VILLAGE_KINDS + COMMUNE_KINDS + DISTRICT_KINDS + PROVINCE_KINDS),
        key=lambda kind: (-len(kind), kind),
    )
)
LEVEL_ORDER = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}
NEAR = 7  # the rank of a near spelling, after every kind of match in SQL
NEAR_FROM_LETTERS = 4  # shorter queries are matched as typed: "ba" is one edit from too much
# Letters written apart for one sound, taken as one when looking for a near spelling: "kang"
# is "cang", "Ly" is "Li" (c/k before a vowel, i/y).
SOUND_ALIKE = (("k", "c"), ("y", "i"))


class QueryTooShort(ValueError):
    """Fewer than MIN_QUERY_LENGTH letters or digits once folded: it would match everything."""


@dataclass
class VillageResult:
    village: Village
    placement: VillagePlacement | None  # the latest one: the commune it belongs to now


@dataclass
class SearchResults:
    query: str
    units: list[Unit] = field(default_factory=list)
    villages: list[VillageResult] = field(default_factory=list)
    units_total: int = 0
    villages_total: int = 0
    near: bool = False  # nothing matched as typed: these are near spellings

    @property
    def total(self) -> int:
        return self.units_total + self.villages_total

    @property
    def shown(self) -> int:
        return len(self.units) + len(self.villages)

    @property
    def capped(self) -> bool:
        return self.shown < self.total


@dataclass(frozen=True)
class Query:
    """A query in the forms the matching compares: folded, without its kind, without spaces."""

    text: str
    folded: str
    key: str
    compact: str

    @property
    def kind(self) -> str | None:
        """The query when it is a kind alone ("ban", "xa"): it finds the names of that kind."""
        return self.folded if self.folded in KIND_SPELLINGS else None

    @property
    def allowed_edits(self) -> int:
        return 0 if len(self.compact) < NEAR_FROM_LETTERS else 1 if len(self.compact) < 8 else 2


def search_keys(query: str) -> tuple[str, str]:
    """The folded query, and the same without a kind prefix ("huyện mường chà" → "muong cha")."""
    folded = fold(query)
    if len(folded.replace(" ", "")) < MIN_QUERY_LENGTH:
        raise QueryTooShort(query)
    return folded, strip_kind(folded, ALL_KINDS) or folded


def query_read(text: str) -> Query:
    folded, key = search_keys(text)
    return Query(text.strip(), folded, key, key.replace(" ", ""))


def _compact(path: str = "name_key") -> Replace:
    return Replace(path, Value(" "), Value(""))


def sound_alike(compact: str) -> str:
    for written, heard in SOUND_ALIKE:
        compact = compact.replace(written, heard)
    return compact


def _heard(path: str = "name_key") -> Replace:
    """The name without spaces, as it sounds (`sound_alike`), in SQL."""
    expression = _compact(path)
    for written, heard in SOUND_ALIKE:
        expression = Replace(expression, Value(written), Value(heard))
    return expression


def _rank(query: Query, code_rank: When) -> Case:
    """0 code, 1 the whole name, 2 its first words, 3 whole words, 4 the start of a word,
    5 inside a word, 6 without spaces; NEAR for the rest (near spellings, read in Python)."""
    key = query.key
    kind = [When(name__startswith=f"{s} ", then=Value(3)) for s in _spellings(query)]
    return Case(
        code_rank,
        When(name_key=key, then=Value(1)),
        When(name_key__startswith=f"{key} ", then=Value(2)),
        When(padded__contains=f" {key} ", then=Value(3)),
        *kind,
        When(name_key__startswith=key, then=Value(4)),
        When(padded__contains=f" {key}", then=Value(4)),
        When(name_key__contains=key, then=Value(5)),
        When(name_key__contains=query.folded, then=Value(5)),
        When(compact__contains=query.compact, then=Value(6)),
        default=Value(NEAR),
        output_field=IntegerField(),
    )


def _spellings(query: Query) -> tuple[str, ...]:
    return KIND_SPELLINGS.get(query.kind, ()) if query.kind else ()


def _matching(queryset: QuerySet, query: Query, code: Q, code_rank: When) -> QuerySet:
    """Every name that matches in SQL, ranked (`rank` < NEAR)."""
    kinds = Q()
    for spelling in _spellings(query):
        kinds |= Q(name__startswith=f"{spelling} ")
    names = (
        Q(name_key__contains=query.key)
        | Q(name_key__contains=query.folded)
        | Q(compact__contains=query.compact)
    )
    return (
        queryset.annotate(padded=Concat(Value(" "), "name_key", Value(" ")), compact=_compact())
        .filter(names | code | kinds)
        .annotate(rank=_rank(query, code_rank))
    )


def _trigrams(text: str) -> list[str]:
    return sorted({text[i : i + 3] for i in range(len(text) - 2)})


def _near_ids(queryset: QuerySet, query: Query) -> list[tuple[int, int]]:
    """(distance, id) of the names at most `allowed_edits` from the query, nearest first.

    SQL keeps the names sharing enough of the query's three-letter pieces (each edit spoils at
    most three of them); Python measures the edits on those few."""
    edits = query.allowed_edits
    heard = sound_alike(query.compact)
    pieces = _trigrams(heard)
    if not edits or not pieces:
        return []
    shared = reduce(
        operator.add,
        [Case(When(heard__contains=piece, then=Value(1)), default=Value(0)) for piece in pieces],
    )
    candidates = (
        queryset.annotate(heard=_heard())
        .annotate(shared=ExpressionWrapper(shared, output_field=IntegerField()))
        .filter(shared__gte=max(1, len(pieces) - 3 * edits))
        .values_list("id", "heard")
    )
    found = []
    for pk, name in candidates:
        distance = substring_distance(heard, name)
        if distance <= edits:
            found.append((distance, pk))
    return sorted(found)


def units_matching(*, query: str) -> QuerySet[Unit]:
    """Units whose name matches the query (without diacritics) or whose code is the query."""
    read = query_read(query)
    code = read.text
    return (
        _matching(Unit.objects.all(), read, Q(code=code), When(code=code, then=Value(0)))
        .annotate(
            level_order=Case(
                *(When(level=level, then=Value(order)) for level, order in LEVEL_ORDER.items()),
                output_field=IntegerField(),
            ),
        )
        .select_related("parent")
        .order_by("rank", "level_order", "sort_key", "scheme", "code")
    )


def villages_matching(*, query: str) -> QuerySet[Village]:
    """Villages whose name matches the query (without diacritics) or whose code starts with it."""
    read = query_read(query)
    code = read.text
    return (
        _matching(
            Village.objects.all(),
            read,
            Q(code__istartswith=code),
            When(code__iexact=code, then=Value(0)),
        )
        .prefetch_related(_latest_placements())
        .order_by("rank", "sort_key", "code", "id")
    )


def _latest_placements() -> Prefetch:
    return Prefetch(
        "placements",
        queryset=VillagePlacement.objects.select_related("commune__parent").order_by("-valid_from"),
        to_attr="placements_latest_first",
    )


def search_run(*, query: str, limit: int = RESULTS_LIMIT) -> SearchResults:
    """Units first (fewer, and what people look for most), then villages, `limit` in all.

    A fixed number of queries whatever the number of matches: two counts, the units with their
    parents, the villages and their placements; when nothing matches as typed, the near
    spellings instead (two candidate reads, then the same lists by id).
    """
    units = units_matching(query=query)
    villages = villages_matching(query=query)
    results = SearchResults(query=query, units_total=units.count(), villages_total=villages.count())
    if not results.total:
        return _near_results(results, query_read(query), limit)
    results.units = list(units[:limit])
    room = limit - len(results.units)
    if room > 0:
        results.villages = [_village_result(village) for village in villages[:room]]
    return results


def _village_result(village: Village) -> VillageResult:
    return VillageResult(village, next(iter(village.placements_latest_first), None))


def _near_results(results: SearchResults, query: Query, limit: int) -> SearchResults:
    """Near spellings, nearest first: "nam kang" finds Bản Nậm Cang 1 and 2."""
    unit_ids = [pk for _, pk in _near_ids(Unit.objects.all(), query)]
    village_ids = [pk for _, pk in _near_ids(Village.objects.all(), query)]
    results.near = bool(unit_ids or village_ids)
    results.units_total, results.villages_total = len(unit_ids), len(village_ids)
    shown_units = unit_ids[:limit]
    shown_villages = village_ids[: max(0, limit - len(shown_units))]
    units = Unit.objects.select_related("parent").in_bulk(shown_units)
    results.units = [units[pk] for pk in shown_units]
    villages = Village.objects.prefetch_related(_latest_placements()).in_bulk(shown_villages)
    results.villages = [_village_result(villages[pk]) for pk in shown_villages]
    return results
