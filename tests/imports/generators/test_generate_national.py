"""`manage.py generate_national` (imports.generators.national) at a small scale: Điện Biên and
Lai Châu,
400 villages, the 8 quarter ends from 31/3/2024 to 31/12/2025 (6 before the reform, 2 after).

The generated data is written once per module, as the demo is (tests/conftest.py); tests that
change it take `db`, so what they do is rolled back.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Q

from imports.generators.national import (
    PlanCommune,
    figures_by_date,
    national_plan,
    report_dates,
    successors_filled,
)
from units.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    Coverage,
    DataVersion,
    Level,
    Period,
    Scheme,
    Status,
    Unit,
    UnitSuccession,
    Village,
    VillageFigure,
    VillagePlacement,
)

PROVINCES = "11,12"  # Điện Biên, Lai Châu
VILLAGES = 400
DATES = 8
FIRST_DATE = datetime.date(2024, 3, 31)
OPTIONS = ["--provinces", PROVINCES, "--villages", str(VILLAGES), "--dates", str(DATES)]
EXISTS_MESSAGE = (
    "The database already has villages, village figures or coverage: "
    "run with --replace to delete them and generate afresh."
)


def generate(*options: str) -> str:
    out = StringIO()
    call_command("generate_national", *OPTIONS, *options, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def national(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The generated provinces, written once; flushed at the end so other modules start empty."""
    with django_db_blocker.unblock():
        output = generate()
    yield output
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def figure_rows() -> list[tuple]:
    """Every figure by village code and date, ids left out: what two runs must agree on."""
    return sorted(
        VillageFigure.objects.values_list(
            "village__code", "period__date", "commune__scheme", "commune__code", "status",
            "members", "full_members", "probationary_members", "admissions",
            "joined_with__code", "joined_with_name",
        )
    )  # fmt: skip


def coverage_rows() -> list[tuple]:
    return sorted(
        Coverage.objects.values_list(
            "unit__scheme", "unit__code", "period__date", "villages", "own_cell", "joined",
            "no_members", "not_reported", "members", "admissions",
        )
    )  # fmt: skip


def old_province(code: str = "11") -> Unit:
    return Unit.objects.get(scheme=Scheme.GSO2004, level=Level.PROVINCE, code=code)


# ---------------------------------------------------------------------------- the plan alone


def communes_small() -> list[PlanCommune]:
    return [
        PlanCommune("00010", "001", "01", False, ("00100",)),
        PlanCommune("00011", "001", "01", True, ("00100", "00101")),  # split in 2025
        PlanCommune("00012", "001", "01", False, ()),  # left out by the crosswalk
        PlanCommune("00020", "002", "01", False, ("00200",)),
    ]


def test_plan_is_the_same_every_time():
    first = national_plan(communes_small(), villages=60, dates=5)
    second = national_plan(communes_small(), villages=60, dates=5)
    assert first.villages == second.villages
    assert list(figures_by_date(first)) == list(figures_by_date(second))


def test_plan_shares_out_exactly_the_villages_asked_for():
    plan = national_plan(communes_small(), villages=61, dates=1)
    assert len(plan.villages) == 61
    assert len({v.code for v in plan.villages}) == 61
    assert {v.commune.code for v in plan.villages} == {"00010", "00011", "00012", "00020"}


def test_a_commune_the_crosswalk_leaves_out_goes_where_its_district_went():
    filled = {c.code: c for c in successors_filled(communes_small())}
    assert filled["00012"].successors == ("00100",)  # two of its district's communes went there
    assert filled["00020"].successors == ("00200",)


def test_coverage_rises_over_ten_years():
    """The resolution's aim, in the plan: fewer villages with no member or no cell of their own."""
    communes = [
        PlanCommune(f"{n:05d}", f"{n // 10:03d}", f"{n // 20:02d}", n % 7 == 0, (f"9{n // 3:04d}",))
        for n in range(80)
    ]
    plan = national_plan(communes, villages=3000, dates=40)
    shares = []
    for _date, figures in figures_by_date(plan):
        statuses = Counter(status for _village, status, *_ in figures)
        shares.append({status: count / len(figures) for status, count in statuses.items()})
    first, last = shares[0], shares[-1]
    assert last[Status.OWN_CELL] > first[Status.OWN_CELL] + 0.05
    assert last.get(Status.NO_MEMBERS, 0) < first[Status.NO_MEMBERS] / 2
    assert last[Status.JOINED] < first[Status.JOINED]


def test_report_dates_are_the_quarter_ends_up_to_the_end_of_2025():
    dates = report_dates(40)
    assert len(dates) == 40
    assert dates[0] == datetime.date(2016, 3, 31)
    assert dates[-1] == datetime.date(2025, 12, 31)
    assert datetime.date(2025, 6, 30) in dates and datetime.date(2025, 9, 30) in dates


# ---------------------------------------------------------------------------- what is written


@pytest.mark.django_db
def test_counts(national):
    assert Village.objects.count() == VILLAGES
    assert not Village.objects.filter(synthetic=False).exists()
    periods = list(Period.objects.order_by("date").values_list("date", "label"))
    assert len(periods) == DATES
    assert periods[0] == (FIRST_DATE, "2024Q1")
    assert periods[-1] == (datetime.date(2025, 12, 31), "2025Q4")
    figures = VillageFigure.objects.count()
    # Now and then a commune sends no report: a few villages are not reported, never zero.
    assert 0.97 * VILLAGES * DATES <= figures <= VILLAGES * DATES
    assert f"village figures: {figures}" in national
    assert DataVersion.current().number >= 1


@pytest.mark.django_db
def test_every_village_lives_in_the_generated_provinces(national):
    provinces = set(
        VillagePlacement.objects.filter(commune__scheme=Scheme.GSO2004).values_list(
            "commune__parent__parent__code", flat=True
        )
    )
    assert provinces == {"11", "12"}
    communes = Unit.objects.filter(scheme=Scheme.GSO2004, level=Level.COMMUNE)
    # About 400 villages over 230 communes: most communes have one or more.
    assert communes.filter(placements__isnull=False).distinct().count() > 150


@pytest.mark.django_db
def test_figures_keep_the_models_rules(national):
    figures = VillageFigure.objects
    assert not figures.exclude(members=F("full_members") + F("probationary_members")).exists()
    assert not figures.filter(status=Status.OWN_CELL, full_members__lt=3).exists()
    assert not figures.filter(status=Status.JOINED, members=0).exists()
    assert not figures.filter(status=Status.NO_MEMBERS).exclude(members=0).exists()
    assert not figures.filter(status=Status.NOT_REPORTED).exists()
    statuses = set(figures.values_list("status", flat=True))
    assert statuses == {Status.OWN_CELL, Status.JOINED, Status.NO_MEMBERS}


@pytest.mark.django_db
def test_a_joined_village_attends_an_own_cell_of_its_commune(national):
    own_cells = set(
        VillageFigure.objects.filter(status=Status.OWN_CELL).values_list(
            "village_id", "period_id", "commune_id"
        )
    )
    joined = VillageFigure.objects.filter(status=Status.JOINED, joined_with__isnull=False)
    rows = list(joined.values_list("joined_with_id", "period_id", "commune_id"))
    assert rows
    assert all(row in own_cells for row in rows)
    assert not joined.exclude(joined_with_name=F("joined_with__name")).exists()


@pytest.mark.django_db
def test_coverage_does_not_fall_over_five_quarters(national):
    for province in Unit.objects.filter(scheme=Scheme.GSO2004, level=Level.PROVINCE):
        first = Coverage.objects.get(unit=province, period__date=FIRST_DATE)
        last = Coverage.objects.get(unit=province, period__date=LAST_DAY_BEFORE_REFORM)
        assert last.own_cell / last.reported >= first.own_cell / first.reported
        assert last.no_members <= first.no_members
        assert last.members > first.members


@pytest.mark.django_db
def test_villages_move_to_a_successor_commune_on_1_july_2025(national):
    successors = set(UnitSuccession.objects.values_list("predecessor_id", "successor_id"))
    for village in Village.objects.prefetch_related("placements__commune"):
        old, new = village.placements.all()
        old_span = (old.commune.scheme, old.valid_from, old.valid_to)
        assert old_span == (Scheme.GSO2004, FIRST_DATE, LAST_DAY_BEFORE_REFORM)
        new_span = (new.commune.scheme, new.valid_from, new.valid_to)
        assert new_span == (Scheme.GSO2025, REFORM_DATE, None)
        assert (old.commune_id, new.commune_id) in successors


@pytest.mark.django_db
def test_figures_are_reported_under_the_commune_of_their_date(national):
    before = VillageFigure.objects.filter(period__date__lt=REFORM_DATE)
    after = VillageFigure.objects.filter(period__date__gte=REFORM_DATE)
    assert before.exists() and after.exists()
    assert not before.exclude(commune__scheme=Scheme.GSO2004).exists()
    assert not before.exclude(district=F("commune__parent")).exists()
    assert not after.exclude(commune__scheme=Scheme.GSO2025).exists()
    assert not after.filter(district__isnull=False).exists()
    placed_then = Q(
        village__placements__commune=F("commune"),
        village__placements__valid_from__lte=F("period__date"),
    )
    assert after.filter(placed_then).count() == after.count()


def expected_coverage(period: Period) -> dict[int, list[int]]:
    """Per unit: villages, own cell, joined, no members, not reported, members, admissions,
    summed here row by row from the figures and placements."""
    columns = {Status.OWN_CELL: 1, Status.JOINED: 2, Status.NO_MEMBERS: 3}
    parents = dict(Unit.objects.values_list("id", "parent_id"))
    totals: dict[int, list[int]] = defaultdict(lambda: [0] * 7)

    def add(unit_id: int | None, column: int, members: int, admissions: int) -> None:
        while unit_id is not None:
            total = totals[unit_id]
            total[0] += 1
            total[column] += 1
            total[5] += members
            total[6] += admissions
            unit_id = parents[unit_id]

    reported = set()
    for village_id, commune_id, status, members, admissions in VillageFigure.objects.filter(
        period=period
    ).values_list("village_id", "commune_id", "status", "members", "admissions"):
        reported.add(village_id)
        add(commune_id, columns[status], members, admissions)
    placed = VillagePlacement.objects.filter(valid_from__lte=period.date).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=period.date)
    )
    for village_id, commune_id in placed.values_list("village_id", "commune_id"):
        if village_id not in reported:
            add(commune_id, 4, 0, 0)
    return totals


@pytest.mark.django_db
def test_coverage_rows_are_the_sums_of_the_village_figures(national):
    for period in Period.objects.all():
        rows = Coverage.objects.filter(period=period).values_list(
            "unit_id", "villages", "own_cell", "joined", "no_members", "not_reported",
            "members", "admissions",
        )  # fmt: skip
        assert {unit_id: list(values) for unit_id, *values in rows} == expected_coverage(period)
    not_reported = Coverage.objects.filter(unit__level=Level.PROVINCE, not_reported__gt=0)
    assert not_reported.exists()  # the silent communes show as not reported


# ---------------------------------------------------------------------------- running it again


@pytest.mark.django_db
def test_a_second_run_refuses_without_replace(national):
    before = VillageFigure.objects.count()
    with pytest.raises(CommandError) as error:
        generate()
    assert str(error.value) == EXISTS_MESSAGE
    assert VillageFigure.objects.count() == before


@pytest.mark.django_db
def test_replace_writes_the_same_rows_again(national):
    figures, coverage = figure_rows(), coverage_rows()
    version = DataVersion.current().number
    generate("--replace")
    assert Village.objects.count() == VILLAGES
    assert figure_rows() == figures
    assert coverage_rows() == coverage
    assert DataVersion.current().number > version


@pytest.mark.django_db
def test_an_unknown_province_is_refused(national):
    with pytest.raises(CommandError) as error:
        call_command("generate_national", "--provinces", "99", "--replace", stdout=StringIO())
    assert str(error.value) == "Unknown pre-2025 province code(s): 99"


# ---------------------------------------------------------------------------- the site on it


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.django_db
def test_pages_render_for_a_generated_province(client, national):
    province = old_province("12")
    html = get(client, f"/u/{province.id}/?date=2025-06-30")
    assert province.name in html
    district = province.children.order_by("code").first()
    assert district.name in html
    html = get(client, f"/u/{district.id}/?date=2025-06-30")
    commune = Unit.objects.filter(parent=district, placements__isnull=False).first()
    assert commune.name in html
    html = get(client, f"/u/{commune.id}/?date=2025-06-30")
    village = Village.objects.filter(placements__commune=commune).first()
    assert village.name in html
    html = get(client, f"/v/{village.id}/")
    assert village.name in html and commune.name in html


@pytest.mark.django_db
def test_pages_render_after_the_reform(client, national):
    village = Village.objects.order_by("code").first()
    new_commune = village.placements.get(valid_from=REFORM_DATE).commune
    html = get(client, f"/u/{new_commune.parent_id}/")  # the latest date: 31/12/2025
    assert new_commune.name in html
    html = get(client, f"/u/{new_commune.id}/?date=2025-12-31")
    assert village.name in html
    get(client, "/coverage/?date=2025-12-31")
    get(client, "/")


# ---------------------------------------------------------------------------- an import on top


@pytest.mark.django_db
def test_an_import_rebuilds_only_the_dates_and_units_it_changed(national):
    """A replacing report for one commune at one date, with one new village: that date is
    redone for the commune and its ancestors, and the later dates the new village counts at
    (until the commune ends on 30/6/2025, as not reported); no other row is rewritten."""
    from imports.services import report_import, report_preview
    from tests.workbooks import OWN, section, to_file, village, village_report
    from units.domain.coverage import coverage_differences

    date = datetime.date(2024, 6, 30)
    commune = Unit.objects.filter(
        scheme=Scheme.GSO2004, level=Level.COMMUNE, parent__parent=old_province(),
        placements__isnull=False,
    ).distinct().first()  # fmt: skip
    names = sorted(
        VillagePlacement.objects.valid_on(date)
        .filter(commune=commune)
        .values_list("village__name", flat=True)
    )
    rows = [section("I", commune.parent.name), section("1", commune.name)]
    rows += [village(n, name, 5, 5, 0, OWN) for n, name in enumerate(names, start=1)]
    rows.append(village(len(names) + 1, "Bản Mới Thêm", 4, 4, 0, OWN))
    before = dict(Coverage.objects.values_list("id", "period__date"))
    report = village_report(rows, date_line=f"Số liệu tính đến ngày {date:%d/%m/%Y}")
    preview = report_preview(path_or_file=to_file(report))
    assert [issue.line() for issue in preview.errors] == []
    report_import(preview=preview, replace=True)

    changed_units = {commune.id, commune.parent_id, commune.parent.parent_id}
    kept = Coverage.objects.filter(id__in=list(before))
    rewritten = {
        (row.period.date, row.unit_id)
        for row in Coverage.objects.exclude(id__in=list(before)).select_related("period")
    }
    assert rewritten == {
        (day, unit)
        for day in Period.objects.filter(
            date__gte=date, date__lte=LAST_DAY_BEFORE_REFORM
        ).values_list("date", flat=True)
        for unit in changed_units
    }
    assert kept.count() == len(before) - len(rewritten)
    assert coverage_differences() == []
