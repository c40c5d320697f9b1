"""Everything docs/import-format.md says the importer "must tolerate": one test per variation, each
showing the report read exactly as the canonical one."""

import datetime
import unicodedata

import pytest
from django.utils import translation
from openpyxl import Workbook

from imports.services import report_preview
from tests.workbooks import (
    DATE_LINE,
    HEADER,
    JOINED,
    NONE,
    OWN,
    SUBHEADER,
    TITLE_LINES,
    mung_tung_rows,
    section,
    to_file,
    village,
    village_report,
    village_sheet,
)
from units.domain.names import name_key, sort_key
from units.models import Status, Village, VillagePlacement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = datetime.date

CANONICAL = [
    ("Bản Nậm Cang 1", "Xã Mường Tùng", Status.NO_MEMBERS, 0, 0, 0, 0),
    ("Bản Huổi Lèng", "Xã Mường Tùng", Status.OWN_CELL, 14, 12, 2, 1),
    ("Bản Nậm Piền", "Xã Mường Tùng", Status.JOINED, 2, 2, 0, 0),
]


def read(workbook, **options):
    preview = report_preview(path_or_file=to_file(workbook), **options)
    assert [issue.line() for issue in preview.errors] == []
    return preview


def entries(preview) -> list[tuple]:
    return [
        (
            entry.name,
            entry.commune.name,
            entry.status,
            entry.members,
            entry.full_members,
            entry.probationary_members,
            entry.admissions,
        )
        for entry in preview.villages.entries
    ]


def test_canonical_report(province):
    preview = read(village_report())
    assert preview.shape == "village_report"
    assert preview.date == D(2017, 12, 31)
    assert preview.scope == province.muong_tung
    assert entries(preview) == CANONICAL
    assert preview.sheets == ["Mường Chà"]
    assert preview.extra_columns == []


def test_header_anywhere_in_the_first_30_rows(province):
    title = [*TITLE_LINES, "", "Kèm theo Báo cáo số 12-BC/BTC", "", "", ""]
    workbook = village_report(title_lines=title, blank_lines=18)  # header on row 27
    assert entries(read(workbook)) == CANONICAL


def test_header_below_row_30_is_not_found(province):
    preview = report_preview(path_or_file=to_file(village_report(blank_lines=30)))
    assert [issue.message for issue in preview.errors] == [
        "No header row found in the first 30 rows of any sheet. Columns found: —. Missing: "
        "Thôn, bản, TDP, Tổng số đảng viên, Tình trạng chi bộ (or the three columns Có chi bộ "
        "độc lập, Sinh hoạt ghép, Chưa có đảng viên)."
    ]


def test_one_header_row(province):
    header = list(HEADER)
    header[4:6] = ["Đảng viên chính thức", "Đảng viên dự bị"]
    workbook = village_report(header=header, subheader=None)
    assert entries(read(workbook)) == CANONICAL


def test_header_cells_not_merged(province):
    assert entries(read(village_report(merge=False))) == CANONICAL


def test_three_header_rows_with_merged_parents(province):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Mường Chà"
    top = ["STT", "Thôn, bản", "Mã thôn", "Đảng viên", None, None, "Tình trạng chi bộ"]
    top += [None, None, "Ghép với", "Kết nạp trong kỳ"]
    middle = [None, None, None, "Tổng số", "Trong đó", None, "Có chi bộ độc lập"]
    middle += ["Sinh hoạt ghép", "Chưa có đảng viên"]
    bottom = [None, None, None, None, "Chính thức", "Dự bị"]
    numbers = ["A", "B", "C", "1", "2", "3", "4", "5", "6", "7", "8"]
    body = [
        section("I", "Huyện Mường Chà"),
        section("1", "Xã Mường Tùng"),
        [1, "Bản Nậm Cang 1", None, 0, 0, 0, None, None, "x", None, 0],
        [2, "Bản Huổi Lèng", None, 14, 12, 2, "X", None, None, None, 1],
        [3, "Bản Nậm Piền", None, 2, 2, 0, None, "✓", None, "Bản Huổi Lèng", 0],
        [None, "Cộng", None, 16, 14, 2, 1, 1, 1, None, 1],
    ]
    village_sheet(sheet, body, header=top, subheader=middle, numbers=None, merge=False)
    sheet.insert_rows(7)
    for column, value in enumerate(bottom, start=1):
        sheet.cell(row=7, column=column, value=value)
    sheet.insert_rows(8)
    for column, value in enumerate(numbers, start=1):
        sheet.cell(row=8, column=column, value=value)
    sheet.merge_cells("D5:F5")
    sheet.merge_cells("E6:F6")
    sheet.merge_cells("G5:I5")
    preview = read(workbook)
    assert entries(preview) == CANONICAL
    assert preview.villages.entries[2].host == "Bản Huổi Lèng"


def test_column_number_row_with_formulas_written_out(province):
    numbers = ["A", "B", "C", "1", "2", "3", "4", "5=1-2-3", "(6)", "7"]
    assert entries(read(village_report(numbers=numbers))) == CANONICAL


def test_no_column_number_row(province):
    assert entries(read(village_report(numbers=None))) == CANONICAL


def test_columns_in_any_order(province):
    order = [1, 0, 6, 3, 5, 4, 8, 7, 2, 9]  # name first, status third, probationary before full
    header = [HEADER[i] for i in order]
    header[header.index(None)] = "Dự bị"  # the merged parent is gone: one header row
    header[header.index("Trong đó")] = "Chính thức"
    rows = [[row[i] for i in order] for row in mung_tung_rows()]
    workbook = village_report(rows, header=header, subheader=None, numbers=None)
    assert entries(read(workbook)) == CANONICAL


def test_unknown_columns_are_ignored_listed_and_warned(province):
    header = [*HEADER, "Người báo cáo"]
    rows = [[*row, "Lò Văn A"] for row in mung_tung_rows()]
    preview = read(village_report(rows, header=header, subheader=[*SUBHEADER, None]))
    assert entries(preview) == CANONICAL
    assert preview.extra_columns == ["Mường Chà!K (Người báo cáo)"]
    assert (
        "Mường Chà, 5, K (Người báo cáo), , This column is not a known field: it is ignored."
        in [issue.line() for issue in preview.warnings]
    )


def test_subtotal_rows_at_the_top(province):
    rows = [
        section("I", "Huyện Mường Chà", 16, 14, 2, 1),
        [None, "Cộng (I)", None, 16, 14, 2, None, None, 1],
        section("1", "Xã Mường Tùng", 16, 14, 2, 1),
        *mung_tung_rows()[2:5],
    ]
    assert entries(read(village_report(rows))) == CANONICAL


def test_subtotal_rows_at_the_end(province):
    rows = [
        section("I", "Huyện Mường Chà"),
        section("1", "Xã Mường Tùng"),
        *mung_tung_rows()[2:5],
        [None, "Cộng xã Mường Tùng", None, 16, 14, 2, None, None, 1],
        [None, "Cộng (I)", None, 16, 14, 2, None, None, 1],
        [None, "Tổng cộng", None, 16, 14, 2, None, None, 1],
    ]
    assert entries(read(village_report(rows))) == CANONICAL


def test_grand_total_at_the_top_and_total_label_in_the_number_column(province):
    rows = [["TỔNG CỘNG", None, None, 16, 14, 2, None, None, 1], *mung_tung_rows()]
    assert entries(read(village_report(rows))) == CANONICAL


def test_commune_given_in_a_column_instead_of_sections(province):
    header = ["STT", "Xã, phường, thị trấn", "Tên thôn/bản", "Số đảng viên", "Tình trạng"]
    rows = [
        [1, "Mường Tùng", "Bản Nậm Cang 1", 0, NONE],
        [2, "Xã Mường Tùng", "Bản Huổi Lèng", 14, OWN],
        [3, "xã mường tùng", "Bản Nậm Piền", 2, JOINED],
        [4, "Quài Nưa", "Bản Co Củ", 5, OWN],
    ]
    workbook = village_report(rows, header=header, subheader=None, numbers=None)
    preview = read(workbook)
    assert [(e.name, e.commune, e.district) for e in preview.villages.entries] == [
        ("Bản Nậm Cang 1", province.muong_tung, province.muong_cha),
        ("Bản Huổi Lèng", province.muong_tung, province.muong_cha),
        ("Bản Nậm Piền", province.muong_tung, province.muong_cha),
        ("Bản Co Củ", province.quai_nua, province.tuan_giao),
    ]
    assert preview.scope == province.province
    assert preview.villages.entries[1].full_members is None  # not given: unknown, not 0


def test_one_sheet_per_district_and_a_notes_sheet(province):
    workbook = village_report(sheet_name="Mường Chà")
    sheet = workbook.create_sheet("Tuần Giáo")
    village_sheet(
        sheet,
        [
            section("II", "Huyện Tuần Giáo", 5, 4, 1, 0),
            section("1", "Xã Quài Nưa"),
            village(1, "Bản Co Củ", 5, 4, 1, OWN),
        ],
    )
    notes = workbook.create_sheet("Ghi chú")
    notes.append(["Ghi chú: số liệu do các huyện ủy báo cáo."])
    hidden = workbook.create_sheet("Cũ")
    hidden.sheet_state = "hidden"
    preview = read(workbook)
    assert preview.sheets == ["Mường Chà", "Tuần Giáo"]
    assert skipped(preview) == ["Cũ (hidden)", "Ghi chú (no table of villages found)"]
    assert [e.name for e in preview.villages.entries][-1] == "Bản Co Củ"
    assert preview.scope == province.province


def skipped(preview, language: str = "en") -> list[str]:
    """The skipped sheets as the preview and the command line show them, name and why."""
    with translation.override(language):
        return [str(sheet) for sheet in preview.skipped_sheets]


def test_each_skipped_sheet_says_why_in_both_languages(province):
    """A sheet left out by mistake must be seen as such: hidden, a chart, no table, or a
    header without a required column (the last one also an error of its own)."""
    workbook = village_report(sheet_name="Mường Chà")
    workbook.create_chartsheet("Biểu đồ")
    hidden = workbook.create_sheet("Cũ")
    hidden.sheet_state = "hidden"
    workbook.create_sheet("Trống")
    partial = workbook.create_sheet("Thiếu cột")
    partial.append(["STT", "Tên thôn, bản", "Tình trạng"])
    partial.append([1, "Bản Huổi Lếch", "Có chi bộ"])
    preview = report_preview(path_or_file=to_file(workbook))
    assert skipped(preview) == [
        "Biểu đồ (a chart or macro sheet, not a table)",
        "Cũ (hidden)",
        "Trống (no table of villages found)",
        "Thiếu cột (its header lacks a required column)",
    ]
    assert skipped(preview, "vi") == [
        "Biểu đồ (biểu đồ hoặc trang macro, không phải bảng)",
        "Cũ (đang ẩn)",
        "Trống (không thấy bảng thôn, bản)",
        "Thiếu cột (dòng tiêu đề thiếu một cột bắt buộc)",
    ]
    assert any(issue.sheet == "Thiếu cột" for issue in preview.errors)


def test_lines_under_the_table_are_ignored(province):
    rows = [
        *mung_tung_rows(),
        [],
        [None, "Người lập biểu", None, None, None, None, "T/M BAN THƯỜNG VỤ"],
        [None, None, None, None, None, None, "Mường Chà, ngày 05 tháng 01 năm 2018"],
        [None, "Nguyễn Văn A", None, None, None, None, "Lò Văn B"],
    ]
    assert entries(read(village_report(rows))) == CANONICAL


def test_numbers_as_text_with_spaces_and_thousands_separators(province):
    rows = [
        section("I", "Huyện Mường Chà"),
        section("1", "Xã Mường Tùng", "1.016", "1.014", " 2 "),
        village(1, "Bản Nậm Cang 1", "0", "0", "0", NONE),
        village(2, "Bản Huổi Lèng", "1.014", "1.012", "2", OWN, admissions=" 1 "),
        village(3, "Bản Nậm Piền", " 2 ", "2", 0.0, JOINED, admissions="0"),
    ]
    preview = read(village_report(rows))
    assert [
        (e.members, e.full_members, e.probationary_members) for e in preview.villages.entries
    ] == [
        (0, 0, 0),
        (1014, 1012, 2),
        (2, 2, 0),
    ]


def test_empty_count_cells_of_a_filled_row_are_zero(province):
    rows = [
        section("1", "Xã Mường Tùng"),
        village(1, "Bản Nậm Cang 1", None, None, None, NONE, admissions=None),
        village(2, "Bản Huổi Lèng", 14, 14, None, OWN, admissions=None),
    ]
    preview = read(village_report(rows))
    assert entries(preview) == [
        ("Bản Nậm Cang 1", "Xã Mường Tùng", Status.NO_MEMBERS, 0, None, None, 0),
        ("Bản Huổi Lèng", "Xã Mường Tùng", Status.OWN_CELL, 14, 14, 0, 0),
    ]


def test_status_synonyms(province):
    rows = [
        section("1", "Xã Mường Tùng"),
        village(1, "Bản Nậm Cang 1", 0, 0, 0, "Trắng"),
        village(2, "Bản Huổi Lèng", 14, 12, 2, "độc lập", admissions=1),
        village(3, "Bản Nậm Piền", 2, 2, 0, "GHÉP"),
    ]
    assert entries(read(village_report(rows))) == CANONICAL


def test_village_names_spelt_differently_match_the_known_villages(province):
    hoa = Village.objects.create(name="Bản Hòa Bình", name_key=name_key("Bản Hòa Bình"),
                                 sort_key=sort_key("Bản Hòa Bình"),
                                 valid_from=D(2015, 1, 1))  # fmt: skip
    VillagePlacement.objects.create(village=hoa, commune=province.muong_tung,
                                    valid_from=D(2015, 1, 1))  # fmt: skip
    rows = [
        section("1", "Xã Mường Tùng"),
        village(1, "Nậm Cang 1", 0, 0, 0, NONE),  # without its kind
        village(2, unicodedata.normalize("NFD", "Bản Huổi Lèng"), 14, 12, 2, OWN),  # NFD
        village(3, "Bản  Nậm   Piền", 2, 2, 0, JOINED),  # double spaces
        village(4, "BẢN HOÀ BÌNH", 3, 3, 0, OWN),  # the new tone placement, upper case
    ]
    preview = read(village_report(rows))
    villages = province.villages
    assert [e.village_id for e in preview.villages.entries] == [
        villages["Bản Nậm Cang 1"].id,
        villages["Bản Huổi Lèng"].id,
        villages["Bản Nậm Piền"].id,
        hoa.id,
    ]
    assert preview.villages_new == 0


def test_three_mark_columns_instead_of_a_status_text(province):
    header = ["STT", "Thôn, bản, TDP", "Tổng số đảng viên", "Chính thức", "Dự bị"]
    header += ["Có chi bộ độc lập", "Sinh hoạt ghép", "Chưa có đảng viên", "Kết nạp mới"]
    rows = [
        section("1", "Xã Mường Tùng")[:2],
        [1, "Bản Nậm Cang 1", 0, 0, 0, None, None, "x", 0],
        [2, "Bản Huổi Lèng", 14, 12, 2, "X", "", None, 1],
        [3, "Bản Nậm Piền", 2, 2, 0, 0, 1, None, 0],
        [None, "Cộng xã", 16, 14, 2, 1, 1, 1, 1],  # a mark column's subtotal counts its marks
    ]
    preview = read(village_report(rows, header=header, subheader=None, numbers=None))
    assert entries(preview) == CANONICAL


def test_communes_directly_under_the_province_after_the_reform(province):
    rows = [
        ["TỔNG CỘNG", None, None, 16, 14, 2, None, None, 1],
        section("I", "Xã Mường Tùng", 16, 14, 2, 1),
        *mung_tung_rows()[2:5],
    ]
    workbook = village_report(rows, date_line="Số liệu tính đến ngày 30/9/2025")
    preview = read(workbook)
    assert preview.date == D(2025, 9, 30)
    assert preview.scope == province.muong_tung_2025
    assert {entry.district for entry in preview.villages.entries} == {None}
    assert preview.villages_new == 0  # the villages moved to the new commune on 1/7/2025


def test_roman_numeral_without_kind_opens_a_commune_after_the_reform(province):
    rows = [section("I", "Mường Tùng"), *mung_tung_rows()[2:5]]
    workbook = village_report(rows, date_line="Số liệu tính đến ngày 30/9/2025")
    assert {e.commune for e in read(workbook).villages.entries} == {province.muong_tung_2025}


def test_reference_date_written_in_words_and_the_date_given_agree(province):
    line = "Số liệu tính đến ngày 31 tháng 12 năm 2017"
    preview = read(village_report(date_line=line), date=D(2017, 12, 31))
    assert preview.date == D(2017, 12, 31)


def test_date_given_when_the_file_has_none(province):
    preview = read(village_report(date_line=None), date=D(2017, 12, 31))
    assert preview.date == D(2017, 12, 31)


def test_template_round_trip(province):
    from imports.template import template_workbook

    workbook = template_workbook(date=D(2017, 12, 31))
    sheet = workbook["Biểu"]
    sheet.delete_rows(8, sheet.max_row)  # the example rows, as the template says to
    for row in mung_tung_rows():
        sheet.append(row)
    preview = read(workbook)
    assert entries(preview) == CANONICAL
    assert skipped(preview) == ["Hướng dẫn (no table of villages found)"]
    assert preview.extra_columns == []
    assert [c for c in sheet.iter_rows(min_row=5, max_row=7, values_only=True)] == [
        HEADER,
        SUBHEADER,
        ("A", "B", "C", "1", "2", "3", "4", "5", "6", "7"),
    ]
    assert sheet["A3"].value == DATE_LINE


def test_template_example_rows_read_as_they_say_and_are_refused_for_their_commune(province):
    from imports.template import template_workbook

    workbook = template_workbook(date=D(2017, 12, 31))
    sheet = workbook["Biểu"]
    assert [row[:7] for row in sheet.iter_rows(min_row=8, values_only=True)] == [
        ("1", "Xã Ví Dụ", None, None, None, None, None),
        (1, "Bản Ví Dụ 1", None, 14, 12, 2, "Có chi bộ độc lập"),
        (2, "Bản Ví Dụ 2", None, 2, 2, 0, "Sinh hoạt ghép"),
        (3, "Bản Ví Dụ 3", None, 0, 0, 0, "Chưa có đảng viên"),
        (None, "Cộng xã", None, 16, 14, 2, None),
    ]
    preview = report_preview(path_or_file=to_file(workbook))
    assert [issue.line() for issue in preview.errors] == [
        "Biểu, 8, B (Thôn, bản, TDP), Xã Ví Dụ, Xã Ví Dụ is not a commune of Tỉnh Điện Biên on "
        "31/12/2017."
    ]
