"""On the demo data: after an import, a replace or a restore, every stored figure at every date
equals a direct count (issue 9 §1), villages are matched only where they exist at the report's
date and a commune lists each village once (issue 13), and a restore gives back every figure
exactly as it was."""

from __future__ import annotations

import dataclasses
import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from imports.generators.demo_load import demo_communes
from imports.generators.demo_plan import DemoFigure, demo_plan
from imports.generators.demo_workbooks import commune_names, village_report_workbook
from imports.models import ImportRun
from imports.services import report_import, report_preview, report_restore
from tests.figures_state import stored_rows
from units.domain.coverage import coverage_differences, figures_unplaced
from units.models import Coverage, Level, Scheme, Status, Unit, Village, VillageFigure
from units.reads.coverage_table import village_rows
from units.reads.unit_page import commune_villages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = datetime.date
DEC_2017, JUN_2018 = D(2017, 12, 31), D(2018, 6, 30)
MUONG_CHA, MUONG_NHE = "Huyện Mường Chà", "Huyện Mường Nhé"


@pytest.fixture(scope="module")
def plan(demo, django_db_blocker):
    with django_db_blocker.unblock():
        return demo_plan(demo_communes())


def district_figures(plan, date: datetime.date, district: str) -> list[DemoFigure]:
    return [f for f in plan.figures[date] if f.village.commune.district == district]


def workbook_file(date: datetime.date, figures: list[DemoFigure]) -> io.BytesIO:
    buffer = io.BytesIO()
    village_report_workbook(date, figures, commune_names(None, date)).save(buffer)
    buffer.seek(0)
    return buffer


def imported(date: datetime.date, figures: list[DemoFigure], *, replace: bool = False):
    preview = report_preview(path_or_file=workbook_file(date, figures))
    assert [issue.line() for issue in preview.errors] == []
    return preview, report_import(preview=preview, replace=replace)


def new_village(like: DemoFigure, name: str, key: int) -> DemoFigure:
    village = dataclasses.replace(like.village, key=key, name=name, code="", merged_from=[])
    return dataclasses.replace(like, village=village, joined_with=None)


def corrected(figures: list[DemoFigure], new: int) -> list[DemoFigure]:
    """The report with one member more in every village with a cell, its last ten villages
    left out, and `new` villages seen for the first time."""
    rows = [
        dataclasses.replace(f, members=f.members + 1, full_members=f.full_members + 1)
        if f.status == Status.OWN_CELL
        else f
        for f in figures[:-10]
    ]
    left_out = {f.village.name for f in figures[-10:]}
    rows = [
        dataclasses.replace(f, joined_with=None)
        if f.joined_with and f.joined_with.name in left_out
        else f
        for f in rows
    ]
    return rows + [new_village(rows[0], f"Bản Sửa {n}", 90_000 + n) for n in range(1, new + 1)]


def coverage_at(name: str, date: datetime.date) -> tuple:
    unit = Unit.objects.get(scheme=Scheme.GSO2004, name=name)
    row = Coverage.objects.get(unit=unit, period__date=date)
    return row.villages, row.not_reported


def test_the_demo_as_loaded_equals_a_direct_count(demo):
    assert coverage_differences() == []
    assert figures_unplaced() == []


def test_a_corrected_report_replacing_one_date_keeps_every_date_right(demo, plan):
    """Issue 9's example: a corrected 31/12/2017 report for Mường Chà, imported with replace.
    Its new villages count, as not reported, at every later date of their commune."""
    before = coverage_at(MUONG_CHA, JUN_2018)
    figures = corrected(district_figures(plan, DEC_2017, MUONG_CHA), new=6)
    imported(DEC_2017, figures, replace=True)
    assert coverage_differences() == []
    assert figures_unplaced() == []
    assert coverage_at(MUONG_CHA, JUN_2018) == (before[0] + 6, before[1] + 6)


def test_restore_gives_back_every_figure_of_every_date(demo, plan):
    """Import (with new villages, villages left out, changed figures), restore the replaced
    run: villages, placements, village figures and coverage are the rows of before."""
    before = stored_rows()
    figures = corrected(district_figures(plan, JUN_2018, MUONG_NHE), new=4)
    _, run = imported(JUN_2018, figures, replace=True)
    replaced = ImportRun.objects.get(replaced_by=run)
    assert stored_rows() != before
    assert coverage_differences() == []

    report_restore(replaced)
    assert stored_rows() == before
    assert coverage_differences() == []
    assert not Village.objects.filter(name__startswith="Bản Sửa").exists()

    run.refresh_from_db()
    report_restore(run)  # and forward again: the new villages come back under their ids
    assert Village.objects.filter(name__startswith="Bản Sửa").count() == 4
    assert coverage_differences() == []


def test_a_village_formed_later_is_named_in_a_warning_never_matched(demo, plan):
    """Issue 13's example: "Ten Cang" in a 30/6/2018 report for Xã Mường Nhé fits Bản Ten
    Cang, formed from Ten Cang 1 and 2 on 1/1/2020: a warning with its page, a new village,
    and the two parts stay not reported."""
    later = Village.objects.get(name="Bản Ten Cang")
    commune = later.placements.get(commune__scheme=Scheme.GSO2004).commune
    rows = [f for f in district_figures(plan, JUN_2018, MUONG_NHE) if f.village.commune.name
            == commune.name and not f.village.name.startswith("Bản Ten Cang")]  # fmt: skip
    rows.append(new_village(rows[0], "Ten Cang", 91_000))
    preview, _ = imported(JUN_2018, rows, replace=True)
    [warning] = [issue for issue in preview.warnings if issue.value == "Ten Cang"]
    assert warning.message == (
        f"Ten Cang is a new village in {commune.name}: it will be created. Bản Ten Cang has "
        "that name but exists only from 01/01/2020, so it is not matched on 30/06/2018."
    )
    assert warning.link == f"/v/{later.id}/"
    assert warning.line().endswith(f"/v/{later.id}/")
    assert not VillageFigure.objects.filter(village=later, period__date=JUN_2018).exists()
    parts = VillageFigure.objects.filter(
        period__date=JUN_2018, village__name__startswith="Bản Ten Cang "
    )
    assert not parts.exists()  # not reported: no figure, still counted
    assert coverage_differences() == []


def test_a_commune_lists_each_village_once_and_as_many_as_its_coverage_says(demo, plan):
    """Issue 13: 7 not-reported villages were listed twice (a village placed twice, before and
    after 1/7/2025, joined twice). The rebuild's denominator is the coverage table's rows."""
    rows = [f for f in district_figures(plan, JUN_2018, MUONG_NHE)][:-5]
    imported(JUN_2018, rows, replace=True)
    for date in (JUN_2018, D(2018, 9, 30)):
        period = Coverage.objects.filter(period__date=date).first().period
        for commune in Unit.objects.filter(
            scheme=Scheme.GSO2004, level=Level.COMMUNE, parent__name=MUONG_NHE
        ):
            listed = [row.id for row in commune_villages(commune, period)]
            assert len(listed) == len(set(listed))
            coverage = Coverage.objects.filter(unit=commune, period=period).first()
            assert len(listed) == (coverage.villages if coverage else 0)


def test_the_rebuild_denominator_is_the_coverage_table_rows_at_every_date(demo):
    for coverage in Coverage.objects.filter(unit__level=Level.COMMUNE).select_related("period")[
        ::97
    ]:
        rows = village_rows(coverage.period).filter(commune_id=coverage.unit_id)
        assert rows.count() == coverage.villages
        reported = rows.exclude(status=Status.NOT_REPORTED).count()
        assert reported == coverage.villages - coverage.not_reported


def test_coverage_check_finds_a_stale_figure_and_fixes_it(demo, capsys):
    row = Coverage.objects.filter(unit__level=Level.COMMUNE).first()
    Coverage.objects.filter(id=row.id).update(joined=row.joined + 1, villages=row.villages + 1)
    with pytest.raises(CommandError) as refusal:
        call_command("coverage_check")
    assert refusal.value.returncode == 1
    out = capsys.readouterr().out
    assert f"(#{row.unit_id}) at {row.period.date}: stored villages {row.villages + 1}" in out
    call_command("coverage_check", "--fix")
    assert "Every coverage figure equals a direct count." in capsys.readouterr().out
    assert coverage_differences() == []
