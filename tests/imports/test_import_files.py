"""Files that are no readable workbook are refused before anything is read (docs/import-format.md,
"Must refuse": not a workbook, corrupt or truncated, password-protected, over the limits)."""

import io
import zipfile

import pytest
from django.test import override_settings

from imports.services import report_preview
from tests.workbooks import (
    as_ods,
    as_xlsm,
    import_refused,
    to_file,
    village_report,
    with_cached_values,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


NOT_A_WORKBOOK = (
    "This file is not a workbook that can be read (.xlsx, .xlsm, .xls or .ods): "
    "it may be a renamed CSV or PDF file."
)


def test_renamed_csv_is_refused(province):
    csv = "STT,Thôn bản,Tổng số đảng viên\n1,Bản Nậm Cang 1,0\n".encode()
    assert import_refused(named(csv, "report.xlsx")) == [NOT_A_WORKBOOK]


def test_renamed_pdf_is_refused(province):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    assert import_refused(named(pdf, "report.xlsx")) == [NOT_A_WORKBOOK]


def test_a_zip_that_is_no_workbook_is_refused(province):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert import_refused(named(buffer.getvalue(), "report.xlsx")) == [NOT_A_WORKBOOK]


def test_truncated_workbook_is_refused(province):
    data = to_file(village_report()).getvalue()
    [line] = import_refused(named(data[: len(data) // 2], "report.xlsx"))
    assert line.startswith("This workbook is damaged or incomplete (")
    assert line.endswith("): open it in Excel and save again.")


def test_password_protected_workbook_is_refused(province):
    # Excel saves an encrypted .xlsx as an OLE compound file holding an "EncryptedPackage".
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    ole += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512
    assert import_refused(named(ole, "report.xlsx")) == [
        "This workbook is protected by a password: remove the password and upload it again."
    ]


def test_empty_file_is_refused(province):
    assert import_refused(named(b"", "report.xlsx")) == ["This file is empty."]


@override_settings(IMPORT_MAX_UPLOAD_BYTES=1024)
def test_file_over_the_size_limit_is_refused(province):
    [line] = import_refused(to_file(village_report()))
    assert line.startswith("This file is ")
    assert line.endswith(" MB, more than the limit of 0.0 MB.")


@override_settings(IMPORT_MAX_UNZIPPED_BYTES=4096)
def test_workbook_expanding_past_the_unzipped_limit_is_refused(province):
    [line] = import_refused(to_file(village_report()))
    assert line.startswith("This workbook expands to ")
    assert line.endswith(" MB when unzipped, more than the limit of 0.0 MB.")


@override_settings(IMPORT_MAX_ROWS=5)
def test_workbook_over_the_row_limit_is_refused(province):
    assert import_refused(to_file(village_report())) == [
        "Mường Chà, This workbook has more than 5 rows."
    ]


def test_size_limit_applies_to_paths_too(province, tmp_path, settings):
    path = tmp_path / "report.xlsx"
    path.write_bytes(to_file(village_report()).getvalue())
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    preview = report_preview(path_or_file=path)
    assert preview.file_name == "report.xlsx"
    assert preview.errors[0].message.startswith("This file is ")


def test_xlsm_is_read_like_xlsx(province):
    preview = report_preview(path_or_file=as_xlsm(to_file(village_report())))
    assert preview.errors == []
    assert preview.format == "xlsx"
    assert preview.rows == 3


def test_formulas_with_cached_values_are_read(province):
    rows = [
        ["I", "Huyện Mường Chà"],
        ["1", "Xã Mường Tùng", None, "=SUM(D10:D12)", "=SUM(E10:E12)", "=SUM(F10:F12)"],
        [1, "Bản Nậm Cang 1", None, 0, 0, 0, "Chưa có đảng viên", None, 0],
        [2, "Bản Huổi Lèng", None, "=E11+F11", 12, 2, "Có chi bộ độc lập", None, 1],
        [3, "Bản Nậm Piền", None, 2, 2, 0, "Sinh hoạt ghép", "Bản Huổi Lèng", 0],
    ]
    cached = {"D9": 16, "E9": 14, "F9": 2, "D11": 14}
    file = with_cached_values(to_file(village_report(rows)), cached)
    preview = report_preview(path_or_file=file)
    assert preview.errors == []
    huoi_leng = next(e for e in preview.villages.entries if e.name == "Bản Huổi Lèng")
    assert huoi_leng.members == 14


def test_ods_is_read(province):
    preview = report_preview(path_or_file=as_ods(village_report()))
    assert [issue.line() for issue in preview.errors] == []
    assert preview.format == "ods"
    assert [(e.name, e.members) for e in preview.villages.entries] == [
        ("Bản Nậm Cang 1", 0),
        ("Bản Huổi Lèng", 14),
        ("Bản Nậm Piền", 2),
    ]
