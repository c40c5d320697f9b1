"""Synthetic national data at benchmark scale (issue 5): every real pre-2025 commune of the 63
provinces, about 100,000 villages, 40 quarter ends, about 4 million village figures.

Two halves, as in the demo (imports.generators.demo_plan / imports.generators.demo_load):
- the plan is pure: no database, one seeded generator, so the same communes and options give the
  same villages and figures row for row, on SQLite and PostgreSQL alike;
- the writer puts it into the database in one transaction, through units.domain.rows (COPY on
  PostgreSQL, multi-row INSERTs on SQLite). It does not go through the importer: writing 40
  national workbooks and validating every cell of them would take many times as long, and the
  plan is valid by construction (the database still checks every constraint of the model).

The village-level figures describe no real village: every village is `synthetic`.
"""

from __future__ import annotations

import datetime
import random
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction

from imports.models import ImportRun
from units.domain.coverage import coverage_rebuild, period_for_date
from units.domain.names import name_key, sort_key
from units.domain.refdata import normalise_province_codes, read_units, units_load
from units.domain.rows import db_value, rows_insert
from units.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    VILLAGE_FIGURE_FIELDS,
    Coverage,
    Level,
    Scheme,
    Status,
    Unit,
    UnitSuccession,
    Village,
    VillageFigure,
    VillagePlacement,
    VillageSuccession,
)

SEED = 20250701
LAST_DATE = datetime.date(2025, 12, 31)
DEFAULT_VILLAGES = 100_000
DEFAULT_DATES = 40  # 31/3/2016 to 31/12/2025
# A commune's report is missing at a date now and then: its villages are "not reported" there,
# which the site must show as such, never as zero.
SILENT_REPORT_RATE = 0.002
# Chance per quarter and member of losing one (died, moved away): about 3% a year.
MEMBER_LOSS = 0.008
SYLLABLES = (
    "An Bình Đông Tây Nam Bắc Thượng Hạ Trung Phú Hòa Thành Tân Lộc Phúc Thịnh Hưng Mỹ Long "
    "Xuân Vĩnh Yên Quang Đoài Đình Cầu Chợ Mới Hồng Minh Sơn Thủy Lâm Hải Cát Trà Kim Ngọc Nà "
    "Khe Pác Bó Nậm Hin Lũng Phiêng Đồng Gò Bãi Làng"
).split()


# ---------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class PlanCommune:
    """A pre-2025 commune as the plan needs it: codes only, so the plan never sees a database."""

    code: str
    district_code: str
    province_code: str
    urban: bool  # phường and thị trấn have tổ dân phố, not thôn
    successors: tuple[str, ...]  # new commune codes from 1/7/2025 (the crosswalk)


@dataclass(frozen=True)
class PlanVillage:
    index: int
    code: str  # mã thôn: the old commune's code and a number, unique nationally
    name: str
    commune: PlanCommune
    new_commune: str  # the 2025 commune it moves to on 1/7/2025


# One village at one date, as a plain tuple (a NamedTuple costs five times as much to make, and
# there are 4 million): (village index, status, members, full members, probationary members,
# admissions, host), where full + probationary = members and host is the index of the village
# whose cell a joined village attends (its commune's first own cell), else None.
PlanFigure = tuple[int, str, int, int, int, int, int | None]
OWN_CELL, JOINED, NO_MEMBERS = Status.OWN_CELL.value, Status.JOINED.value, Status.NO_MEMBERS.value


@dataclass(frozen=True)
class ProvinceTrend:
    """How far a province starts from full coverage and how fast it closes the gap."""

    white: float  # share of villages with no member at the start (bản trắng)
    joined: float  # share attending a joined cell at the start (sinh hoạt ghép)
    first_member: float  # chance per quarter that a village with no member admits one
    small_growth: float  # chance per quarter that a village without its own cell admits one
    cell_forming: float  # chance per quarter that a village with 3 full members sets up a cell


@dataclass(slots=True)
class VillageState:
    members: int
    recent: tuple[int, int, int]  # admissions of the three quarters before: still probationary
    own_cell: bool


@dataclass
class NationalPlan:
    villages: list[PlanVillage]
    dates: list[datetime.date]


def report_dates(count: int, last: datetime.date = LAST_DATE) -> list[datetime.date]:
    """The `count` quarter ends up to `last`, oldest first."""
    dates, year, quarter = [], last.year, (last.month - 1) // 3 + 1
    while len(dates) < count:
        month = quarter * 3
        dates.append(datetime.date(year, month, 31 if month in (3, 12) else 30))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return dates[::-1]


def successors_filled(communes: list[PlanCommune]) -> list[PlanCommune]:
    """Give the few communes the crosswalk leaves unresolved (27 of 10,051) the new commune most
    of their district took, else most of their province: their villages must go somewhere on
    1/7/2025, and a neighbour's new commune is the likeliest place."""
    by_district: dict[str, Counter] = defaultdict(Counter)
    by_province: dict[str, Counter] = defaultdict(Counter)
    for commune in communes:
        by_district[commune.district_code].update(commune.successors)
        by_province[commune.province_code].update(commune.successors)
    filled = []
    for commune in communes:
        if not commune.successors:
            counts = by_district[commune.district_code] or by_province[commune.province_code]
            if not counts:
                raise ValueError(f"Commune {commune.code}: no 2025 commune to move its villages to")
            best = min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
            commune = PlanCommune(**{**commune.__dict__, "successors": (best,)})
        filled.append(commune)
    return filled


def villages_per_commune(communes: list[PlanCommune], total: int, rng: random.Random) -> list[int]:
    """`total` villages shared out by random weights (largest remainders: the sum is exact)."""
    weights = [rng.uniform(0.5, 1.5) * (1.3 if c.urban else 1.0) for c in communes]
    scale = total / sum(weights)
    quotas = [weight * scale for weight in weights]
    counts = [int(quota) for quota in quotas]
    by_remainder = sorted(range(len(counts)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def village_names(commune: PlanCommune, count: int, rng: random.Random) -> list[str]:
    if commune.urban:
        return [f"Tổ dân phố {number}" for number in range(1, count + 1)]
    if rng.random() < 0.4:  # many communes simply number their thôn
        return [f"Thôn {number}" for number in range(1, count + 1)]
    names: list[str] = []
    for _ in range(count * 20):
        if len(names) == count:
            break
        name = f"Thôn {rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"
        if name not in names:
            names.append(name)
    return names + [f"Thôn {number}" for number in range(len(names) + 1, count + 1)]


def villages_plan(communes: list[PlanCommune], total: int, rng: random.Random) -> list[PlanVillage]:
    villages: list[PlanVillage] = []
    for commune, count in zip(communes, villages_per_commune(communes, total, rng), strict=True):
        for number, name in enumerate(village_names(commune, count, rng), start=1):
            new_commune = rng.choice(commune.successors)  # split communes: either successor
            code = f"{commune.code}-{number:02d}"
            villages.append(PlanVillage(len(villages), code, name, commune, new_commune))
    return villages


def province_trend(province_code: str) -> ProvinceTrend:
    """Drawn from the province's own generator: the same whichever provinces are generated."""
    rng = random.Random(f"{SEED}:{province_code}")
    return ProvinceTrend(
        white=rng.uniform(0.002, 0.08),
        joined=rng.uniform(0.04, 0.25),
        first_member=rng.uniform(0.06, 0.2),
        small_growth=rng.uniform(0.06, 0.18),
        cell_forming=rng.uniform(0.15, 0.5),
    )


def state_initial(trend: ProvinceTrend, urban: bool, rng: random.Random) -> VillageState:
    """A village just before the first date; towns are nearly all covered already."""
    share = 0.2 if urban else 1.0
    draw = rng.random()
    if draw < trend.white * share:
        return VillageState(0, (0, 0, 0), own_cell=False)
    if draw < (trend.white + trend.joined) * share:
        return VillageState(rng.choice((1, 1, 2)), (0, 0, 0), own_cell=False)
    recent = (_own_cell_admissions(rng), _own_cell_admissions(rng), _own_cell_admissions(rng))
    size = int(rng.expovariate(1 / (20 if urban else 9)))
    return VillageState(3 + sum(recent) + size, recent, own_cell=True)


def _own_cell_admissions(rng: random.Random) -> int:
    draw = rng.random()
    return 0 if draw < 0.75 else 1 if draw < 0.95 else 2


def state_step(
    state: VillageState, trend: ProvinceTrend, rng: random.Random
) -> tuple[str, int, int, int, int]:
    """One quarter: admissions, losses, then the status they allow.

    Members admitted in the last twelve months are probationary (dự bị). A cell needs 3 full
    members (Party Statute art. 21): a village reaching them sets one up after a while; a cell
    falling below them is dissolved and its members join a neighbour's (sinh hoạt ghép).
    Returns (status, members, full, probationary, admissions).
    """
    before, draw = state.members, rng.random()
    if before == 0:
        admitted = 1 if draw < trend.first_member else 0
    elif not state.own_cell:
        admitted = (2 if draw < trend.small_growth / 5 else 1) if draw < trend.small_growth else 0
    else:  # as _own_cell_admissions, inlined: this runs 4 million times
        admitted = 0 if draw < 0.75 else 1 if draw < 0.95 else 2
    lost = 1 if before and rng.random() < before * MEMBER_LOSS else 0
    members = before + admitted - lost
    probationary = min(sum(state.recent) + admitted, members)
    full = members - probationary
    own_cell = full >= 3 and (state.own_cell or rng.random() < trend.cell_forming)
    state.members, state.recent, state.own_cell = members, (*state.recent[1:], admitted), own_cell
    status = OWN_CELL if own_cell else JOINED if members else NO_MEMBERS
    return status, members, full, probationary, admitted


def report_missing(scheme: str, commune_code: str, date: datetime.date) -> bool:
    """Whether a commune sent no report at a date: a hash, not the generator, so the rest of
    the plan does not depend on it."""
    key = f"{SEED}:{scheme}:{commune_code}:{date.isoformat()}".encode()
    return zlib.crc32(key) / 2**32 < SILENT_REPORT_RATE


def commune_groups(villages: list[PlanVillage], after_reform: bool) -> dict[str, list[int]]:
    """Village indices per commune code, old communes or the 2025 ones, in village order."""
    groups: dict[str, list[int]] = defaultdict(list)
    for village in villages:
        groups[village.new_commune if after_reform else village.commune.code].append(village.index)
    return groups


def figures_by_date(plan: NationalPlan) -> Iterator[tuple[datetime.date, list[PlanFigure]]]:
    """Every village's figure at each date, oldest first; the state carries from date to date,
    so only one date's figures are ever held."""
    rng = random.Random(SEED)
    trends = {
        code: province_trend(code) for code in {v.commune.province_code for v in plan.villages}
    }
    village_trends = [trends[v.commune.province_code] for v in plan.villages]
    states = [
        state_initial(trend, village.commune.urban, rng)
        for village, trend in zip(plan.villages, village_trends, strict=True)
    ]
    groups = {
        False: commune_groups(plan.villages, False),
        True: commune_groups(plan.villages, True),
    }
    for date in plan.dates:
        steps = [state_step(s, t, rng) for s, t in zip(states, village_trends, strict=True)]
        after_reform = date >= REFORM_DATE
        scheme = (Scheme.GSO2025 if after_reform else Scheme.GSO2004).value
        figures = []
        for code, indices in sorted(groups[after_reform].items()):
            if report_missing(scheme, code, date):
                continue
            host = next((i for i in indices if steps[i][0] == OWN_CELL), None)
            for i in indices:
                attends = host if steps[i][0] == JOINED else None
                figures.append((i, *steps[i], attends))
        yield date, figures


def national_plan(communes: list[PlanCommune], *, villages: int, dates: int) -> NationalPlan:
    rng = random.Random(SEED)
    communes = sorted(successors_filled(communes), key=lambda c: c.code)
    return NationalPlan(villages_plan(communes, villages, rng), report_dates(dates))


# ---------------------------------------------------------------------------- the writer


class VillageDataExists(RuntimeError):
    """The database already holds villages or figures, and replacing them was not asked for."""


@dataclass
class GenerationReport:
    villages: int = 0
    placements: int = 0
    figures: int = 0
    coverage: int = 0
    dates: int = 0
    # Per step: (wall seconds, CPU seconds of this process, SQLite's work included). Both,
    # because on a busy machine the wall time says more about the neighbours than the load.
    seconds: dict[str, tuple[float, float]] = field(default_factory=dict)


def national_generate(
    *,
    villages: int = DEFAULT_VILLAGES,
    dates: int = DEFAULT_DATES,
    province_codes: list[str] | None = None,
    replace: bool = False,
) -> GenerationReport:
    """Load the real units, then write the plan and its coverage in one transaction.

    Refuses (VillageDataExists) when villages or figures are already there, unless `replace`:
    then every village, figure and coverage row goes first, with the village-report import runs
    that could only point at villages no longer there. Raises ValueError for an unknown province.
    """
    report = GenerationReport()
    clock = (time.monotonic(), time.process_time())

    def step(name: str) -> None:
        nonlocal clock
        now = (time.monotonic(), time.process_time())
        report.seconds[name] = (now[0] - clock[0], now[1] - clock[1])
        clock = now

    if province_codes is not None:
        province_codes = normalise_province_codes(province_codes, read_units(Scheme.GSO2004))
    with sqlite_load_settings(), transaction.atomic():
        if village_data_exists():
            if not replace:
                raise VillageDataExists(
                    "The database already has villages, village figures or coverage: "
                    "run with --replace to delete them and generate afresh."
                )
            village_data_delete()
            step("delete")
        units_load(province_codes=province_codes)
        step("units")
        plan = national_plan(plan_communes(province_codes), villages=villages, dates=dates)
        ids = villages_write(plan)
        report.villages = len(ids)
        report.placements = placements_write(plan, ids)
        step("villages")
        periods = [period_for_date(date) for date in plan.dates]
        with postgres_foreign_keys_checked_after(VillageFigure, Coverage):
            report.figures = figures_write(plan, ids, {p.date: p.id for p in periods})
            report.dates = len(periods)
            step("figures")
            statistics_refresh()
            report.coverage = coverage_rebuild(periods=periods)
            step("coverage")
        step("foreign keys")
    step("commit")
    return report


def village_data_exists() -> bool:
    return Village.objects.exists() or VillageFigure.objects.exists() or Coverage.objects.exists()


def village_data_delete() -> None:
    """Plain DELETEs, children first: the ORM would load every village to cascade."""
    with connection.cursor() as cursor:
        for model in (Coverage, VillageFigure, VillageSuccession, VillagePlacement, Village):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    ImportRun.objects.filter(shape=ImportRun.Shape.VILLAGE_REPORT).delete()


def plan_communes(province_codes: list[str] | None) -> list[PlanCommune]:
    """The loaded pre-2025 communes (of the given provinces) with their 2025 successors."""
    communes = Unit.objects.filter(scheme=Scheme.GSO2004, level=Level.COMMUNE)
    if province_codes is not None:
        communes = communes.filter(parent__parent__code__in=province_codes)
    rows = communes.values_list("id", "code", "name", "parent__code", "parent__parent__code")
    new_codes = _commune_codes(Scheme.GSO2025)
    successors: dict[int, list[str]] = defaultdict(list)
    # Plain ids, joined here: SQLite, without statistics, joins the unit table to the
    # successions twice in a nested loop that takes half a minute.
    for old_id, new_id in UnitSuccession.objects.values_list("predecessor_id", "successor_id"):
        if new_id in new_codes:
            successors[old_id].append(new_codes[new_id])
    return [
        PlanCommune(
            code=code,
            district_code=district_code,
            province_code=province_code,
            urban=name.startswith(("Phường", "Thị trấn")),
            successors=tuple(sorted(successors[pk])),
        )
        for pk, code, name, district_code, province_code in rows.order_by("code")
    ]


def _commune_codes(scheme: str) -> dict[int, str]:
    return dict(Unit.objects.filter(scheme=scheme, level=Level.COMMUNE).values_list("id", "code"))


def villages_write(plan: NationalPlan) -> list[int]:
    """The villages, from the first date; returns their ids in plan order."""
    valid_from = db_value(Village, "valid_from", plan.dates[0])
    rows_insert(
        Village,
        ("name", "name_key", "sort_key", "code", "valid_from", "valid_to", "synthetic"),
        (
            (v.name, name_key(v.name), sort_key(v.name), v.code, valid_from, None, True)
            for v in plan.villages
        ),
    )
    # The table held no village before (see national_generate), so every code is ours.
    ids = dict(Village.objects.values_list("code", "id"))
    return [ids[village.code] for village in plan.villages]


def placements_write(plan: NationalPlan, ids: list[int]) -> int:
    """The old commune until 30/6/2025 and the crosswalk's new commune from 1/7/2025, for the
    part of that history the dates cover."""
    first, last = plan.dates[0], plan.dates[-1]
    old_ids, new_ids = _commune_ids(Scheme.GSO2004), _commune_ids(Scheme.GSO2025)
    rows = []
    if first < REFORM_DATE:
        start = db_value(VillagePlacement, "valid_from", first)
        end = db_value(VillagePlacement, "valid_to", LAST_DAY_BEFORE_REFORM)
        rows += [(ids[v.index], old_ids[v.commune.code], start, end) for v in plan.villages]
    if last >= REFORM_DATE:
        start = db_value(VillagePlacement, "valid_from", max(first, REFORM_DATE))
        rows += [(ids[v.index], new_ids[v.new_commune], start, None) for v in plan.villages]
    return rows_insert(VillagePlacement, ("village", "commune", "valid_from", "valid_to"), rows)


def figures_write(plan: NationalPlan, ids: list[int], period_ids: dict) -> int:
    """One date at a time: the rows of a date are made, written and dropped."""
    old_ids = _commune_ids(Scheme.GSO2004)
    old_communes = [old_ids[v.commune.code] for v in plan.villages]
    districts = dict(
        Unit.objects.filter(scheme=Scheme.GSO2004, level=Level.COMMUNE).values_list(
            "id", "parent_id"
        )
    )
    old_districts = [districts[commune_id] for commune_id in old_communes]
    new_ids = _commune_ids(Scheme.GSO2025)
    new_communes = [new_ids[v.new_commune] for v in plan.villages]
    no_districts = [None] * len(plan.villages)
    names = [v.name for v in plan.villages]
    written = 0
    for date, figures in figures_by_date(plan):
        after = date >= REFORM_DATE
        communes = new_communes if after else old_communes
        districts_at = no_districts if after else old_districts
        period_id = period_ids[date]
        written += rows_insert(
            VillageFigure,
            VILLAGE_FIGURE_FIELDS,
            (
                (ids[v], period_id, communes[v], districts_at[v], status, members, full,
                 probationary, None if host is None else ids[host],
                 "" if host is None else names[host], admitted)
                for v, status, members, full, probationary, admitted, host in figures
            ),
        )  # fmt: skip
    return written


def _commune_ids(scheme: str) -> dict[str, int]:
    return dict(Unit.objects.filter(scheme=scheme, level=Level.COMMUNE).values_list("code", "id"))


def statistics_refresh() -> None:
    """PostgreSQL plans the coverage queries from table statistics, which still say the tables
    are empty; ANALYZE may run inside the transaction. SQLite's planner does without."""
    if connection.vendor == "postgresql":
        tables = [m._meta.db_table for m in (Village, VillagePlacement, VillageFigure)]
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(map(connection.ops.quote_name, tables))}")


@contextmanager
def postgres_foreign_keys_checked_after(*models) -> Iterator[None]:
    """On PostgreSQL, take the models' foreign keys off for the load and put them back after.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: PostgreSQL queues a check per row
    and key and runs them one by one at commit (4 million figures, 6 keys: minutes). Added back,
    each key is checked by one query over the whole table. Inside the load's transaction, so a
    failure restores them; the ALTER TABLE locks the tables until the commit, which suits a
    bulk load, not a database being read.
    """
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    keys = []
    with connection.cursor() as cursor:
        # Run the checks already queued: PostgreSQL refuses to alter a table that has some.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [table],
            )
            for name, definition in cursor.fetchall():
                keys.append((table, name, definition))
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


# For the load only, on SQLite: no fsync at each step of the commit, and a 256 MB page cache so
# 4 million rows and their indexes are not written through the default 2 MB. A crash of the
# machine (not of the process) during the load could damage the file: it is a fresh generation,
# to be run again. SQLite refuses the change inside a transaction, so a caller's transaction
# (a test's) keeps its settings.
SQLITE_LOAD_SETTINGS = {"synchronous": "OFF", "cache_size": "-262144"}
# And the rollback journal, not the write-ahead log the site runs in (partystats/settings/base.py):
# SQLite advises against WAL for transactions above about 100 MB, and the national load writes
# 580 MB, which WAL would write twice (into a -wal file as large as the load, then into the
# database at the checkpoint). SQLite refuses the switch while another connection has the file
# open: the load then goes through the WAL, only slower.
SQLITE_LOAD_JOURNAL = "DELETE"


@contextmanager
def sqlite_load_settings() -> Iterator[None]:
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    saved = {}
    with connection.cursor() as cursor:
        journal = journal_mode_switch(cursor, SQLITE_LOAD_JOURNAL)
        for name, value in SQLITE_LOAD_SETTINGS.items():
            cursor.execute(f"PRAGMA {name}")
            saved[name] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in saved.items():
                cursor.execute(f"PRAGMA {name} = {value}")
            journal_mode_switch(cursor, journal)


def journal_mode_switch(cursor, mode: str) -> str:
    """The journal in `mode` when SQLite allows it; returns the mode it was in. A refusal
    ("database is locked": another connection has the file open) leaves the mode as it was: a
    refused switch back to WAL is made by the next connection's init_command. An in-memory
    database (the tests') stays in "memory"."""
    cursor.execute("PRAGMA journal_mode")
    before = cursor.fetchone()[0]
    try:
        cursor.execute(f"PRAGMA journal_mode = {mode}")
    except OperationalError:
        pass
    return before
