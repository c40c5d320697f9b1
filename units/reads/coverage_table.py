"""The coverage table (issue 4): one selector for the page `/coverage/` and all its exports.

`coverage_table` applies the `CoverageFilter` and returns the ordered rows, the totals and the
date; the HTML page shows one page of the rows, the CSV/XLSX/JSON exports stream all of them, so
the formats cannot drift apart.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.http import QueryDict

from units.models import (
    Coverage,
    Level,
    Period,
    Status,
    Unit,
    VillagePlacement,
    level_headings,
)
from units.reads.dates import periods_with_coverage
from units.reads.filters import CoverageFilter, Group, MembersFilter
from units.reads.provenance import SyntheticCount
from units.reads.unit_page import share

ROWS_PER_PAGE = 100
EXPORT_CHUNK = 2000
COUNTS = ("villages", "own_cell", "joined", "no_members", "not_reported")


class NoFigures(LookupError):
    """No date has coverage yet: nothing to tabulate."""


class InvalidFilters(ValueError):
    """The query string did not validate; `filterset.form` carries the messages."""

    def __init__(self, filterset: CoverageFilter):
        super().__init__(filterset.errors.as_text())
        self.filterset = filterset


@dataclass(frozen=True)
class Place:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class CoverageRow:
    """One row: a village (status and members) or a unit (its villages counted by status)."""

    name: str
    village_id: int | None
    unit_id: int | None
    province: Place | None
    district: Place | None  # None for communes after 1/7/2025: no districts
    commune: Place | None
    status: str | None = None  # village rows; not_reported when there is no figure
    members: int | None = None  # None: not reported, never zero
    villages: int | None = None  # the denominator of a unit row
    own_cell: int | None = None
    joined: int | None = None
    no_members: int | None = None
    not_reported: int | None = None
    own_cell_share: float | None = None  # unit rows: % of the reported villages
    member_share: float | None = None  # own cell or joined
    synthetic: int = 0  # synthetic villages: a village row's 1 or 0, a unit row's count


@dataclass(frozen=True)
class Totals:
    """Over every filtered row, not one page. `villages` is the denominator."""

    rows: int
    villages: int
    own_cell: int
    joined: int
    no_members: int
    not_reported: int
    members: int | None  # None when no village in the set was reported
    synthetic: int = 0  # of `villages`, those synthetic (units.reads.provenance)

    @property
    def synthetic_share(self) -> str:
        """Whether the table's villages are synthetic: the page and the exports say so."""
        return SyntheticCount(self.synthetic, self.villages).share

    @property
    def without_cell(self) -> int:
        """Villages without their own cell: joined + no members (docs/domain.md §1)."""
        return self.joined + self.no_members

    @property
    def own_cell_share(self) -> float | None:
        return share(self.own_cell, self.villages - self.not_reported)

    @property
    def member_share(self) -> float | None:
        return share(self.own_cell + self.joined, self.villages - self.not_reported)


@dataclass
class CoverageTable:
    period: Period
    group: Group
    queryset: QuerySet  # filtered and ordered; map with `rows()` or `page()`
    periods: list[Period]
    filterset: CoverageFilter

    @property
    def date(self) -> datetime.date:
        return self.period.date

    @property
    def group_name(self) -> str:
        """What the grouping's units are called at the date: "Xã, phường, đặc khu" from
        1/7/2025, not "Xã" (`units.models.level_headings`)."""
        headings = level_headings(self.group, self.date)
        return str(headings.name if headings else self.group.label)

    @cached_property
    def totals(self) -> Totals:
        """The aggregate reads every filtered row a second time (issue 10): the page and the
        exports ask for it only when their rows do not fit in one read (`page`,
        `rows_with_totals`)."""
        return coverage_totals(self.queryset)

    def rows(self) -> Iterator[CoverageRow]:
        """All rows in order, fetched in chunks so a national export never sits in memory.

        Read as plain values, never model instances: a village row built five of them (the
        placement, the village, its commune, district and province), two fifths of a small
        export's CPU (issue 10, bench/README.md)."""
        fields = _row_fields(self.queryset)
        for values in self.queryset.values(*fields).iterator(chunk_size=EXPORT_CHUNK):
            yield row_from_values(values, village=self.queryset.model is VillagePlacement)

    def rows_with_totals(self) -> tuple[Totals, Iterator[CoverageRow]]:
        """The totals and every row. A table that fits in its first chunk of rows (any filtered
        table of a province or less) has its totals summed from those rows: the aggregate would
        read them all a second time (a third of a small JSON export's CPU, issue 10).

        A larger table has the page's aggregate, and its rows go on from the same read as the
        response streams. Both are read in the request's transaction, which a streamed export
        keeps open to its last piece (partystats.middleware.ReadSnapshotMiddleware): the rows
        and the totals come from one snapshot, and on PostgreSQL the rows' server-side cursor
        stays open between the view and the stream."""
        rows = self.rows()
        first = list(islice(rows, EXPORT_CHUNK))
        if len(first) < EXPORT_CHUNK:
            self.totals = totals_of(first, village=self.queryset.model is VillagePlacement)
            return self.totals, iter(first)
        return self.totals, _first_then_rest(first, rows)

    def page(self, number: str | int | None) -> tuple[Page, list[CoverageRow]]:
        """One page of rows; past the end, the last page; before the start (0, -1), the first
        (Paginator.get_page would give the last).

        Rows as plain values, as the exports read them. The first page is read with one row
        more than it shows: a table that fits in it (any province's filtered villages) has its
        totals summed from its rows, not by a second pass over them (issue 10)."""
        number = _page_number(number)
        village = self.queryset.model is VillagePlacement
        values = self.queryset.values(*_row_fields(self.queryset))
        paginator = Paginator(values, ROWS_PER_PAGE)
        if number == 1:
            first = [row_from_values(v, village=village) for v in values[: ROWS_PER_PAGE + 1]]
            if len(first) <= ROWS_PER_PAGE:
                self.totals = totals_of(first, village=village)
            paginator.count = self.totals.rows
            return Page(first[:ROWS_PER_PAGE], 1, paginator), first[:ROWS_PER_PAGE]
        paginator.count = self.totals.rows  # known already: no second COUNT over the rows
        page = paginator.get_page(number)
        return page, [row_from_values(v, village=village) for v in page.object_list]

    def params(self) -> QueryDict:
        """The table's state, with the date explicit (never "latest"): for permalinks and links.

        Counts in plain digits, whatever the visitor typed: "1.000", a thousand on the
        Vietnamese site, is refused on the English one, where a permalink may be opened."""
        params = QueryDict(mutable=True)
        cleaned = self.filterset.form.cleaned_data
        for name, filter_ in self.filterset.filters.items():
            value = self.filterset.form.data.get(name)
            if value in (None, ""):
                continue
            params[name] = str(cleaned[name]) if isinstance(filter_, MembersFilter) else value
        return params

    def filters(self) -> dict:
        """The cleaned filters, for the JSON export."""
        cleaned = self.filterset.form.cleaned_data
        result = {}
        for name in self.filterset.filters:
            value = cleaned.get(name)
            if isinstance(value, Unit):
                value = {"id": value.id, "code": value.code, "name": value.name}
            result[name] = value if value != "" else None
        return result


def _first_then_rest(
    first: list[CoverageRow], rest: Iterator[CoverageRow]
) -> Iterator[CoverageRow]:
    """The rows read already, then the rest from the same cursor. The first are let go once
    sent (itertools.chain would keep them to the end of a national export)."""
    yield from first
    first.clear()
    yield from rest


def _page_number(number: str | int | None) -> int:
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def coverage_table(*, params: QueryDict) -> CoverageTable:
    """The coverage table for a query string. Raises InvalidFilters or NoFigures."""
    periods = periods_with_coverage()
    if not periods:
        raise NoFigures
    filterset = CoverageFilter(params, periods=periods)
    if not filterset.is_valid():
        raise InvalidFilters(filterset)
    period, group = filterset.period, filterset.grouping
    queryset = filterset.filter_queryset(coverage_rows(group=group, period=period))
    return CoverageTable(
        period=period,
        group=group,
        queryset=queryset,
        periods=periods,
        filterset=filterset,
    )


def coverage_rows(*, group: Group, period: Period) -> QuerySet:
    """Every row of a grouping at a date, in the default order, before filtering."""
    if group == Group.VILLAGE:
        return village_rows(period)
    return (
        Coverage.objects.filter(
            period=period, unit__level=group, unit__in=Unit.objects.valid_on(period.date)
        )
        .annotate(**_place_keys("unit", Level(group.value)), **_shares())
        .select_related("unit__parent__parent")
        .order_by("unit__code", "unit_id")
    )


def village_rows(period: Period) -> QuerySet[VillagePlacement]:
    """Each village in the commune it belonged to at the date, with its figure for the period.

    One query: the figure is a FilteredRelation (a LEFT JOIN), so a village without a figure is
    still a row, with status `not_reported` and members NULL.
    """
    date = period.date
    return (
        VillagePlacement.objects.valid_on(date)
        .annotate(
            figure=FilteredRelation(
                "village__figures", condition=Q(village__figures__period=period)
            ),
            status=Coalesce(F("figure__status"), Value(Status.NOT_REPORTED.value)),
            members=F("figure__members"),
            **_place_keys("commune", Level.COMMUNE),
        )
        .select_related("village", "commune__parent__parent")
        .order_by("commune__code", "village__sort_key", "village_id")
    )


def _shares() -> dict:
    """% of the reported villages with their own cell, and with a member (own cell or joined);
    NULL when none was reported, so such rows sort last and show NO_VALUE
    (units/templatetags/coverage.py)."""
    reported = NullIf(F("villages") - F("not_reported"), 0)
    hundred = Value(100.0, output_field=FloatField())
    return {
        "own_cell_share": Cast(F("own_cell"), FloatField()) * hundred / reported,
        "member_share": Cast(F("own_cell") + F("joined"), FloatField()) * hundred / reported,
    }


def _place_keys(path: str, level: Level) -> dict:
    """Sortable names of the row's province, district and commune (`*_key`, in Vietnamese
    alphabetical order: units.domain.names.sort_key).

    A commune's parent is its district before 1/7/2025 and its province after.
    """
    own = F(f"{path}__sort_key")
    parent = F(f"{path}__parent__sort_key")
    if level == Level.PROVINCE:
        return {"province_key": own}
    if level == Level.DISTRICT:
        return {"district_key": own, "province_key": parent}
    under_district = Q(**{f"{path}__parent__level": Level.DISTRICT})
    return {
        "commune_key": own,
        "district_key": Case(When(under_district, then=parent)),
        "province_key": Case(
            When(under_district, then=F(f"{path}__parent__parent__sort_key")), default=parent
        ),
    }


def coverage_totals(queryset: QuerySet) -> Totals:
    """One aggregate query over the filtered rows."""
    if queryset.model is VillagePlacement:
        by_status = {
            status: Count("pk", filter=Q(status=status))
            for status in ("own_cell", "joined", "no_members", "not_reported")
        }
        synthetic = Count("pk", filter=Q(village__synthetic=True))
        totals = queryset.aggregate(
            rows=Count("pk"),
            villages=Count("pk"),
            members=Sum("members"),
            synthetic=synthetic,
            **by_status,
        )
    else:
        counts = (
            "villages", "own_cell", "joined", "no_members", "not_reported", "members", "synthetic"
        )  # fmt: skip
        totals = queryset.aggregate(rows=Count("pk"), **{name: Sum(name) for name in counts})
        totals["members"] = members_known(
            totals["members"] or 0, villages=totals["villages"], not_reported=totals["not_reported"]
        )
    members = totals.pop("members")
    return Totals(**{name: value or 0 for name, value in totals.items()}, members=members)


def totals_of(rows: list[CoverageRow], *, village: bool) -> Totals:
    """`coverage_totals` of these rows, summed in Python."""
    if village:
        statuses = Counter(row.status for row in rows)
        counts = {name: statuses[name] for name in COUNTS[1:]} | {"villages": len(rows)}
        reported = [row.members for row in rows if row.members is not None]
        members = sum(reported) if reported else None
    else:
        counts = {name: sum(getattr(row, name) or 0 for row in rows) for name in COUNTS}
        members = members_known(
            sum(row.members or 0 for row in rows),
            villages=counts["villages"],
            not_reported=counts["not_reported"],
        )
    synthetic = sum(row.synthetic for row in rows)
    return Totals(rows=len(rows), **counts, members=members, synthetic=synthetic)


def nothing_reported(villages: int | None, not_reported: int | None) -> bool:
    """None of the villages counted was reported (`Coverage.reported` is 0): the sums of their
    figures are no figures, unknown, never 0 (docs/domain.md §1, "A missing value")."""
    return (villages or 0) == (not_reported or 0)


def members_known(members: int | None, *, villages: int | None, not_reported: int | None):
    """Members, or None when none of the villages was reported (`nothing_reported`)."""
    return None if nothing_reported(villages, not_reported) else members


def unit_figures(values: dict) -> dict[str, int | None]:
    """A unit row's counts and members; those that count reports are None when none of its
    villages was reported (`Coverage.known`): its stored zeros are no figures."""
    unknown = nothing_reported(values["villages"], values["not_reported"])
    return {
        name: None if unknown and name in Coverage.REPORTED_FIGURES else values[name]
        for name in (*COUNTS, "members")
    }


def row_from(record: VillagePlacement | Coverage) -> CoverageRow:
    if isinstance(record, VillagePlacement):
        return CoverageRow(
            name=record.village.name,
            village_id=record.village_id,
            unit_id=None,
            status=record.status,
            members=record.members,
            synthetic=int(record.village.synthetic),
            **_places(record.commune),
        )
    return CoverageRow(
        name=record.unit.name,
        village_id=None,
        unit_id=record.unit_id,
        **unit_figures({name: getattr(record, name) for name in (*COUNTS, "members")}),
        own_cell_share=_rounded(record.own_cell_share),
        member_share=_rounded(record.member_share),
        synthetic=record.synthetic,
        **_places(record.unit),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _places(unit: Unit) -> dict[str, Place | None]:
    """The unit and its ancestors by level (parents come with select_related)."""
    places: dict[str, Place | None] = {"province": None, "district": None, "commune": None}
    current: Unit | None = unit
    while current is not None:
        places[current.level] = Place(current.id, current.code, current.name)
        current = current.parent
    return places


# What a row shows, read by `CoverageTable.rows` as values: its figures, and the code, name and
# level of its unit and of the unit's two ancestors (a commune's parent is a district before
# 1/7/2025 and its province after).
VILLAGE_ROW_FIELDS = ("village__name", "village_id", "status", "members", "village__synthetic")
UNIT_ROW_FIELDS = (
    "unit__name", "unit_id", "members", *COUNTS, "own_cell_share", "member_share", "synthetic"
)  # fmt: skip
ANCESTRY = ("", "__parent", "__parent__parent")
PLACE_FIELDS = ("id", "code", "name", "level")


def _row_fields(queryset: QuerySet) -> list[str]:
    village = queryset.model is VillagePlacement
    path = "commune" if village else "unit"
    places = [f"{path}{up}__{name}" for up in ANCESTRY for name in PLACE_FIELDS]
    return [*(VILLAGE_ROW_FIELDS if village else UNIT_ROW_FIELDS), *places]


def row_from_values(values: dict, *, village: bool) -> CoverageRow:
    """The row `row_from` builds, from the values of `_row_fields`."""
    if village:
        return CoverageRow(
            name=values["village__name"],
            village_id=values["village_id"],
            unit_id=None,
            status=values["status"],
            members=values["members"],
            synthetic=int(values["village__synthetic"]),
            **_places_of(values, "commune"),
        )
    return CoverageRow(
        name=values["unit__name"],
        village_id=None,
        unit_id=values["unit_id"],
        **unit_figures(values),
        own_cell_share=_rounded(values["own_cell_share"]),
        member_share=_rounded(values["member_share"]),
        synthetic=values["synthetic"],
        **_places_of(values, "unit"),
    )


def _places_of(values: dict, path: str) -> dict[str, Place | None]:
    places: dict[str, Place | None] = {"province": None, "district": None, "commune": None}
    for up in ANCESTRY:
        prefix = f"{path}{up}__"
        if values[prefix + "id"] is not None:
            place = Place(values[prefix + "id"], values[prefix + "code"], values[prefix + "name"])
            places[values[prefix + "level"]] = place
    return places
