"""What an import does (docs/import-format.md, last section): write in one transaction, record the
run, rebuild coverage; the same file again is a no-op; another file for the same date and scope
needs an explicit replace, and the replaced version can be restored."""

import datetime
import hashlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from openpyxl import Workbook

from imports.models import ImportRun, ReplacedFigures
from imports.services import ImportRefused, report_import, report_preview, report_restore
from tests.workbooks import (
    JOINED,
    NONE,
    OWN,
    database_counts,
    mung_tung_rows,
    section,
    to_file,
    village,
    village_report,
    village_sheet,
)
from units.domain.coverage import coverage_rebuild, period_for_date
from units.models import (
    Coverage,
    Metric,
    Source,
    Status,
    UnitFigure,
    Village,
    VillageFigure,
    VillagePlacement,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = datetime.date
DEC_2017 = D(2017, 12, 31)


def imported(workbook_or_file, **options) -> ImportRun:
    replace = options.pop("replace", False)
    user = options.pop("user", None)
    file = workbook_or_file if isinstance(workbook_or_file, io.BytesIO) else None
    preview = report_preview(path_or_file=file or to_file(workbook_or_file), **options)
    assert [issue.line() for issue in preview.errors] == []
    return report_import(preview=preview, replace=replace, user=user)


def figures(date=DEC_2017) -> dict[str, tuple]:
    rows = VillageFigure.objects.filter(period__date=date).select_related("village", "joined_with")
    return {
        figure.village.name: (
            figure.status,
            figure.members,
            figure.full_members,
            figure.probationary_members,
            figure.admissions,
            figure.joined_with.name if figure.joined_with else None,
        )
        for figure in rows
    }


def coverage_of(unit, date=DEC_2017) -> tuple:
    row = Coverage.objects.get(unit=unit, period__date=date)
    return row.villages, row.own_cell, row.joined, row.no_members, row.not_reported, row.members


def test_import_writes_the_figures_records_the_run_and_rebuilds_coverage(province):
    user = get_user_model().objects.create_user("staff", password="x")
    file = to_file(village_report())
    run = imported(file, user=user)
    assert figures() == {
        "Bản Nậm Cang 1": (Status.NO_MEMBERS, 0, 0, 0, 0, None),
        "Bản Huổi Lèng": (Status.OWN_CELL, 14, 12, 2, 1, None),
        "Bản Nậm Piền": (Status.JOINED, 2, 2, 0, 0, "Bản Huổi Lèng"),
    }
    assert VillageFigure.objects.filter(import_run=run).count() == 3
    assert (run.outcome, run.shape, run.date, run.scope) == (
        ImportRun.Outcome.IMPORTED,
        "village_report",
        DEC_2017,
        province.muong_tung,
    )
    assert run.sha256 == hashlib.sha256(file.getvalue()).hexdigest()
    assert run.size == len(file.getvalue())
    assert (run.user, run.file_name, run.rows) == (user, "report.xlsx", 3)
    assert (run.villages_new, run.villages_not_reported) == (0, 1)
    assert run.finished is not None
    # The counts are the summary, put into words when shown (in the reader's language).
    assert (run.summary_from_counts, run.message) == (True, "")
    assert run.summary == "3 rows: 0 new villages, 3 changed, 0 unchanged, 1 not reported."
    # Huổi Điết is placed in the commune but not in the report: counted, never as zero.
    assert coverage_of(province.muong_tung) == (4, 1, 1, 1, 1, 16)
    assert coverage_of(province.province) == (5, 1, 1, 1, 2, 16)


def test_preview_summarises_without_writing(province):
    before = database_counts()
    preview = report_preview(path_or_file=to_file(village_report()))
    assert database_counts() == before
    assert (preview.villages_new, preview.villages_changed, preview.villages_unchanged) == (0, 3, 0)
    assert preview.villages_not_reported == 1
    [commune] = preview.communes
    assert (commune.commune, commune.district) == (province.muong_tung, province.muong_cha)
    assert (commune.villages, commune.own_cell, commune.joined, commune.no_members) == (3, 1, 1, 1)
    assert (commune.members, commune.admissions, commune.not_reported) == (16, 1, 1)
    assert [issue.line() for issue in preview.warnings] == [
        "Mường Chà, 9, 1 village of Xã Mường Tùng is not in this report and stays not "
        "reported on 31/12/2017: Bản Huổi Điết."
    ]


def test_same_file_twice_is_a_no_op_that_says_so(province):
    data = to_file(village_report()).getvalue()
    first = imported(io.BytesIO(data))
    before = database_counts()
    preview = report_preview(path_or_file=io.BytesIO(data))
    assert preview.same_file == first
    run = report_import(preview=preview)
    assert run.outcome == ImportRun.Outcome.UNCHANGED
    assert run.message.startswith(f"Same file as import #{first.id} of ")
    assert run.message.endswith(": nothing to do.")
    assert database_counts() == before | {"runs_not_refused": before["runs_not_refused"] + 1}


def test_the_collector_is_paused_while_previewing_and_back_after(province, monkeypatch):
    """The preview runs without cyclic garbage collection (a national report's million cells
    would be walked again and again) and gives it back, also when the file is refused."""
    import gc

    from imports import services

    seen = []
    read = services.workbook_tables

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return read(*args, **kwargs)

    monkeypatch.setattr(services, "workbook_tables", watched)
    assert gc.isenabled()
    report_preview(path_or_file=to_file(village_report()))
    assert seen == [False] and gc.isenabled()
    refused = report_preview(path_or_file=io.BytesIO(b"not a workbook"))
    assert refused.errors and gc.isenabled()


def test_a_commune_with_no_village_known_is_warned_about_once(province):
    """Xã Huổi Lèng has no village at any date: its 22 new villages make one warning, at the
    first, naming 20 of them; none of them is a typo of a known name to suggest."""
    rows = [section("1", "Xã Huổi Lèng")]
    rows += [village(n, f"Bản Mới {n}", 0, 0, 0, NONE) for n in range(1, 23)]
    preview = report_preview(path_or_file=to_file(village_report(rows)))
    names = ", ".join(f"Bản Mới {n}" for n in range(1, 21))
    assert [issue.line() for issue in preview.warnings] == [
        f"Mường Chà, 9, B (Thôn, bản, TDP), Bản Mới 1, Xã Huổi Lèng has no village known yet: its "
        f"22 villages in this report will be created: {names} …."
    ]
    assert preview.errors == [] and preview.villages_new == 22
    with translation.override("vi"):
        assert preview.warnings[0].message.startswith(
            "Xã Huổi Lèng chưa có thôn, bản nào trong dữ liệu: cả 22 thôn, bản trong báo cáo"
        )


def test_new_village_is_created_placed_and_warned_about(province):
    rows = [*mung_tung_rows()[:5], village(4, "Bản Nậm Piềng", 3, 3, 0, OWN, code="MT07")]
    preview = report_preview(path_or_file=to_file(village_report(rows)))
    assert [issue.line() for issue in preview.warnings][0] == (
        "Mường Chà, 13, B (Thôn, bản, TDP), Bản Nậm Piềng, Bản Nậm Piềng is a new village in Xã "
        "Mường Tùng: it will be created. If it is a typo, the closest known names are: Bản Nậm "
        "Piền, Bản Nậm Cang 1."
    )
    run = report_import(preview=preview)
    new = Village.objects.get(name="Bản Nậm Piềng")
    assert (new.name_key, new.code, new.valid_from, new.synthetic) == (
        "nam pieng",
        "MT07",
        DEC_2017,
        False,
    )
    placement = VillagePlacement.objects.get(village=new)
    assert (placement.commune, placement.valid_from, placement.valid_to) == (
        province.muong_tung,
        DEC_2017,
        province.muong_tung.valid_to,
    )
    assert run.villages_new == 1


def test_village_with_a_worse_status_than_at_the_previous_date(province):
    september = period_for_date(D(2017, 9, 30))
    for name, status, members in [
        ("Bản Nậm Cang 1", Status.JOINED, 1),
        ("Bản Huổi Lèng", Status.OWN_CELL, 14),
        ("Bản Nậm Piền", Status.OWN_CELL, 3),
    ]:
        VillageFigure.objects.create(
            village=province.villages[name],
            period=september,
            commune=province.muong_tung,
            status=status,
            members=members,
        )
    preview = report_preview(path_or_file=to_file(village_report()))
    assert [issue.line() for issue in preview.warnings][:2] == [
        "Mường Chà, 10, B (Thôn, bản, TDP), Bản Nậm Cang 1, Bản Nậm Cang 1 had members on "
        "30/09/2017 and has none now: re-whitened (tái trắng).",
        "Mường Chà, 12, B (Thôn, bản, TDP), Bản Nậm Piền, Bản Nậm Piền had its own cell on "
        "30/09/2017 and now attends a joined cell.",
    ]
    assert (preview.villages_changed, preview.villages_unchanged) == (2, 1)


def test_a_correction_of_admissions_or_full_members_alone_counts_as_changed(province):
    """A corrected file for the same date: a village whose members stand as before but whose
    admissions, or split into full and probationary, differ is changed (replacing it rewrites
    them); against an earlier quarter, what counts is the status and members it stands at."""
    imported(village_report())
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", 14, 11, 3, OWN, admissions=1)  # full 12 -> 11
    rows[4] = village(3, "Bản Nậm Piền", 2, 2, 0, JOINED, host="Bản Huổi Lèng", admissions=1)
    rows[5] = [None, "Cộng xã", None, 16, 13, 3, None, None, 2, None]
    preview = report_preview(path_or_file=to_file(village_report(rows)))
    assert (preview.villages_changed, preview.villages_unchanged) == (2, 1)

    later = village_report(rows, date_line="Số liệu tính đến ngày 31/03/2018")
    preview = report_preview(path_or_file=to_file(later))
    assert preview.before_date == DEC_2017
    assert (preview.villages_changed, preview.villages_unchanged) == (0, 3)


def test_another_file_for_the_same_date_and_scope_needs_replace(province):
    first = imported(village_report())
    rows = [*mung_tung_rows()[:3], village(2, "Bản Huổi Lèng", 15, 13, 2, OWN, admissions=2)]
    file = to_file(village_report(rows))
    before = database_counts()
    preview = report_preview(path_or_file=file)
    assert (preview.needs_replace, preview.existing_figures, preview.conflicts) == (
        True,
        3,
        [first],
    )
    with pytest.raises(ImportRefused) as refusal:
        report_import(preview=preview)
    assert [issue.line() for issue in refusal.value.issues] == [
        f"Figures for 31/12/2017 in Xã Mường Tùng are already held (3 rows, from "
        f"#{first.id} report.xlsx): import with replace to supersede them; the replaced version "
        "can be restored."
    ]
    assert refusal.value.run.outcome == ImportRun.Outcome.REFUSED
    assert database_counts() == before


def test_replace_then_restore(province):
    first = imported(village_report())
    rows = [*mung_tung_rows()[:3], village(2, "Bản Huổi Lèng", 15, 13, 2, OWN, admissions=2)]
    second = imported(village_report(rows), replace=True)
    first.refresh_from_db()
    assert (first.outcome, first.replaced_by) == (ImportRun.Outcome.REPLACED, second)
    assert figures() == {
        "Bản Nậm Cang 1": (Status.NO_MEMBERS, 0, 0, 0, 0, None),
        "Bản Huổi Lèng": (Status.OWN_CELL, 15, 13, 2, 2, None),
    }
    assert coverage_of(province.muong_tung) == (4, 1, 0, 1, 2, 15)

    report_restore(first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, first.replaced_by) == (ImportRun.Outcome.IMPORTED, None)
    assert (second.outcome, second.replaced_by) == (ImportRun.Outcome.REPLACED, first)
    assert figures() == {
        "Bản Nậm Cang 1": (Status.NO_MEMBERS, 0, 0, 0, 0, None),
        "Bản Huổi Lèng": (Status.OWN_CELL, 14, 12, 2, 1, None),
        "Bản Nậm Piền": (Status.JOINED, 2, 2, 0, 0, "Bản Huổi Lèng"),
    }
    assert set(VillageFigure.objects.values_list("import_run", flat=True)) == {first.id}
    assert coverage_of(province.muong_tung) == (4, 1, 1, 1, 1, 16)
    assert not ReplacedFigures.objects.filter(run=first).exists()

    report_restore(second)  # and back again
    assert figures()["Bản Huổi Lèng"] == (Status.OWN_CELL, 15, 13, 2, 2, None)


def test_only_a_replaced_import_can_be_restored(province):
    run = imported(village_report())
    with pytest.raises(ImportRefused) as refusal:
        report_restore(run)
    assert [issue.message for issue in refusal.value.issues] == [
        f"Import #{run.id} is not a replaced import: there is nothing to restore."
    ]


def test_replacing_figures_no_import_wrote_keeps_them_restorable(province):
    period = period_for_date(DEC_2017)
    VillageFigure.objects.create(
        village=province.villages["Bản Huổi Điết"],
        period=period,
        commune=province.muong_tung,
        status=Status.OWN_CELL,
        members=4,
    )
    coverage_rebuild(periods=[period])
    run = imported(village_report(), replace=True)
    stand_in = ImportRun.objects.get(replaced_by=run)
    assert (stand_in.outcome, stand_in.file_name) == (
        ImportRun.Outcome.REPLACED,
        "figures present before any import",
    )
    assert "Bản Huổi Điết" not in figures()
    report_restore(stand_in)
    assert figures() == {"Bản Huổi Điết": (Status.OWN_CELL, 4, None, None, None, None)}


def test_reports_for_different_communes_of_one_date_do_not_conflict(province):
    imported(village_report())
    rows = [section("II", "Huyện Tuần Giáo"), section("1", "Xã Quài Nưa")]
    rows.append(village(1, "Bản Co Củ", 5, 4, 1, OWN))
    run = imported(village_report(rows))
    assert run.scope == province.quai_nua
    assert len(figures()) == 4


def test_report_after_the_reform_writes_no_district(province):
    rows = [["TỔNG CỘNG", None, None, 16, 14, 2, None, None, 1], *mung_tung_rows()[1:5]]
    rows[1] = section("I", "Xã Mường Tùng")
    run = imported(village_report(rows, date_line="Số liệu tính đến ngày 30/09/2025"))
    date = D(2025, 9, 30)
    assert run.scope == province.muong_tung_2025
    assert set(
        VillageFigure.objects.filter(period__date=date).values_list("commune", "district")
    ) == {(province.muong_tung_2025.id, None)}
    assert coverage_of(province.province_2025, date)[:5] == (4, 1, 1, 1, 1)


def test_unit_summary_stores_unit_figures_and_never_villages(province):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    header = ["STT", "Đơn vị", "Tổng số thôn, bản", "Có chi bộ độc lập", "Sinh hoạt ghép"]
    header += ["Chưa có đảng viên", "Tổng số đảng viên", "Tổ chức cơ sở đảng"]
    body = [
        ["I", "Huyện Mường Chà", 30, 20, 8, 2, 400, 12],
        [1, "Xã Mường Tùng", 18, 12, 5, 1, 250, 7],
        [2, "Xã Huổi Lèng", 12, 8, 3, 1, 150, 5],
        ["II", "Huyện Tuần Giáo", 10, 10, 0, 0, 120, 4],
        [None, "Tổng cộng", 40, 30, 8, 2, 520, 16],
    ]
    village_sheet(sheet, body, header=header, subheader=None, numbers=None)
    villages_before = Village.objects.count()
    preview = report_preview(path_or_file=to_file(workbook))
    assert [issue.line() for issue in preview.errors] == []
    assert (preview.shape, preview.scope, preview.rows) == ("unit_summary", province.province, 4)
    run = report_import(preview=preview)
    assert Village.objects.count() == villages_before
    assert VillageFigure.objects.count() == 0
    values = {
        (figure.unit.name, figure.metric): (int(figure.value), figure.denominator)
        for figure in UnitFigure.objects.filter(import_run=run).select_related("unit")
    }
    assert values[("Xã Mường Tùng", Metric.VILLAGES_TOTAL)] == (18, None)
    assert values[("Xã Mường Tùng", Metric.VILLAGES_WITHOUT_CELL)] == (6, 18)
    assert values[("Xã Mường Tùng", Metric.VILLAGES_NO_MEMBERS)] == (1, 18)
    assert values[("Huyện Tuần Giáo", Metric.GRASSROOTS_ORGS)] == (4, None)
    assert len(values) == 4 * 6
    source = Source.objects.get(figures__import_run=run, figures__metric=Metric.MEMBERS,
                                figures__unit=province.tuan_giao)  # fmt: skip
    assert source.title == "Imported report report.xlsx (31/12/2017)"


def test_unit_summary_district_row_differs_from_its_communes(province):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    header = ["STT", "Đơn vị", "Tổng số thôn, bản", "Tổng số đảng viên"]
    body = [["I", "Huyện Mường Chà", 31, 400], [1, "Xã Mường Tùng", 18, 250]]
    body.append([2, "Xã Huổi Lèng", 12, 150])
    village_sheet(sheet, body, header=header, subheader=None, numbers=None)
    preview = report_preview(path_or_file=to_file(workbook))
    assert [issue.line() for issue in preview.errors] == [
        "Tổng hợp, 6, C (Tổng số thôn, bản), 31, Huyện Mường Chà gives 31, but the rows it "
        "covers add up to 30."
    ]


def test_statuses_are_written_as_reported(province):
    rows = [
        section("1", "Xã Mường Tùng"),
        village(1, "Bản Nậm Cang 1", 0, 0, 0, NONE),
        village(2, "Bản Nậm Piền", 2, 2, 0, JOINED, host="Huổi Lèng"),  # host known, not listed
    ]
    imported(village_report(rows))
    assert figures()["Bản Nậm Piền"][-1] == "Bản Huổi Lèng"
