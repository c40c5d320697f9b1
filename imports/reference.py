"""What the database knows at a report's date, loaded once into dicts: the units valid that day
(in the scheme of that day) and the villages placed in the communes the report names.

A report of 100,000 villages must not cost 100,000 queries: every lookup here is a dict lookup.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Exists, OuterRef, Q
from django.db.models.base import ModelState

from units.domain.names import (
    COMMUNE_KINDS,
    DISTRICT_KINDS,
    PROVINCE_KINDS,
    VILLAGE_KINDS,
    closest,
    fold,
    name_key,
)
from units.models import (
    REFORM_DATE,
    Level,
    Scheme,
    Unit,
    UnitSuccession,
    VillagePlacement,
    VillageSuccession,
    valid_between,
)

from .idlists import ids_in, texts_in

KINDS = {
    Level.PROVINCE: PROVINCE_KINDS,
    Level.DISTRICT: DISTRICT_KINDS,
    Level.COMMUNE: COMMUNE_KINDS,
}


def scheme_for(date: datetime.date) -> str:
    """Units are coded gso2004 before 1/7/2025 and gso2025 from then on (docs/domain.md §4)."""
    return Scheme.GSO2025 if date >= REFORM_DATE else Scheme.GSO2004


@dataclass
class Match:
    """A name looked up: the unit or village found, or the closest names as a suggestion."""

    found: object | None = None
    closest: list[str] = field(default_factory=list)
    ambiguous: bool = False


class _Names:
    """Units or villages under one parent, by name key (as stored: `units.domain.names.name_key`).

    A name written exactly as stored is found without folding; the folded full name is compared
    only when two share a key ("Thôn Na" and "Bản Na"). Loading 100,000 villages folds nothing.
    `prefer` picks among several candidates (villages placed in the commune at the date).
    """

    def __init__(self, prefer=None) -> None:
        self.keyed: dict[str, list] = defaultdict(list)
        self.written: dict[str, list] = defaultdict(list)  # by the name exactly as stored
        self.prefer = prefer

    def add(self, item, key: str) -> None:
        self.keyed[key].append(item)
        self.written[item.name].append(item)

    def find(self, name: str, kinds: tuple[str, ...], key: str | None = None) -> Match:
        found, candidates = self.lookup(name, kinds, key)
        if found is not None:
            return Match(found)
        if candidates:
            return Match(None, sorted(item.name for item in candidates), ambiguous=True)
        names = {known: items[0].name for known, items in self.keyed.items()}
        return Match(None, closest(name_key(name, kinds) if key is None else key, names))

    def lookup(self, name: str, kinds: tuple[str, ...], key: str | None = None) -> tuple:
        """The item the name stands for (or None) and the items sharing its key. No closest
        names: finding them is a fuzzy search over every name, wanted only for a message."""
        found = self._one(self.written.get(name, ()))
        if found is not None:
            return found, ()  # the common case: no name to fold
        key = name_key(name, kinds) if key is None else key
        candidates = self.keyed.get(key, ())
        found = self._one(candidates)
        if found is None and candidates:
            folded = fold(name)
            found = self._one([item for item in candidates if fold(item.name) == folded])
        return found, candidates

    def _one(self, candidates):
        if len(candidates) == 1:
            return candidates[0]
        preferred = [item for item in candidates if self.prefer and self.prefer(item)]
        return preferred[0] if len(preferred) == 1 else None


class UnitRow(NamedTuple):
    """A unit as the index holds it: a plain row, made a `Unit` only when a lookup returns it.
    Its fields in the model's order, as `Model.from_db` takes them."""

    id: int
    scheme: str
    level: str
    code: str
    name: str
    parent_id: int | None
    valid_to: datetime.date | None
    name_key: str
    sort_key: str  # stored as units.domain.names.unit_sort_key gives it: the preview's order


PARENT_DATES = ("parent__valid_from", "parent__valid_to")
VALID_TO = UnitRow._fields.index("valid_to")


def unit_of(row: UnitRow) -> Unit:
    """The `Unit` a row stands for, as `Unit.from_db(DEFAULT_DB_ALIAS, UnitRow._fields, row)`
    makes it (the fields not in the row deferred, loaded if read), at a tenth of the cost:
    `Model.__init__`'s general path is most of a national report's 10,000 units' making, and
    Unit has no pre_init or post_init receivers to skip (tests/imports/test_unit_index.py)."""
    unit = Unit.__new__(Unit)
    unit.__dict__.update(zip(UnitRow._fields, row, strict=True))
    unit._state = ModelState()
    unit._state.adding, unit._state.db = False, DEFAULT_DB_ALIAS
    return unit


class UnitIndex:
    """The units valid at `date`, in the scheme of that date.

    Loaded a province at a time, as plain rows: a one-province report needs its province's few
    hundred units, not the country's 10,800 (loading and indexing those, as model instances,
    cost more than the rest of such a report's import: bench/README.md, 4/12/2026). Which
    province a report is about is found from the units that share its names (`names_found`);
    a unit is made a `Unit` once, when a lookup returns it."""

    def __init__(self, date: datetime.date) -> None:
        self.date = date
        self.scheme = scheme_for(date)
        self._rows: dict[int, UnitRow] = {}
        self._units: dict[int, Unit] = {}
        self._children: dict[tuple[int | None, str], _Names] = defaultdict(_Names)
        self._loaded: set[int] = set()  # the provinces whose districts and communes are held
        self._rows_add(self._valid().filter(level=Level.PROVINCE).values_list(*UnitRow._fields))
        self.provinces = [self.unit(unit_id) for unit_id in list(self._rows)]
        self._province_ids = set(self._rows)
        self._candidates: dict[tuple[int, str], _Names] = defaultdict(_Names)  # names_found's
        self._where: dict[tuple[str, str], set[int]] = defaultdict(set)  # their provinces
        self._asked: dict[tuple[str, str], str] = {}  # (level, name) asked about → its key

    def _valid(self):
        return Unit.objects.filter(scheme=self.scheme).valid_on(self.date)

    def _rows_add(self, rows) -> list[UnitRow]:
        added = [UnitRow(*row) for row in rows]
        self._rows.update((row.id, row) for row in added)
        return added

    def _valid_rows(self, units, *more: str) -> list[tuple]:
        """The rows of `units` (UnitRow's fields, then `more`) in this index's scheme and valid
        at its date, in the units' order. Scheme and dates are checked here, not in SQL: with
        them in the query SQLite scans the scheme's units instead of using the index that
        `units` names (parent, name key), and a national report asks once a sheet."""
        rows = units.order_by("scheme", "code").values_list(*UnitRow._fields, *more, "valid_from")
        scheme, date = self.scheme, self.date
        return [
            row[:-1]
            for row in rows
            if row[1] == scheme and valid_between(row[-1], row[VALID_TO], date)
        ]

    def provinces_load(self, province_ids: Iterable[int]) -> None:
        """The districts and communes of the provinces, in one query, by their parents: each
        under its parent, and a commune under its province too (reports name communes without
        their district)."""
        wanted = set(province_ids) - self._loaded
        if not wanted:
            return
        self._loaded |= wanted
        districts = Unit.objects.filter(parent_id__in=ids_in(wanted)).values("id")
        under = Unit.objects.filter(Q(parent_id__in=ids_in(wanted)) | Q(parent_id__in=districts))
        for row in self._rows_add(self._valid_rows(under)):
            self._children[(row.parent_id, row.level)].add(row, row.name_key)
            if row.level == Level.COMMUNE:
                district = self._rows.get(row.parent_id)
                if district is not None and district.level == Level.DISTRICT:
                    self._children[(district.parent_id, Level.COMMUNE)].add(row, row.name_key)

    def province_load(self, province_id: int) -> None:
        """A province's units, when a lookup first needs them; from the second province on,
        every province's at once: a report of several provinces is most likely national, and
        one query for all costs half of one a province (bench/README.md, 4/12/2026)."""
        if province_id not in self._loaded:
            self.provinces_load(self._province_ids if self._loaded else [province_id])

    def unit(self, unit_id: int | None) -> Unit | None:
        """The unit of that id valid at the date (None if there is none, or not loaded), one
        instance each: loaded with the row's fields, the others deferred as `only` would."""
        if unit_id not in self._units:
            row = self._rows.get(unit_id)
            if row is None:
                return None
            self._units[unit_id] = unit_of(row)
        return self._units[unit_id]

    def find(self, name: str, level: str, parent_id: int | None) -> Match:
        """A district or commune by name under `parent_id` (a commune under its province too)."""
        if parent_id in self._province_ids and parent_id not in self._loaded:
            self.province_load(parent_id)
        match = self._children[(parent_id, level)].find(name, KINDS[level])
        if match.found is not None:
            match.found = self.unit(match.found.id)
        return match

    def province_choose(self, names: list[tuple[str, str]], title: str) -> Unit | None:
        """The province the report is about: the one where most of its unit names are found,
        then the one its title names ("BAN TỔ CHỨC TỈNH ỦY ĐIỆN BIÊN")."""
        return self.province_best(self.names_found(names), title)

    def names_found(self, names: list[tuple[str, str]]) -> Counter[int]:
        """Province id → how many of the (level, name) pairs are units of that province.

        Looked up among the units written with the name or keyed as it folds (one query for
        the pairs not asked about before): the only ones a lookup under a province finds it
        among, so the answer is the one the whole province's units would give."""
        found: Counter[int] = Counter()
        if len(self.provinces) <= 1:
            return found
        pairs = Counter(names)
        self.names_expect(list(pairs))
        for (level, name), times in pairs.items():
            key = self._asked[(level, name)]
            provinces = self._where.get((level, name), set()) | self._where.get((level, key), set())
            for province_id in provinces:
                if self._candidates[(province_id, level)].lookup(name, KINDS[level], key)[0]:
                    found[province_id] += times
        return found

    def names_expect(self, names: list[tuple[str, str]]) -> None:
        """Load, in one query, the districts and communes written or keyed as the (level, name)
        pairs not asked about before, each under its province (a commune under its district's
        province as well as its own parent's): a workbook's sheets are asked about at once."""
        keys = {
            (level, name): name_key(name, KINDS[level])
            for level, name in names
            if (level, name) not in self._asked
        }
        if not keys:
            return
        self._asked |= keys
        if self._loaded >= self._province_ids:
            self._names_expect_loaded(set(keys.values()))
            return
        # By key alone: a unit written as a name asked about has that name's key (load_units
        # stores `name_key(name, KINDS[level])`, the key asked with).
        keyed = Unit.objects.filter(
            name_key__in=texts_in(set(keys.values())), level__in=[Level.DISTRICT, Level.COMMUNE]
        )
        rows = self._valid_rows(keyed, "parent__level", "parent__parent_id", *PARENT_DATES)
        for *fields, parent_level, grandparent, parent_from, parent_to in rows:
            row = UnitRow(*fields)
            if row.parent_id in self._province_ids:
                self._candidate_add(row.parent_id, row)
            elif row.level == Level.COMMUNE and parent_level == Level.DISTRICT:
                district_valid = valid_between(parent_from, parent_to, self.date)
                if district_valid and grandparent in self._province_ids:
                    self._candidate_add(grandparent, row)

    def _names_expect_loaded(self, keys: set[str]) -> None:
        """`names_expect` when every province's units are held already (a national report, by
        its last sheet): the same candidates, found among the rows held (the valid units of
        the date, a commune under its valid district's province) instead of a query of 3,000
        names (0.05 s)."""
        rows = self._rows
        for row in list(rows.values()):
            if row.name_key not in keys or row.level == Level.PROVINCE:
                continue
            if row.parent_id in self._province_ids:
                self._candidate_add(row.parent_id, row)
            elif row.level == Level.COMMUNE and row.parent_id in rows:
                district = rows[row.parent_id]
                if district.level == Level.DISTRICT and district.parent_id in self._province_ids:
                    self._candidate_add(district.parent_id, row)

    def _candidate_add(self, province_id: int, row: UnitRow) -> None:
        names = self._candidates[(province_id, row.level)]
        if row not in names.written.get(row.name, ()):
            names.add(row, row.name_key)
            self._where[(row.level, row.name)].add(province_id)
            self._where[(row.level, row.name_key)].add(province_id)

    def province_best(self, found: Counter[int], title: str) -> Unit | None:
        """The province with most names found, then the one the title names."""
        if len(self.provinces) <= 1:
            return self.provinces[0] if self.provinces else None
        folded_title = fold(title)
        return max(
            self.provinces,
            key=lambda province: (found[province.id], self.title_names(province, folded_title)),
        )

    @staticmethod
    def title_names(province: Unit, folded_title: str) -> bool:
        return _province_key(province.name) in folded_title

    def parent(self, unit: Unit) -> Unit | None:
        return self.unit(unit.parent_id) if unit.parent_id else None


@functools.lru_cache(maxsize=256)
def _province_key(name: str) -> str:
    """Folded once per province, not once per sheet and province (63 × 63 for a national
    report)."""
    return name_key(name, PROVINCE_KINDS)


@dataclass(frozen=True)
class KnownVillage:
    id: int
    name: str
    code: str
    current: bool  # placed in the commune at the report date (and existing then)
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None


class VillageIndex:
    """The villages a report for `date` may name in the given communes, by the rules of
    docs/village-identity.md:
    - those placed in the commune at the date (`current`);
    - those placed nowhere at the date that the commune's history leads to: a village of the
      commune, or of a commune it continued (the crosswalk), whose placement there ended; a
      village known only from reports that starts later in the commune, or in a commune that
      continued it (an earlier report extends it back).
    Any other village once placed there, or in a commune linked by the crosswalk, that did not
    exist at the date (merged away, or formed later by a merge) is never matched: `other_date`
    finds it for a warning.
    """

    def __init__(self, commune_ids: list[int], date: datetime.date) -> None:
        self.date = date
        self._names: dict[int, _Names] = defaultdict(lambda: _Names(prefer=_is_current))
        self._others: dict[int, _Names] = defaultdict(_Names)
        self._codes: dict[tuple[int, str], KnownVillage] = {}
        self.placed: dict[int, list[KnownVillage]] = defaultdict(list)
        self.current: set[tuple[int, int]] = set()  # (commune id, village id)
        communes = sorted(set(commune_ids))
        self._current_load(communes)
        self._elsewhere_load(communes)

    def _current_load(self, commune_ids: list[int]) -> None:
        rows = (
            VillagePlacement.objects.valid_on(self.date)
            .filter(commune_id__in=ids_in(commune_ids))
            .values_list(
                "commune_id", "village_id", "village__name", "village__name_key", "village__code"
            )
            .order_by("village__name_key", "village_id")
        )
        for commune_id, village_id, name, key, code in rows:
            if (commune_id, village_id) in self.current:
                continue  # two placements valid the same day: counted once
            village = KnownVillage(village_id, name, code or "", True)
            self.current.add((commune_id, village_id))
            self._add(commune_id, village, key)
            self.placed[commune_id].append(village)

    def _elsewhere_load(self, communes: list[int]) -> None:
        linked: dict[int, list[tuple[int, str]]] = defaultdict(list)  # commune → the report's
        for target, pairs in _crosswalk(communes, self.date).items():
            for other, how in pairs:
                linked[other].append((target, how))
        wanted = set(communes)
        found: dict[tuple[int, int], list[tuple]] = defaultdict(list)
        for row in _unplaced(sorted(wanted | set(linked)), self.date):
            for commune_id in _targets(row, linked, wanted, self.date):
                found[(commune_id, row[1])].append(row)
        for (commune_id, _), rows in found.items():
            self._elsewhere_add(commune_id, rows)

    def _elsewhere_add(self, commune_id: int, rows: list[tuple]) -> None:
        """A village placed nowhere at the date, from its placements the commune leads to: one
        the report may name, or one of another date only."""
        (_, village_id, _, _, name, key, code, born, died, reported, merged) = rows[0]
        village = KnownVillage(village_id, name, code or "", False, born, died)
        alive = valid_between(born, died, self.date)
        # Extended back only from its first placement (which starts with the village).
        extends = born > self.date and reported and not merged
        extends = extends and any(row[2] == born for row in rows)
        if alive or extends:
            self._add(commune_id, village, key)
        else:
            self._others[commune_id].add(village, key)

    def _add(self, commune_id: int, village: KnownVillage, key: str) -> None:
        self._names[commune_id].add(village, key)
        if village.code:
            self._codes.setdefault((commune_id, village.code), village)

    def find(self, commune_id: int, name: str, code: str = "", key: str | None = None) -> Match:
        """By code when the report gives one the database knows, else by name among the
        villages the commune may name at the date, those placed there at the date first."""
        if code and (commune_id, code) in self._codes:
            return Match(self._codes[(commune_id, code)])
        names = self._names.get(commune_id)
        if names is None:
            return Match(None)  # no village known there: nothing to match, nothing to suggest
        return names.find(name, VILLAGE_KINDS, key)

    def knows(self, commune_id: int) -> bool:
        """Whether the commune has any village the report may name or be warned about."""
        return commune_id in self._names or commune_id in self._others

    def other_date(self, commune_id: int, name: str) -> KnownVillage | None:
        """A village of that name that the commune had at another date only."""
        names = self._others.get(commune_id)
        if names is None:
            return None
        found, candidates = names.lookup(name, VILLAGE_KINDS)
        return found or (candidates[0] if candidates else None)

    def is_current(self, commune_id: int, village_id: int) -> bool:
        return (commune_id, village_id) in self.current


def _is_current(village: KnownVillage) -> bool:
    return village.current


def _crosswalk(communes: list[int], date: datetime.date) -> dict[int, list[tuple[int, str]]]:
    """commune id → (linked commune, how): the communes it continued ("before", from a date
    up to `date`) and those that continued it later ("after"). Two queries without the dates:
    one with an OR needs each row's date again to tell its side, and a national report's
    10,000 successions, their dates converted, cost twice the time (0.03 s)."""
    links: dict[int, list[tuple[int, str]]] = defaultdict(list)
    wanted = ids_in(communes)
    continued = UnitSuccession.objects.filter(successor_id__in=wanted, date__lte=date)
    for new, old in continued.values_list("successor_id", "predecessor_id"):
        links[new].append((old, "before"))
    continuing = UnitSuccession.objects.filter(predecessor_id__in=wanted, date__gt=date)
    for old, new in continuing.values_list("predecessor_id", "successor_id"):
        links[old].append((new, "after"))
    return links


def _unplaced(commune_ids: list[int], date: datetime.date):
    """Placements in the communes of villages placed nowhere at `date`, with their village."""
    return (
        VillagePlacement.objects.filter(commune_id__in=ids_in(commune_ids))
        .exclude(village_id__in=VillagePlacement.objects.valid_on(date).values("village_id"))
        .annotate(merged=Exists(VillageSuccession.objects.filter(successor=OuterRef("village"))))
        .values_list(
            "commune_id",
            "village_id",
            "valid_from",
            "valid_to",
            "village__name",
            "village__name_key",
            "village__code",
            "village__valid_from",
            "village__valid_to",
            "village__from_reports",
            "merged",
        )
        .order_by("village__name_key", "village_id")
    )


def _targets(row: tuple, linked: dict, communes: set[int], date: datetime.date) -> list[int]:
    """The report's communes that may name the village of this placement: its own commune,
    the commune that continued it (when the placement ended before the date), or the one it
    continued (when the placement begins after)."""
    commune_id, start, end = row[0], row[2], row[3]
    targets = [commune_id] if commune_id in communes else []
    for target, how in linked.get(commune_id, ()):
        ended = how == "before" and end is not None and end < date
        begins = how == "after" and start > date
        if (ended or begins) and target not in targets:
            targets.append(target)
    return targets
