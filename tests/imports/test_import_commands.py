"""`manage.py import_report` and `manage.py import_template`: output and exit status.

Exit status of import_report: 0 drafted, published or nothing to do, 1 refused (every error on
stderr, one per line, then the outcome), 2 wrong usage (bad arguments, and a PATH that is no
file). Without --publish the import is a draft (issue 11 §2), published by
`publish_import RUN --user NAME`.
"""

import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import load_workbook

from imports.models import ImportRun
from tests import servers
from tests.gate import PUBLISHER, staff_make
from tests.workbooks import (
    OWN,
    database_counts,
    mung_tung_rows,
    placed_village,
    to_file,
    village,
    village_report,
)
from units.models import VillageFigure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def saved(tmp_path: Path, workbook, name: str = "report.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(to_file(workbook).getvalue())
    return path


def run_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_report", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


SUMMARY = [
    "Shape: Village report; date: 31/12/2017; scope: Xã Mường Tùng",
    "Sheets: Mường Chà",
    "Villages: 3 rows, 0 new, 3 changed, 0 unchanged, 1 not reported",
    "warning: Mường Chà, 9, 1 village of Xã Mường Tùng is not in this report and stays "
    "not reported on 31/12/2017: Bản Huổi Điết.",
]


def test_import_exits_0_and_summarises(province, tmp_path):
    out, err = run_command(saved(tmp_path, village_report()), "--publish")
    assert VillageFigure.objects.count() == 3
    run = ImportRun.objects.get()
    assert out.splitlines() == [*SUMMARY, f"Import #{run.id}: Published."]
    assert err == ""  # no progress lines: stderr is not a terminal
    event = run.events.get()
    assert (event.action, event.user, event.command_line) == ("published", None, True)


def test_the_summary_says_why_each_sheet_was_skipped(province, tmp_path):
    workbook = village_report()
    workbook.create_sheet("Ghi chú").append(["Số liệu do các huyện ủy báo cáo."])
    workbook.create_sheet("Cũ").sheet_state = "hidden"
    out, _ = run_command(saved(tmp_path, workbook), "--dry-run")
    assert "Sheets skipped: Cũ (hidden), Ghi chú (no table of villages found)" in out.splitlines()


def test_import_without_publish_is_a_draft_that_publish_import_publishes(province, tmp_path):
    out, _ = run_command(saved(tmp_path, village_report()))
    run = ImportRun.objects.get()
    assert out.splitlines() == [
        *SUMMARY,
        f"Import #{run.id}: Draft, waiting to be published by another staff member "
        f"(publish_import {run.id} --user NAME); nothing is shown on the site until then.",
    ]
    assert VillageFigure.objects.count() == 0
    staff_make("importer")
    err = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("publish_import", run.id, "--user", "importer", stderr=err)
    assert refusal.value.returncode == 1
    assert err.getvalue().splitlines() == [
        "Publishing and withdrawing imports needs the permission to publish imports."
    ]
    staff_make("publisher", PUBLISHER)
    out = io.StringIO()
    call_command("publish_import", run.id, "--user", "publisher", stdout=out)
    assert out.getvalue().splitlines() == [
        f"Import #{run.id} published by publisher. 3 rows: 0 new villages, 3 changed, "
        "0 unchanged, 1 not reported."
    ]
    assert VillageFigure.objects.filter(import_run=run).count() == 3
    assert run.events.get().user.username == "publisher"
    with pytest.raises(CommandError) as refusal:
        call_command("publish_import", run.id + 1, "--user", "publisher")
    assert (refusal.value.returncode, str(refusal.value)) == (2, f"No import #{run.id + 1}.")


def test_same_file_again_exits_0_with_nothing_to_do(province, tmp_path):
    path = saved(tmp_path, village_report())
    run_command(path, "--publish")
    before = database_counts()
    out, _ = run_command(path)
    first, again = ImportRun.objects.order_by("id")
    [outcome] = out.splitlines()  # the outcome alone, said once
    assert outcome.startswith(f"Import #{again.id}: Same file as import #{first.id} of ")
    assert outcome.endswith(": nothing to do.")
    assert database_counts() | {"runs_not_refused": 0} == before | {"runs_not_refused": 0}


def test_dry_run_writes_nothing(province, tmp_path):
    before = database_counts()
    out, _ = run_command(saved(tmp_path, village_report()), "--dry-run")
    assert out.splitlines()[-1] == "Dry run: nothing written."
    assert database_counts() == before
    assert not ImportRun.objects.exists()


def test_refused_exits_1_with_every_error_on_stderr(province, tmp_path):
    rows = [*mung_tung_rows()[:3], village(2, "Bản Huổi Lèng", 14, 12, 1, OWN, admissions=1)]
    rows.append(village(3, "Bản Nậm Piền", 2, 2, 0, "Tốt"))
    path = saved(tmp_path, village_report(rows))
    before = database_counts()
    with pytest.raises(CommandError) as refusal:
        run_command(path)
    assert refusal.value.returncode == 1
    assert str(refusal.value) == "Refused: 2 errors."
    assert database_counts() == before
    run = ImportRun.objects.get()
    assert run.outcome == ImportRun.Outcome.REFUSED
    assert run.message.splitlines() == [
        "Mường Chà, 11, D (Tổng số đảng viên), 14, Full members (12) plus probationary members "
        "(1) make 13, not the 14 members given.",
        'Mường Chà, 12, G (Tình trạng chi bộ), Tốt, Unknown status: write "Có chi bộ độc lập", '
        '"Sinh hoạt ghép" or "Chưa có đảng viên".',
    ]


def test_refused_errors_are_on_stderr_one_per_line(province, tmp_path):
    rows = [*mung_tung_rows()[:3], village(2, "Bản Huổi Lèng", 14, 12, 1, OWN, admissions=1)]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_report", str(saved(tmp_path, village_report(rows))), stderr=err)
    assert err.getvalue().splitlines() == [
        "Mường Chà, 11, D (Tổng số đảng viên), 14, Full members (12) plus probationary members "
        "(1) make 13, not the 14 members given."
    ]


def test_a_refused_report_claims_no_new_villages(province, tmp_path):
    """As the preview page, the counts wait for a file without errors: a ward's two "Tổ dân phố
    1" without codes were counted as new villages of a refused report (found importing one)."""
    placed_village("Bản Huổi Lèng", province.muong_tung, province.muong_tung.valid_from)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_report", str(saved(tmp_path, village_report())), stdout=out)
    assert "Villages: 3 rows (new, changed and unchanged are counted once the file has no " in (
        out.getvalue()
    )
    assert " new," not in out.getvalue()


def test_dry_run_of_a_refused_report_exits_1_and_records_nothing(province, tmp_path):
    rows = [*mung_tung_rows()[:3], village(2, "Bản Huổi Lèng", 14, 12, 1, OWN, admissions=1)]
    with pytest.raises(CommandError) as refusal:
        run_command(saved(tmp_path, village_report(rows)), "--dry-run")
    assert refusal.value.returncode == 1
    assert not ImportRun.objects.exists()


def test_replace_needed_exits_1_and_replace_imports(province, tmp_path):
    run_command(saved(tmp_path, village_report()), "--publish")
    rows = [*mung_tung_rows()[:3], village(2, "Bản Huổi Lèng", 15, 13, 2, OWN, admissions=1)]
    path = saved(tmp_path, village_report(rows), "second.xlsx")
    err = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("import_report", str(path), stderr=err)
    assert refusal.value.returncode == 1
    assert "import with replace to supersede them" in err.getvalue()
    out, _ = run_command(path, "--replace", "--publish")
    assert "Published." in out
    assert VillageFigure.objects.get(village__name="Bản Huổi Lèng").members == 15


def test_date_option_must_agree_with_the_file(province, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_report", str(saved(tmp_path, village_report())), "--date", "2018-06-30",
            stderr=err,
        )  # fmt: skip
    assert err.getvalue().splitlines() == [
        "Mường Chà, 3, A, Số liệu tính đến ngày 31/12/2017, The file is for 31/12/2017, not for "
        "30/06/2018 as given."
    ]


# ---------------------------------------------------------------------------- one language


ENGLISH_WORDS = ("Shape", "Sheets", "Villages", "rows", "Import #", "warning", "Published", "Draft")
VIETNAMESE_WORDS = ("Loại báo cáo", "Trang tính", "Thôn, bản:", "dòng", "Lần nhập", "cảnh báo")


def test_a_vietnamese_run_says_its_summary_and_outcome_once_in_vietnamese(province, tmp_path):
    """The site's language is the command's (LANGUAGE_CODE, vi): no English label, and the
    outcome said once, not its label and then its message (found running it on the demo)."""
    with translation.override("vi"):
        out, err = run_command(saved(tmp_path, village_report()))
    run = ImportRun.objects.get()
    assert out.splitlines() == [
        "Loại báo cáo: Báo cáo theo thôn, bản; ngày: 31/12/2017; phạm vi: Xã Mường Tùng",
        "Trang tính: Mường Chà",
        "Thôn, bản: 3 dòng, 0 mới, 3 thay đổi, 0 không đổi, 1 chưa báo cáo",
        "cảnh báo: Mường Chà, 9, 1 thôn, bản của Xã Mường Tùng không có trong báo cáo này "
        "nên vẫn là chưa báo cáo tại ngày 31/12/2017: Bản Huổi Điết.",
        f"Lần nhập #{run.id}: Bản nháp, đang chờ một cán bộ khác công bố (publish_import "
        f"{run.id} --user TÊN); cho đến lúc đó, trang web chưa hiển thị gì.",
    ]
    assert out.count("Bản nháp") == 1 and err == ""
    assert not [word for word in ENGLISH_WORDS if word in out]


def test_language_en_writes_the_whole_summary_in_english(province, tmp_path):
    with translation.override("vi"):
        out, _err = run_command(saved(tmp_path, village_report()), "--publish", "--language", "en")
    run = ImportRun.objects.get()
    assert out.splitlines() == [*SUMMARY, f"Import #{run.id}: Published."]
    assert not [word for word in VIETNAMESE_WORDS if word in out]


def test_the_same_file_again_is_said_once_in_vietnamese(province, tmp_path):
    path = saved(tmp_path, village_report())
    run_command(path, "--publish")
    with translation.override("vi"):
        out, _err = run_command(path)
    first, again = ImportRun.objects.order_by("id")
    [outcome] = out.splitlines()
    assert outcome.startswith(f"Lần nhập #{again.id}: Trùng tệp với lần nhập #{first.id} lúc ")
    assert outcome.endswith(": không có gì phải làm.")


def test_a_refused_vietnamese_run_names_each_errors_cell_once(province, tmp_path):
    rows = [*mung_tung_rows()[:3], village(2, "Bản Huổi Lèng", 14, 12, 1, OWN, admissions=1)]
    rows.append(village(3, "Bản Nậm Piền", 2, 2, 0, "Tốt"))
    with translation.override("vi"), pytest.raises(CommandError) as refusal:
        out, err = io.StringIO(), io.StringIO()
        call_command("import_report", str(saved(tmp_path, village_report(rows))), stdout=out,
                     stderr=err)  # fmt: skip
    assert (refusal.value.returncode, str(refusal.value)) == (1, "Bị từ chối: 2 lỗi.")
    lines = err.getvalue().splitlines()
    assert [line.split(", ")[:4] for line in lines] == [
        ["Mường Chà", "11", "D (Tổng số đảng viên)", "14"],
        ["Mường Chà", "12", "G (Tình trạng chi bộ)", "Tốt"],
    ]
    assert lines[1].endswith(
        'Tình trạng không hợp lệ: hãy ghi "Có chi bộ độc lập", "Sinh hoạt ghép" hoặc '
        '"Chưa có đảng viên".'
    )
    assert "members" not in err.getvalue()
    assert not [word for word in ENGLISH_WORDS if word in out.getvalue()]


def test_from_the_command_line_a_refusal_ends_with_its_outcome_in_the_sites_language(tmp_path):
    """manage.py, as staff run it: Vietnamese by default, the outcome last on stderr, without
    Django's "CommandError: " in English before it; exit status 1."""
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    refused = manage("import_report", str(empty), "--dry-run", tmp_path=tmp_path)
    assert (refused.returncode, refused.stderr) == (
        1,
        "Tệp này trống.\nBị từ chối: 1 lỗi.\n",
    )
    english = manage("import_report", str(empty), "--dry-run", "--language", "en",
                     tmp_path=tmp_path)  # fmt: skip
    assert (english.returncode, english.stderr) == (
        1,
        "This file is empty.\nRefused: 1 error.\n",
    )


PLACE_HEADER = ["STT", "Địa bàn", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng chi bộ"]
PLACE_ROWS = [[1, "Xã Mường Tùng", "Bản Nậm Cang 1", 0, "Chưa có đảng viên"]]


def test_column_option_says_which_column_holds_a_field(province, tmp_path):
    workbook = village_report(PLACE_ROWS, header=PLACE_HEADER, subheader=None, numbers=None)
    path = saved(tmp_path, workbook)
    with pytest.raises(CommandError):
        run_command(path, "--dry-run")  # "Địa bàn" is no commune column: no commune
    out, _err = run_command(path, "--column", "commune=B", "--publish")
    assert "Villages: 1 row, 0 new, 1 changed, 0 unchanged, 3 not reported" in out
    assert VillageFigure.objects.get().commune == province.muong_tung


def test_column_option_none_leaves_a_column_out(province, tmp_path):
    """A former-district column kept beside the commune after the reform is refused, saying
    how to leave it out; `--column none=B` does, as "not imported" does on the web."""
    header = ["STT", "Huyện (cũ)", "Xã", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng"]
    rows = [[1, "Huyện Mường Chà", "Xã Mường Tùng", "Bản Nậm Cang 1", 0, "Chưa có đảng viên"]]
    options = {"header": header, "subheader": None, "numbers": None}
    workbook = village_report(rows, date_line="Số liệu tính đến ngày 30/09/2025", **options)
    path = saved(tmp_path, workbook)
    with pytest.raises(CommandError):
        run_command(path, "--dry-run")  # there are no districts from 1/7/2025
    out, _err = run_command(path, "--column", "none=B", "--publish")
    assert "Villages: 1 row," in out
    figure = VillageFigure.objects.get()
    assert (figure.commune.name, figure.district, figure.members) == ("Xã Mường Tùng", None, 0)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("commune", "Write the column as FIELD=LETTER, for instance commune=B, not commune."),
        ("commune=7", "7 is not a column letter (A, B, … AA)."),
        (
            "xa=B",
            "xa is not a column the importer reads: use one of row_number, village, "
            "village_code, commune, district, members, full_members, probationary_members, "
            "status, mark_own_cell, mark_joined, mark_no_members, host, admissions, note, "
            "unit, villages_total, villages_own_cell, villages_joined, villages_no_members, "
            "grassroots_orgs, cells, none.",
        ),  # fmt: skip
    ],
)
def test_a_wrong_column_option_is_a_usage_error(province, tmp_path, spec, message):
    with pytest.raises(CommandError) as refusal:
        run_command(saved(tmp_path, village_report()), "--column", spec)
    assert (refusal.value.returncode, str(refusal.value)) == (2, message)


def test_missing_file_is_a_usage_error(province, tmp_path):
    with pytest.raises(CommandError) as refusal:
        run_command(tmp_path / "nowhere.xlsx")
    assert refusal.value.returncode == 2
    assert str(refusal.value) == f"{tmp_path / 'nowhere.xlsx'}: no such file"


def manage(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """The command as a person runs it, on a database of its own (never the project's)."""
    return servers.manage(f"sqlite:///{tmp_path / 'cli.sqlite3'}", *args, timeout=120)


def test_exit_status_2_for_wrong_usage(tmp_path):
    assert manage("import_report", tmp_path=tmp_path).returncode == 2
    bad_date = manage("import_report", "x.xlsx", "--date", "31/12/2017", tmp_path=tmp_path)
    assert bad_date.returncode == 2
    assert "invalid fromisoformat value: '31/12/2017'" in bad_date.stderr
    missing = manage("import_report", str(tmp_path / "nowhere.xlsx"), tmp_path=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith("nowhere.xlsx: không có tệp này")  # the site's language


def test_template_command_writes_the_template(tmp_path):
    path = tmp_path / "template.xlsx"
    out = io.StringIO()
    call_command("import_template", str(path), "--date", "2017-12-31", stdout=out)
    assert out.getvalue().strip() == f"Template written to {path}"
    sheet = load_workbook(path)["Biểu"]
    assert sheet["A3"].value == "Số liệu tính đến ngày 31/12/2017"
    assert sheet["E5"].value == "Trong đó"
    assert "E5:F5" in {str(cells) for cells in sheet.merged_cells.ranges}
    assert [cell.value for cell in sheet[7]] == ["A", "B", "C", "1", "2", "3", "4", "5", "6", "7"]


def test_withdraw_import_withdraws_as_a_publisher_or_the_server(province, tmp_path):
    before = database_counts()
    run_command(saved(tmp_path, village_report()), "--publish")
    run = ImportRun.objects.get()
    staff_make("importer")
    err = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("withdraw_import", run.id, "--user", "importer", stderr=err)
    assert refusal.value.returncode == 1
    assert err.getvalue().splitlines() == [
        "Publishing and withdrawing imports needs the permission to publish imports."
    ]
    with pytest.raises(CommandError) as refusal:
        call_command("withdraw_import", run.id, "--user", "nobody")
    assert (refusal.value.returncode, str(refusal.value)) == (2, "No user 'nobody'.")

    staff_make("publisher", PUBLISHER)
    out = io.StringIO()
    call_command("withdraw_import", run.id, "--user", "publisher", stdout=out)
    assert out.getvalue().splitlines() == [f"Import #{run.id} withdrawn by publisher."]
    assert database_counts() | {"runs_not_refused": 0} == before | {"runs_not_refused": 0}
    event = run.events.last()
    assert (event.action, event.user.username) == ("withdrawn", "publisher")

    err = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("withdraw_import", run.id, stderr=err)  # withdrawn already
    assert refusal.value.returncode == 1
    assert err.getvalue().splitlines() == [
        f"Import #{run.id} is not published: nothing to withdraw."
    ]
    call_command("publish_import", run.id, "--user", "publisher")  # not its importer: the CLI
    out = io.StringIO()
    call_command("withdraw_import", run.id, stdout=out)
    assert out.getvalue().splitlines() == [f"Import #{run.id} withdrawn from the command line."]
    event = run.events.last()
    assert (event.action, event.user, event.command_line) == ("withdrawn", None, True)
