"""The figures never depend on the order reports came in (issue 9 §1, import-format.md "What an
import does"): the same reports imported in random orders (fixed seeds), with a replace and
restores in between, end with the same villages, placements, figures and coverage, each equal
to a direct count.

The reports, for a province in miniature (two communes before 1/7/2025, two after, one old
commune split between both new ones by the crosswalk, a recorded merge in 2020):
- new villages, first seen at different dates in different orders (a later report first: an
  earlier one extends the village back);
- villages missing from a later report (not reported, still counted);
- the merge's parts before 1/1/2020 and its result after;
- reports after the reform for the new communes, which find the old communes' villages through
  the crosswalk (or, imported first, create them, and an old report then extends them back);
- a second version of one report, imported with replace, then the first restored (or the
  second restored again): the villages only one version names come and go with it.
"""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass

import pytest
from django.db import transaction

from imports.models import ImportRun
from imports.services import report_import, report_preview, report_restore
from tests.figures_state import figures_state
from tests.workbooks import JOINED, NONE, OWN, section, to_file, village, village_report
from units.domain.coverage import coverage_differences, figures_unplaced
from units.domain.names import (
    COMMUNE_KINDS,
    DISTRICT_KINDS,
    PROVINCE_KINDS,
    name_key,
    sort_key,
)
from units.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    Level,
    Scheme,
    Unit,
    UnitSuccession,
    Village,
    VillagePlacement,
    VillageSuccession,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = datetime.date
SEEDS = (1, 2, 3, 4, 5)
MERGE = D(2020, 1, 1)


# ---------------------------------------------------------------------------- the province


def units() -> None:
    start = D(2004, 1, 1)
    kinds = {Level.PROVINCE: PROVINCE_KINDS, Level.DISTRICT: DISTRICT_KINDS}

    def unit(scheme, level, code, name, parent=None):
        new = scheme == Scheme.GSO2025
        return Unit.objects.create(
            scheme=scheme, level=level, code=code, name=name, parent=parent,
            name_key=name_key(name, kinds.get(level, COMMUNE_KINDS)),
            sort_key=sort_key(name, kinds.get(level, COMMUNE_KINDS)),
            valid_from=REFORM_DATE if new else start,
            valid_to=None if new else LAST_DAY_BEFORE_REFORM,
        )  # fmt: skip

    old, new = Scheme.GSO2004, Scheme.GSO2025
    province = unit(old, Level.PROVINCE, "11", "Tỉnh Điện Biên")
    district = unit(old, Level.DISTRICT, "100", "Huyện Mường Chà", province)
    a = unit(old, Level.COMMUNE, "03200", "Xã Mường Tùng", district)
    b = unit(old, Level.COMMUNE, "03201", "Xã Huổi Lèng", district)
    province_2025 = unit(new, Level.PROVINCE, "11", "Tỉnh Điện Biên")
    n1 = unit(new, Level.COMMUNE, "03202", "Xã Mường Chà", province_2025)
    n2 = unit(new, Level.COMMUNE, "03203", "Xã Na Sang", province_2025)
    for predecessor, successor, partial in ((a, n1, False), (b, n1, True), (b, n2, True)):
        UnitSuccession.objects.create(
            predecessor=predecessor, successor=successor, date=REFORM_DATE, partial=partial
        )
    merge_record(a, n1)


def merge_record(commune: Unit, commune_2025: Unit) -> None:
    """The province's records: Bản Hợp 1 + Bản Hợp 2 → Bản Hợp on 1/1/2020, moved on
    1/7/2025 (as the demo loads them: records, not reports)."""

    def recorded(name, start, end, *placements):
        created = Village.objects.create(
            name=name, name_key=name_key(name), sort_key=sort_key(name),
            valid_from=start, valid_to=end,
        )  # fmt: skip
        for where, since, until in placements:
            VillagePlacement.objects.create(
                village=created, commune=where, valid_from=since, valid_to=until
            )
        return created

    day_before = MERGE - datetime.timedelta(days=1)
    parts = [
        recorded(name, D(2015, 1, 1), day_before, (commune, D(2015, 1, 1), day_before))
        for name in ("Bản Hợp 1", "Bản Hợp 2")
    ]
    merged = recorded(
        "Bản Hợp", MERGE, None, (commune, MERGE, LAST_DAY_BEFORE_REFORM),
        (commune_2025, REFORM_DATE, None),
    )  # fmt: skip
    for part in parts:
        VillageSuccession.objects.create(predecessor=part, successor=merged, date=MERGE)


# ---------------------------------------------------------------------------- the reports


@dataclass(frozen=True)
class Report:
    name: str
    date: datetime.date
    commune: str  # its section row: before 1/7/2025 under the district
    villages: tuple  # (name, members, status, host)


def rows_of(report: Report) -> list[list]:
    rows = [section("I", "Huyện Mường Chà")] if report.date < REFORM_DATE else []
    rows.append(section("1", report.commune))
    for number, (name, members, status, host) in enumerate(report.villages, start=1):
        rows.append(village(number, name, members, members, 0, status, host=host))
    return rows


A, B, N1, N2 = "Xã Mường Tùng", "Xã Huổi Lèng", "Xã Mường Chà", "Xã Na Sang"
REPORTS = (
    Report("A 2017", D(2017, 12, 31), A, (
        ("Bản Na 1", 5, OWN, None), ("Bản Na 2", 1, JOINED, "Bản Na 1"),
        ("Bản Hợp 1", 0, NONE, None), ("Bản Hợp 2", 3, OWN, None),
    )),
    Report("A 2018", D(2018, 6, 30), A, (
        ("Bản Na 1", 6, OWN, None), ("Bản Hợp 1", 1, JOINED, "Bản Hợp 2"),
        ("Bản Hợp 2", 4, OWN, None), ("Bản Mới", 2, JOINED, "Bản Na 1"),
    )),
    Report("B 2018", D(2018, 6, 30), B, (
        ("Bản Khe 1", 4, OWN, None), ("Bản Khe 2", 0, NONE, None),
    )),
    Report("B 2019", D(2019, 12, 31), B, (
        ("Bản Khe 1", 5, OWN, None), ("Bản Khe 2", 1, JOINED, "Bản Khe 1"),
        ("Bản Khe 3", 3, OWN, None),
    )),
    Report("A 2020", D(2020, 6, 30), A, (
        ("Bản Na 1", 7, OWN, None), ("Bản Na 2", 2, JOINED, "Bản Na 1"),
        ("Bản Hợp", 6, OWN, None), ("Bản Mới", 3, OWN, None),
    )),
    Report("N1 2025", D(2025, 9, 30), N1, (
        ("Bản Na 1", 8, OWN, None), ("Bản Na 2", 3, OWN, None), ("Bản Hợp", 7, OWN, None),
        ("Bản Mới", 3, OWN, None), ("Bản Khe 1", 6, OWN, None),
    )),
    Report("N2 2025", D(2025, 9, 30), N2, (("Bản Khe 2", 2, JOINED, "Bản Khe 3"),
                                           ("Bản Khe 3", 4, OWN, None))),
    Report("N1 2025 end", D(2025, 12, 31), N1, (
        ("Bản Na 1", 9, OWN, None), ("Bản Hợp", 8, OWN, None), ("Bản Sau", 3, OWN, None),
        ("Bản Khe 1", 6, OWN, None),
    )),
)  # fmt: skip
# The second version of "A 2018": figures changed, Bản Mới left out, Bản Tạm new.
SECOND = Report("A 2018 v2", D(2018, 6, 30), A, (
    ("Bản Na 1", 9, OWN, None), ("Bản Na 2", 1, JOINED, "Bản Na 1"),
    ("Bản Hợp 1", 0, NONE, None), ("Bản Hợp 2", 4, OWN, None), ("Bản Tạm", 3, OWN, None),
))  # fmt: skip


def date_line(report: Report) -> str:
    return f"Số liệu tính đến ngày {report.date:%d/%m/%Y}"


def files() -> dict[str, bytes]:
    return {
        report.name: to_file(
            village_report(
                rows_of(report), date_line=f"Số liệu tính đến ngày {report.date:%d/%m/%Y}"
            )
        ).getvalue()
        for report in (*REPORTS, SECOND)
    }


# ---------------------------------------------------------------------------- the orders


def steps_in_order(seed: int, *, ending: str) -> list[str]:
    """Every report in a random order; then, at random later points, the second version
    (replace) and the restores `ending` asks for: "first" (the first version restored),
    "second" (restored, then the second restored again), "" (no replace at all)."""
    rng = random.Random(seed)
    steps = [report.name for report in REPORTS]
    rng.shuffle(steps)
    later = ["replace", "restore first", "restore second"][
        : {"": 0, "first": 2, "second": 3}[ending]
    ]
    position = steps.index("A 2018")
    for step in later:
        position = rng.randint(position + 1, len(steps))
        steps.insert(position, step)
    return steps


def run_steps(steps: list[str], data: dict[str, bytes], *, second_instead: bool = False) -> dict:
    """Import (and replace, restore) in this order inside a savepoint; the state reached, rolled
    back after."""
    runs: dict[str, ImportRun] = {}
    with transaction.atomic():
        for step in steps:
            if step == "replace":
                runs["second"] = imported(data[SECOND.name], replace=True)
            elif step.startswith("restore"):
                run = runs["first" if step == "restore first" else "second"]
                run.refresh_from_db()
                report_restore(run)
            else:
                name = SECOND.name if second_instead and step == "A 2018" else step
                runs[step] = imported(data[name])
                if step == "A 2018":
                    runs["first"] = runs[step]
        assert coverage_differences() == [], steps
        assert figures_unplaced() == [], steps
        state = figures_state()
        transaction.set_rollback(True)
    return state


def imported(data: bytes, replace: bool = False) -> ImportRun:
    preview = report_preview(path_or_file=to_file_bytes(data))
    assert [issue.line() for issue in preview.errors] == []
    run = report_import(preview=preview, replace=replace)
    assert run.outcome == ImportRun.Outcome.IMPORTED, run.message
    return run


def to_file_bytes(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def test_any_order_with_a_replace_and_restores_ends_in_the_same_figures():
    units()
    data = files()
    in_date_order = run_steps([report.name for report in REPORTS], data)
    assert len(in_date_order["villages"]) == 10  # 3 recorded, 7 from the reports
    for seed in SEEDS:
        assert run_steps(steps_in_order(seed, ending=""), data) == in_date_order, seed
        assert run_steps(steps_in_order(seed, ending="first"), data) == in_date_order, seed
    second = run_steps([report.name for report in REPORTS], data, second_instead=True)
    assert second != in_date_order
    for seed in SEEDS[:3]:
        assert run_steps(steps_in_order(seed, ending="second"), data) == second, seed


def test_a_post_reform_report_places_the_old_communes_villages_through_the_crosswalk():
    units()
    data = files()
    for name in ("A 2017", "B 2018", "N1 2025", "N2 2025"):
        imported(data[name])
    khe = Village.objects.get(name="Bản Khe 1")
    assert [(p.commune.name, p.valid_from, p.valid_to) for p in khe.placements.all()] == [
        (B, D(2018, 6, 30), LAST_DAY_BEFORE_REFORM),
        (N1, REFORM_DATE, None),
    ]
    assert Village.objects.filter(name__startswith="Bản Khe").count() == 3
    assert Village.objects.filter(name="Bản Na 1").count() == 1


def test_issue_9_two_demo_reports_on_an_empty_database_in_either_order():
    """Issue 9's example: Mường Chà's 30/6/2018 report then its 31/12/2017 report, and the
    other way round, on Điện Biên's units and nothing else: the same figures."""
    from django.core.management import call_command

    from imports.generators.demo_load import demo_communes
    from imports.generators.demo_plan import demo_plan
    from imports.generators.demo_workbooks import commune_names, village_report_workbook

    call_command("load_units", "--province", "11", verbosity=0)
    plan = demo_plan(demo_communes())
    data = {}
    for date in (D(2017, 12, 31), D(2018, 6, 30)):
        rows = [f for f in plan.figures[date] if f.village.commune.district == "Huyện Mường Chà"]
        buffer = io.BytesIO()
        village_report_workbook(date, rows, commune_names(plan, date)).save(buffer)
        data[str(date)] = buffer.getvalue()
    earlier_first = run_steps(["2017-12-31", "2018-06-30"], data)
    later_first = run_steps(["2018-06-30", "2017-12-31"], data)
    assert later_first == earlier_first


def test_a_village_extended_back_twice_across_the_reform_is_found_once():
    """Created by a post-reform report, extended back by a 2020 report of the old commune,
    then by a 2017 one: each time the same village, never "several villages" of one name."""
    units()
    data = files()
    for name in ("N1 2025", "A 2020", "A 2017"):
        imported(data[name])
    na = Village.objects.get(name="Bản Na 1")
    assert [(p.commune.name, p.valid_from, p.valid_to) for p in na.placements.all()] == [
        (A, D(2017, 12, 31), LAST_DAY_BEFORE_REFORM),
        (N1, REFORM_DATE, None),
    ]
    assert na.valid_from == D(2017, 12, 31)
