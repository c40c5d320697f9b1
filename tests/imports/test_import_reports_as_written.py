"""Reports as people write them after the reform, and from other provinces (issue 9 §2): columns
recognised by what their headers say, "Đặc khu" sections and village prefixes, status words,
messages in the units of the report's date, formulas in text cells; each read end to end."""

import datetime

import pytest
from django.utils import translation

from imports.services import report_preview
from tests.workbooks import (
    import_refused,
    placed_village,
    section,
    to_file,
    unit,
    village,
    village_report,
)
from units.models import REFORM_DATE, Level, Scheme, Status

pytestmark = pytest.mark.django_db
D = datetime.date
AFTER = "Số liệu tính đến ngày 30/9/2025"
NO_OPTIONS = {"subheader": None, "numbers": None}


pytestmark = [pytestmark, pytest.mark.usefixtures("english")]


def read(workbook, **options):
    preview = report_preview(path_or_file=to_file(workbook), **options)
    assert [issue.line() for issue in preview.errors] == []
    return preview


def statuses(preview) -> list[tuple]:
    return [(e.name, e.commune.name, e.status, e.members) for e in preview.villages.entries]


# ---------------------------------------------------------------------------- headers and words


def test_post_reform_headers_and_status_words(province):
    header = ["TT", "Xã, phường, đặc khu", "Tên thôn, tổ dân phố", "Số lượng đảng viên"]
    header += ["Trạng thái"]
    rows = [
        [1, "Xã Mường Tùng", "Bản Nậm Cang 1", 0, "Chưa có ĐV"],
        [2, "Mường Tùng", "Bản Huổi Lèng", 14, "Đã có chi bộ"],
        [3, "Xã Mường Tùng", "Bản Nậm Piền", 2, "Chưa có chi bộ (sinh hoạt ghép)"],
    ]
    preview = read(village_report(rows, header=header, date_line=AFTER, **NO_OPTIONS))
    assert statuses(preview) == [
        ("Bản Nậm Cang 1", "Xã Mường Tùng", Status.NO_MEMBERS, 0),
        ("Bản Huổi Lèng", "Xã Mường Tùng", Status.OWN_CELL, 14),
        ("Bản Nậm Piền", "Xã Mường Tùng", Status.JOINED, 2),
    ]
    assert preview.scope == province.muong_tung_2025
    assert preview.villages_new == 0
    assert preview.extra_columns == []


@pytest.mark.parametrize(
    ("commune", "village", "members"),
    [
        ("Xã, phường", "Thôn, bản, tổ dân phố, khu phố", "Số ĐV"),
        ("Đơn vị hành chính cấp xã", "Thôn, bản", "Tổng số đảng viên"),
        ("Xã/phường/đặc khu", "Tên thôn, bản", "SL đảng viên"),
    ],
)
def test_the_commune_village_and_member_columns_in_other_words(province, commune, village, members):
    header = ["STT", commune, village, members, "Tình trạng chi bộ"]
    rows = [[1, "Mường Tùng", "Bản Huổi Lèng", 14, "Có chi bộ độc lập"]]
    preview = read(village_report(rows, header=header, date_line=AFTER, **NO_OPTIONS))
    assert statuses(preview) == [("Bản Huổi Lèng", "Xã Mường Tùng", Status.OWN_CELL, 14)]


def test_special_zone_sections_and_village_prefixes(province):
    zone = unit(Scheme.GSO2025, Level.COMMUNE, "03290", "Đặc khu Cồn Cỏ", province.province_2025)
    known = {
        name: placed_village(name, zone, REFORM_DATE)
        for name in ("Khu phố 3", "Xóm Bãi", "Ấp Tân An", "Tổ 5")
    }
    rows = [
        section("I", "Đặc khu Cồn Cỏ"),
        village(1, "khu phố 3", 4, 4, 0, "Có chi bộ"),
        village(2, "Xóm  Bãi", 3, 3, 0, "Độc lập"),
        village(3, "Tân An", 1, 1, 0, "Ghép"),
        village(4, "Tổ 5", 0, 0, 0, "Trắng"),
        village(5, "Khu phố 4", 0, 0, 0, "Chưa có đảng viên"),
    ]
    preview = read(village_report(rows, date_line=AFTER))
    assert [(e.commune, e.village_id) for e in preview.villages.entries] == [
        (zone, known["Khu phố 3"].id),
        (zone, known["Xóm Bãi"].id),
        (zone, known["Ấp Tân An"].id),
        (zone, known["Tổ 5"].id),
        (zone, None),
    ]
    assert preview.villages_new == 1


# ---------------------------------------------------------------------------- refusals


def test_a_status_that_could_mean_two_is_refused_not_guessed(province):
    rows = [section("1", "Xã Mường Tùng"), village(1, "Bản Nậm Cang 1", 0, 0, 0, "Chưa có chi bộ")]
    assert import_refused(to_file(village_report(rows))) == [
        "Mường Chà, 9, G (Tình trạng chi bộ), Chưa có chi bộ, This status could mean “Sinh hoạt "
        'ghép” or “Chưa có đảng viên”: write "Có chi bộ độc lập", "Sinh hoạt ghép" or "Chưa có '
        'đảng viên".'
    ]


def test_after_the_reform_the_missing_commune_message_speaks_of_its_units(province):
    header = ["STT", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng chi bộ"]
    rows = [[1, "Bản Nậm Cang 1", 0, "Chưa có đảng viên"]]
    workbook = village_report(rows, header=header, date_line=AFTER, **NO_OPTIONS)
    assert import_refused(to_file(workbook)) == [
        "Mường Chà, 6, B (Thôn, bản, TDP), Bản Nậm Cang 1, No commune for this village: put it "
        "under a commune section row (“Xã …”) or fill the column “Xã, phường, đặc khu”."
    ]


def test_after_the_reform_an_ambiguous_name_asks_for_the_kinds_of_its_units(province):
    unit(Scheme.GSO2025, Level.COMMUNE, "03205", "Phường Na Sang", province.province_2025)
    rows = [section("I", "Na Sang"), village(1, "Bản Mới", 3, 3, 0, "Có chi bộ độc lập")]
    assert import_refused(to_file(village_report(rows, date_line=AFTER))) == [
        "Mường Chà, 8, B (Thôn, bản, TDP), Na Sang, Na Sang could be any of Phường Na Sang, Xã "
        "Na Sang: write the name with its kind (Xã, Phường…)."
    ]


def test_a_required_column_not_recognised_is_named_with_its_closest_field(province):
    header = ["STT", "Thôn, bản, TDP", "Số đảng viên hiện sinh hoạt", "Tình trạng chi bộ"]
    header += ["Người báo cáo"]
    rows = [section("1", "Xã Mường Tùng")[:2], [1, "Bản Huổi Lèng", 14, "Có chi bộ độc lập"]]
    workbook = village_report(rows, header=header, **NO_OPTIONS)
    assert import_refused(to_file(workbook)) == [
        "Mường Chà, 5, Required columns missing: Tổng số đảng viên. Columns found: STT, "
        "Thôn, bản, TDP, Tình trạng chi bộ. Headers not recognised, with the field each is "
        "closest to: C “Số đảng viên hiện sinh hoạt” (closest: Tổng số đảng viên); E “Người báo "
        "cáo” (close to no field)."
    ]


def test_a_text_cell_with_an_uncalculated_formula_gets_the_formula_message(province):
    rows = [
        section("1", "Xã Mường Tùng"),
        village(1, '=CONCATENATE("Bản ","Nậm Cang 1")', 0, 0, 0, "Chưa có đảng viên"),
        village(2, "Bản Huổi Lèng", 14, 12, 2, "Có chi bộ độc lập", host="=B9"),
    ]
    assert import_refused(to_file(village_report(rows))) == [
        "Mường Chà, 9, B (Thôn, bản, TDP), , This cell holds a formula with no calculated value: "
        "open and save the file in Excel first.",
        "Mường Chà, 10, H (Sinh hoạt ghép với), , This cell holds a formula with no calculated "
        "value: open and save the file in Excel first.",
    ]


def test_a_commune_cell_with_an_uncalculated_formula_gets_the_formula_message(province):
    header = ["STT", "Xã", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng chi bộ"]
    rows = [[1, '=UPPER("Mường Tùng")', "Bản Nậm Cang 1", 0, "Chưa có đảng viên"]]
    assert import_refused(to_file(village_report(rows, header=header, **NO_OPTIONS))) == [
        "Mường Chà, 6, B (Xã), , This cell holds a formula with no calculated value: open and "
        "save the file in Excel first."
    ]


# ---------------------------------------------------------------------------- any province


def test_a_report_of_another_province_is_read_in_that_province(province):
    lai_chau = unit(Scheme.GSO2004, Level.PROVINCE, "12", "Tỉnh Lai Châu", None)
    phong_tho = unit(Scheme.GSO2004, Level.DISTRICT, "105", "Huyện Phong Thổ", lai_chau)
    mu_sang = unit(Scheme.GSO2004, Level.COMMUNE, "03400", "Xã Mù Sang", phong_tho)
    village_there = placed_village("Bản Mù Sang", mu_sang, D(2015, 1, 1))
    rows = [
        section("I", "Huyện Phong Thổ"),
        section("1", "Xã Mù Sang"),
        village(1, "Bản Mù Sang", 5, 4, 1, "Có chi bộ độc lập"),
    ]
    title = ["BAN TỔ CHỨC TỈNH ỦY LAI CHÂU", "BIỂU THỐNG KÊ THÔN, BẢN"]
    preview = read(village_report(rows, title_lines=title, sheet_name="Phong Thổ"))
    assert preview.scope == mu_sang
    assert [e.village_id for e in preview.villages.entries] == [village_there.id]


def test_a_message_found_in_one_language_is_shown_in_the_other(province):
    rows = [section("1", "Xã Mường Tùng"), village(1, "Bản Nậm Cang 1", 0, 0, 0, "Chưa có chi bộ")]
    preview = report_preview(path_or_file=to_file(village_report(rows)))
    with translation.override("vi"):
        assert [issue.message for issue in preview.errors] == [
            "Tình trạng này có thể hiểu là “Sinh hoạt ghép” hoặc “Chưa có đảng viên”: hãy ghi "
            '"Có chi bộ độc lập", "Sinh hoạt ghép" hoặc "Chưa có đảng viên".'
        ]


# ---------------------------------------------------------------------- found using the import


def test_a_total_written_in_the_commune_column_is_a_total(province):
    """Issue 9, found by importing: with the commune in a column, staff write "Toàn tỉnh" in the
    first name column, the commune's, and leave the village's empty."""
    header = ["STT", "Đơn vị hành chính cấp xã", "Thôn, bản, tổ dân phố, khu phố", "Số lượng ĐV"]
    header += ["Tình trạng chi bộ"]
    rows = [
        [None, "Toàn tỉnh", None, 16, None],
        [1, "Xã Mường Tùng", "Bản Nậm Cang 1", 0, "Chưa có ĐV"],
        [2, "Xã Mường Tùng", "Bản Huổi Lèng", 14, "Đã có chi bộ"],
        [3, "Xã Mường Tùng", "Bản Nậm Piền", 2, "Chưa có chi bộ (sinh hoạt ghép)"],
    ]
    preview = read(village_report(rows, header=header, date_line=AFTER, **NO_OPTIONS))
    assert [e.name for e in preview.villages.entries] == [
        "Bản Nậm Cang 1",
        "Bản Huổi Lèng",
        "Bản Nậm Piền",
    ]


def test_a_total_in_the_commune_column_is_checked_against_the_rows(province):
    header = ["STT", "Xã, phường", "Thôn, bản", "Số lượng ĐV", "Tình trạng chi bộ"]
    rows = [
        [1, "Xã Mường Tùng", "Bản Huổi Lèng", 14, "Đã có chi bộ"],
        [2, "Xã Mường Tùng", "Bản Nậm Piền", 2, "Chưa có chi bộ (sinh hoạt ghép)"],
        [None, "Tổng cộng", None, 17, None],
    ]
    workbook = village_report(rows, header=header, date_line=AFTER, **NO_OPTIONS)
    assert import_refused(to_file(workbook)) == [
        "Mường Chà, 8, D (Số lượng ĐV), 17, Tổng cộng gives 17, but the rows it covers add up "
        "to 16."
    ]


def test_after_the_reform_a_township_is_refused_naming_the_commune_of_today(province):
    """There are no thị trấn from 1/7/2025 (docs/domain.md §4): a report naming one is not read
    silently as the commune of the same name, which also took in other communes."""
    rows = [section("I", "Thị trấn Mường Tùng"), village(1, "Bản Huổi Lèng", 14, 12, 2, "Có CB")]
    assert import_refused(to_file(village_report(rows, date_line=AFTER))) == [
        "Mường Chà, 8, B (Thôn, bản, TDP), Thị trấn Mường Tùng, There are no townships (thị "
        "trấn) from 1/7/2025: a report for 30/09/2025 names the commune as it is now, Xã Mường "
        "Tùng."
    ]


def test_after_the_reform_a_township_in_the_commune_column_is_refused(province):
    header = ["STT", "Xã, phường", "Thôn, bản", "Số lượng ĐV", "Tình trạng chi bộ"]
    rows = [[1, "TT Mường Tùng", "Bản Huổi Lèng", 14, "Đã có chi bộ"]]
    workbook = village_report(rows, header=header, date_line=AFTER, **NO_OPTIONS)
    assert import_refused(to_file(workbook)) == [
        "Mường Chà, 6, B (Xã, phường), TT Mường Tùng, There are no townships (thị trấn) from "
        "1/7/2025: a report for 30/09/2025 names the commune as it is now, Xã Mường Tùng."
    ]


def test_a_commune_column_not_recognised_is_said_once_with_its_closest_field(province):
    """Issue 9: the communes in a column whose header the importer does not read ("Địa bàn", a
    locality) and no section rows: one error naming the headers not recognised and the way to
    say which column is which, not one "no commune" a village."""
    header = ["STT", "Địa bàn", "Tên thôn, bản", "Số lượng đảng viên", "Hiện trạng"]
    header += ["Người theo dõi"]
    rows = [
        [1, "Xã Mường Tùng", "Bản Huổi Lèng", 14, "Độc lập", "Lò Văn A"],
        [2, "Xã Mường Tùng", "Bản Nậm Piền", 2, "Ghép", "Lò Văn A"],
    ]
    workbook = village_report(rows, header=header, date_line=AFTER, **NO_OPTIONS)
    assert import_refused(to_file(workbook)) == [
        "Mường Chà, 5, No commune for the villages of this sheet: no column reads as “Xã, "
        "phường, đặc khu” and no commune section row (“Xã …”) stands above them. Headers not "
        "recognised, with the field each is closest to: B “Địa bàn” (close to no field); F "
        "“Người theo dõi” (close to no field). Say which column holds the communes under "
        "“Which column is which” (on the command line: --column commune=LETTER)."
    ]


def test_villages_not_reported_that_share_a_name_are_told_apart_by_their_code(province):
    """A ward formed from several has a "Tổ dân phố 10" from each: the not-reported warning
    listed "Tổ dân phố 10, Tổ dân phố 10" (found importing part of Phường Điện Biên Phủ)."""
    for code in ("03145-10", "03148-10"):
        placed = placed_village("Tổ dân phố 10", province.muong_tung_2025, REFORM_DATE)
        placed.code = code
        placed.save()
    rows = [section("1", "Xã Mường Tùng"), village(1, "Bản Huổi Lèng", 14, 12, 2, "Có CB")]
    preview = read(village_report(rows, date_line=AFTER))
    [warning] = [
        issue.message for issue in preview.warnings if "not in this report" in issue.message
    ]
    assert warning.endswith(
        ": Tổ dân phố 10 (03145-10), Tổ dân phố 10 (03148-10), Bản Huổi Điết, Bản Nậm Cang 1, "
        "Bản Nậm Piền."
    )
