"""Everything docs/import-format.md says the importer "must refuse": one test per refusal, each with
the exact error (sheet, Excel row, column letter and header, value, message) and the database
left as it was. Files that are no workbook at all are in test_import_files.py.

The default report (tests/workbooks.py) has its header on rows 5–6, the column numbers on row 7,
"I | Huyện Mường Chà" on row 8, "1 | Xã Mường Tùng" on row 9, the villages Nậm Cang 1, Huổi Lèng
and Nậm Piền on rows 10–12 and "Cộng xã" on row 13.
"""

import datetime

import pytest

from imports.dates import period_end
from imports.services import report_import, report_preview
from tests.workbooks import (
    HEADER,
    JOINED,
    NONE,
    OWN,
    SUBHEADER,
    import_refused,
    section,
    to_file,
    village,
    village_report,
    village_sheet,
    with_cached_values,
)
from units.models import Village, VillageFigure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = datetime.date


def mung_tung(*villages, subtotal=None) -> list[list]:
    """Xã Mường Tùng's section rows followed by the given village rows (and subtotal)."""
    rows = [section("I", "Huyện Mường Chà"), section("1", "Xã Mường Tùng"), *villages]
    return rows + ([subtotal] if subtotal else [])


NAM_CANG = village(1, "Bản Nậm Cang 1", 0, 0, 0, NONE)
HUOI_LENG = village(2, "Bản Huổi Lèng", 14, 12, 2, OWN, admissions=1)
NAM_PIEN = village(3, "Bản Nậm Piền", 2, 2, 0, JOINED, host="Bản Huổi Lèng")


def refused(rows, **options) -> list[str]:
    date = options.pop("date", None)
    return import_refused(to_file(village_report(rows, **options)), date=date)


# ---------------------------------------------------------------------------- the header


def test_no_header_row_says_what_was_found_and_what_is_missing(province):
    header = ["Số", "Tên", "Ghi chú"]
    rows = [[1, "Bản Nậm Cang 1", None]]
    assert refused(rows, header=header, subheader=None, numbers=None) == [
        "No header row found in the first 30 rows of any sheet. Columns found: Ghi chú. "
        "Missing: Thôn, bản, TDP, Tổng số đảng viên, Tình trạng chi bộ (or the three columns Có "
        "chi bộ độc lập, Sinh hoạt ghép, Chưa có đảng viên)."
    ]


def test_required_field_missing_says_which_were_found(province):
    header = [h for h in HEADER if h != "Tổng số đảng viên"]
    subheader = [h for i, h in enumerate(SUBHEADER) if HEADER[i] != "Tổng số đảng viên"]
    rows = [[r[0], r[1], r[2], *r[4:]] for r in mung_tung(NAM_CANG)]
    assert refused(rows, header=header, subheader=subheader) == [
        "Mường Chà, 5, Required columns missing: Tổng số đảng viên. Columns found: STT, "
        "Thôn, bản, TDP, Mã thôn, Chính thức, Dự bị, Tình trạng chi bộ, Sinh hoạt ghép với, "
        "Kết nạp mới trong kỳ, Ghi chú."
    ]


def test_status_missing_when_only_some_mark_columns(province):
    header = ["STT", "Thôn, bản, TDP", "Tổng số đảng viên", "Có chi bộ độc lập", "Sinh hoạt ghép"]
    rows = [section("1", "Xã Mường Tùng")[:2], [1, "Bản Huổi Lèng", 14, "x", None]]
    assert refused(rows, header=header, subheader=None, numbers=None) == [
        "Mường Chà, 5, Required columns missing: Tình trạng chi bộ (or the three columns Có "
        "chi bộ độc lập, Sinh hoạt ghép, Chưa có đảng viên). Columns found: STT, Thôn, bản, TDP, "
        "Tổng số đảng viên."
    ]


# ---------------------------------------------------------------------------- the date


def test_reference_date_differs_from_the_date_given(province):
    assert refused(mung_tung(NAM_CANG), date=D(2018, 6, 30)) == [
        "Mường Chà, 3, A, Số liệu tính đến ngày 31/12/2017, The file is for 31/12/2017, not for "
        "30/06/2018 as given."
    ]


def test_reference_dates_differ_between_sheets(province):
    workbook = village_report(mung_tung(NAM_CANG))
    sheet = workbook.create_sheet("Tuần Giáo")
    village_sheet(
        sheet,
        [section("1", "Xã Quài Nưa"), village(1, "Bản Co Củ", 5, 4, 1, OWN)],
        date_line="Số liệu tính đến ngày 30/06/2018",
    )
    assert import_refused(to_file(workbook)) == [
        "Tuần Giáo, 3, A, Số liệu tính đến ngày 30/06/2018, This sheet is for 30/06/2018, another "
        "sheet for 31/12/2017."
    ]


def test_reference_date_in_the_future(province):
    rows = [section("1", "Xã Mường Tùng"), NAM_CANG]
    assert refused(rows, date_line="Số liệu tính đến ngày 31/12/2099") == [
        "Mường Chà, 3, A, Số liệu tính đến ngày 31/12/2099, The reference date 31/12/2099 is in "
        "the future."
    ]


def test_unreadable_reference_date(province):
    assert refused(mung_tung(NAM_CANG), date_line="Số liệu tính đến ngày 31/02/2017") == [
        "Mường Chà, 3, A, Số liệu tính đến ngày 31/02/2017, This reference date cannot be read: "
        "write it as dd/mm/yyyy."
    ]


def test_no_reference_date_at_all(province):
    assert refused(mung_tung(NAM_CANG), date_line=None) == [
        "The file has no reference date line (“Số liệu tính đến ngày …”) and no date was "
        "given: give the date of the report."
    ]


@pytest.mark.parametrize(
    ("title", "end"),
    [
        ("BÁO CÁO QUÝ IV NĂM 2017", "31/12/2017"),
        ("Biểu thống kê quý 4/2017", "31/12/2017"),
        ("Báo cáo 6 tháng đầu năm 2017", "30/06/2017"),
        ("KẾT QUẢ 9 THÁNG NĂM 2017", "30/09/2017"),
    ],
)
def test_no_reference_date_but_a_period_in_the_title_offers_its_end(province, title, end):
    """The period's end is offered, never taken: the figures may be at another of its days."""
    rows = mung_tung(NAM_CANG)
    assert refused(rows, title_lines=["BAN TỔ CHỨC TỈNH ỦY ĐIỆN BIÊN", title], date_line=None) == [
        "The file has no reference date line (“Số liệu tính đến ngày …”) and no date was "
        f"given. Its title says “{title}”: if the figures are those at the end of that period, "
        f"give {end} as the date of the report."
    ]


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("BÁO CÁO QUÝ III NĂM 2026", D(2026, 9, 30)),
        ("Quý 4/2025", D(2025, 12, 31)),
        ("Quý IV - 2017", D(2017, 12, 31)),
        ("QUÝ II/2019", D(2019, 6, 30)),
        ("quý 1 năm 2024", D(2024, 3, 31)),
        ("Quy ii nam 2023", D(2023, 6, 30)),  # typed without diacritics
        ("Sơ kết 6 tháng đầu năm 2026", D(2026, 6, 30)),
        ("9 tháng năm 2025", D(2025, 9, 30)),
        ("3 THÁNG ĐẦU NĂM 2018", D(2018, 3, 31)),
        ("BIỂU THỐNG KÊ THÔN, BẢN", None),
        ("Số liệu năm 2026", None),  # a year: no period end to offer
        ("Thực hiện Quy định 12 năm 2026", None),
        ("Kế hoạch quý tới", None),
        ("12 tháng năm 2025", None),
    ],
)
def test_the_period_a_title_names(text, end):
    assert period_end(text) == end


def test_a_period_in_the_title_and_its_end_given_is_imported(province):
    title_lines = ["BAN TỔ CHỨC TỈNH ỦY ĐIỆN BIÊN", "BÁO CÁO QUÝ IV NĂM 2017"]
    file = to_file(village_report(mung_tung(NAM_CANG), title_lines=title_lines, date_line=None))
    preview = report_preview(path_or_file=file, date=D(2017, 12, 31))
    assert preview.errors == []
    assert report_import(preview=preview).date == D(2017, 12, 31)


# ---------------------------------------------------------------------------- units


def test_unknown_commune_with_the_closest_names(province):
    rows = [section("I", "Huyện Mường Chà"), section("1", "Xã Mường Tùnh"), NAM_CANG]
    assert refused(rows) == [
        "Mường Chà, 9, B (Thôn, bản, TDP), Xã Mường Tùnh, Xã Mường Tùnh is not a commune of "
        "Huyện Mường Chà on 31/12/2017. Closest known names: Xã Mường Tùng."
    ]


def test_unknown_commune_without_close_names(province):
    rows = [section("I", "Huyện Mường Chà"), section("1", "Xã Pa Ham"), NAM_CANG]
    assert refused(rows) == [
        "Mường Chà, 9, B (Thôn, bản, TDP), Xã Pa Ham, Xã Pa Ham is not a commune of Huyện Mường "
        "Chà on 31/12/2017."
    ]


def test_commune_of_another_district(province):
    rows = [section("I", "Huyện Mường Chà"), section("1", "Xã Quài Nưa"), NAM_CANG]
    assert refused(rows) == [
        "Mường Chà, 9, B (Thôn, bản, TDP), Xã Quài Nưa, Xã Quài Nưa is not a commune of Huyện "
        "Mường Chà on 31/12/2017."
    ]


def test_commune_unknown_at_the_date(province):
    # Xã Na Sang exists only from 1/7/2025 in this province.
    rows = [section("I", "Huyện Mường Chà"), section("1", "Xã Na Sang"), NAM_CANG]
    assert refused(rows) == [
        "Mường Chà, 9, B (Thôn, bản, TDP), Xã Na Sang, Xã Na Sang is not a commune of Huyện "
        "Mường Chà on 31/12/2017."
    ]


def test_unknown_district_with_the_closest_names(province):
    rows = [section("I", "Huyện Mường Chàa"), section("1", "Xã Mường Tùng"), NAM_CANG]
    assert refused(rows) == [
        "Mường Chà, 8, B (Thôn, bản, TDP), Huyện Mường Chàa, Huyện Mường Chàa is not a district "
        "of Tỉnh Điện Biên on 31/12/2017. Closest known names: Huyện Mường Chà."
    ]


def test_district_given_for_a_date_after_the_reform(province):
    rows = mung_tung(NAM_CANG)
    assert refused(rows, date_line="Số liệu tính đến ngày 30/09/2025") == [
        "Mường Chà, 8, B (Thôn, bản, TDP), Huyện Mường Chà, There are no districts from "
        "1/7/2025: a report for 30/09/2025 lists communes directly."
    ]


def test_district_column_after_the_reform(province):
    """Refused (a district after 1/7/2025 may mean a misdated report), saying how to leave the
    column out: staff keep the former district beside the commune, and the report does list
    communes (found importing one)."""
    header = ["STT", "Huyện", "Xã", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng"]
    rows = [[1, "Huyện Mường Chà", "Xã Mường Tùng", "Bản Nậm Cang 1", 0, NONE]]
    options = {"header": header, "subheader": None, "numbers": None}
    assert refused(rows, date_line="Số liệu tính đến ngày 30/09/2025", **options) == [
        "Mường Chà, 6, B (Huyện), Huyện Mường Chà, There are no districts from 1/7/2025: a "
        "report for 30/09/2025 names communes, wards and special zones only. If this column "
        "only recalls the former districts, delete it, or choose “— not imported —” for it "
        "under “Which column is which”."
    ]


def test_village_with_no_commune(province):
    header = ["STT", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng chi bộ"]
    rows = [[1, "Bản Nậm Cang 1", 0, NONE]]
    assert refused(rows, header=header, subheader=None, numbers=None) == [
        "Mường Chà, 6, B (Thôn, bản, TDP), Bản Nậm Cang 1, No commune for this village: put it "
        "under a commune section row (“Xã …”) or fill the column “Xã, phường, thị trấn”."
    ]


# ---------------------------------------------------------------------------- villages


def test_same_village_twice(province):
    again = village(4, "Nậm Cang 1", 0, 0, 0, NONE)  # the same village, without its kind
    assert refused(mung_tung(NAM_CANG, HUOI_LENG, again)) == [
        "Mường Chà, 12, B (Thôn, bản, TDP), Nậm Cang 1, Nậm Cang 1 appears twice in this report "
        "for Xã Mường Tùng (first in sheet Mường Chà, row 10)."
    ]


def test_same_new_village_twice(province):
    new = village(4, "Bản Mới", 3, 3, 0, OWN)
    assert refused(mung_tung(NAM_CANG, new, new)) == [
        "Mường Chà, 12, B (Thôn, bản, TDP), Bản Mới, Bản Mới appears twice in this report for Xã "
        "Mường Tùng (first in sheet Mường Chà, row 11)."
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "A count cannot be negative."),
        ("-1", "A count cannot be negative."),
        (2.5, "A count must be a whole number."),
        ("2,5", "A count must be a whole number."),
        ("một", "This is not a number."),
        ("12a", "This is not a number."),
        (10**8, "A count cannot be larger than 10,000,000."),
        ("100.000.000", "A count cannot be larger than 10,000,000."),
        (10**20, "A count cannot be larger than 10,000,000."),
    ],
)
def test_count_that_is_negative_fractional_or_not_a_number(province, value, message):
    bad = village(2, "Bản Huổi Lèng", 14, 12, 2, OWN, admissions=value)
    assert refused(mung_tung(NAM_CANG, bad)) == [
        f"Mường Chà, 11, I (Kết nạp mới trong kỳ), {value}, {message}"
    ]


def test_bad_member_count_is_not_checked_again_against_its_parts(province):
    bad = village(2, "Bản Huổi Lèng", "mười bốn", 12, 2, OWN)
    subtotal = [None, "Cộng xã", None, 16, 12, 2, None, None, 0]  # 16 is not checked
    assert refused(mung_tung(NAM_CANG, bad, subtotal=subtotal)) == [
        "Mường Chà, 11, D (Tổng số đảng viên), mười bốn, This is not a number."
    ]


def test_count_past_any_membership_is_refused_not_summed(province):
    """A cell of 10**20 members once came out of a subtotal's sum as a negative number."""
    bad = village(2, "Bản Huổi Lèng", 10**20, 12, 2, OWN)
    subtotal = [None, "Cộng xã", None, 16, 12, 2, None, None, 0]  # 16 is not checked
    assert refused(mung_tung(NAM_CANG, bad, subtotal=subtotal)) == [
        "Mường Chà, 11, D (Tổng số đảng viên), 100000000000000000000, A count cannot be larger "
        "than 10,000,000."
    ]


LONG_NAME = "Bản " + "Nậm Cang " * 14  # 4 + 126 characters, tidied to 129


def test_name_code_or_host_longer_than_kept_is_refused(province):
    """Cut to what the database keeps, the village would not be found by its name or code in
    the next report, and be created again each time."""
    rows = [
        village(1, LONG_NAME, 0, 0, 0, NONE),
        village(2, "Bản Huổi Lèng", 14, 12, 2, OWN, code="03172-01-HUOI-LENG-2017"),
        village(3, "Bản Nậm Piền", 2, 2, 0, JOINED, host=LONG_NAME),
    ]
    name = LONG_NAME.strip()
    assert refused(mung_tung(*rows)) == [
        f"Mường Chà, 10, B (Thôn, bản, TDP), {name}, A village name cannot be longer than 120 "
        "characters; this one has 129.",
        "Mường Chà, 11, C (Mã thôn), 03172-01-HUOI-LENG-2017, A village code cannot be longer "
        "than 20 characters; this one has 23.",
        f"Mường Chà, 12, H (Sinh hoạt ghép với), {name}, A village name cannot be longer than "
        "120 characters; this one has 129.",
    ]


def test_name_and_code_as_long_as_kept_are_imported_and_found_again(province):
    name, code = "Bản " + "N" * 116, "03172-01-HUOI-LENG-1"  # 120 and 20 characters
    rows = mung_tung(village(1, name, 3, 3, 0, OWN, code=code))
    for date_line in ("Số liệu tính đến ngày 31/12/2017", "Số liệu tính đến ngày 31/12/2018"):
        file = to_file(village_report(rows, date_line=date_line))
        preview = report_preview(path_or_file=file)
        assert preview.errors == []
        report_import(preview=preview)
    assert list(Village.objects.filter(code=code).values_list("name", flat=True)) == [name]
    assert VillageFigure.objects.filter(village__code=code).count() == 2


def test_full_plus_probationary_differs_from_members(province):
    bad = village(2, "Bản Huổi Lèng", 14, 12, 1, OWN)
    assert refused(mung_tung(NAM_CANG, bad)) == [
        "Mường Chà, 11, D (Tổng số đảng viên), 14, Full members (12) plus probationary members "
        "(1) make 13, not the 14 members given."
    ]


def test_status_no_members_with_members(province):
    bad = village(1, "Bản Nậm Cang 1", 1, 1, 0, NONE)
    assert refused(mung_tung(bad)) == [
        'Mường Chà, 10, G (Tình trạng chi bộ), Chưa có đảng viên, Status "no members" but 1 '
        "member is given."
    ]


def test_status_own_cell_with_fewer_than_three_full_members(province):
    bad = village(2, "Bản Huổi Lèng", 3, 2, 1, OWN)
    assert refused(mung_tung(bad)) == [
        'Mường Chà, 10, G (Tình trạng chi bộ), Có chi bộ độc lập, Status "own cell" needs at '
        "least 3 full members; this row gives 2."
    ]


def test_status_own_cell_with_fewer_than_three_members_when_full_is_not_given(province):
    header = ["STT", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng chi bộ"]
    rows = [section("1", "Xã Mường Tùng")[:2], [1, "Bản Huổi Lèng", 2, OWN]]
    assert refused(rows, header=header, subheader=None, numbers=None) == [
        'Mường Chà, 7, D (Tình trạng chi bộ), Có chi bộ độc lập, Status "own cell" needs at '
        "least 3 full members; this row gives 2."
    ]


def test_status_joined_without_members(province):
    bad = village(3, "Bản Nậm Piền", 0, 0, 0, JOINED)
    assert refused(mung_tung(bad)) == [
        'Mường Chà, 10, G (Tình trạng chi bộ), Sinh hoạt ghép, Status "joined" but no members '
        "are given."
    ]


def test_no_status_at_all(province):
    bad = village(2, "Bản Huổi Lèng", 14, 12, 2, None)
    assert refused(mung_tung(bad)) == [
        "Mường Chà, 10, G (Tình trạng chi bộ), , No status given for this village."
    ]


def test_unknown_status_text(province):
    bad = village(2, "Bản Huổi Lèng", 14, 12, 2, "Tốt")
    assert refused(mung_tung(bad)) == [
        'Mường Chà, 10, G (Tình trạng chi bộ), Tốt, Unknown status: write "Có chi bộ độc lập", '
        '"Sinh hoạt ghép" or "Chưa có đảng viên".'
    ]


MARK_HEADER = ["STT", "Thôn, bản, TDP", "Tổng số đảng viên", "Có chi bộ độc lập"]
MARK_HEADER += ["Sinh hoạt ghép", "Chưa có đảng viên"]


def test_no_mark_at_all(province):
    rows = [section("1", "Xã Mường Tùng")[:2], [1, "Bản Huổi Lèng", 14, None, None, None]]
    assert refused(rows, header=MARK_HEADER, subheader=None, numbers=None) == [
        "Mường Chà, 7, D (Có chi bộ độc lập), , No status given for this village."
    ]


def test_two_marks(province):
    rows = [section("1", "Xã Mường Tùng")[:2], [1, "Bản Huổi Lèng", 14, "x", "x", None]]
    assert refused(rows, header=MARK_HEADER, subheader=None, numbers=None) == [
        "Mường Chà, 7, E (Sinh hoạt ghép), x, More than one status is marked for this village."
    ]


def test_unknown_mark(province):
    rows = [section("1", "Xã Mường Tùng")[:2], [1, "Bản Huổi Lèng", 14, "có", None, None]]
    assert refused(rows, header=MARK_HEADER, subheader=None, numbers=None) == [
        "Mường Chà, 7, D (Có chi bộ độc lập), có, Mark a status column with x, X, ✓ or 1, and "
        "leave the others empty."
    ]


# ---------------------------------------------------------------------------- subtotals


def test_subtotal_at_the_end_differs_from_its_rows(province):
    subtotal = [None, "Cộng xã", None, 17, 14, 2, None, None, 1]
    assert refused(mung_tung(NAM_CANG, HUOI_LENG, NAM_PIEN, subtotal=subtotal)) == [
        "Mường Chà, 13, D (Tổng số đảng viên), 17, Cộng xã gives 17, but the rows it covers add "
        "up to 16."
    ]


def test_section_row_subtotal_differs_from_its_rows(province):
    rows = [
        section("I", "Huyện Mường Chà", 16, 14, 2, 1),
        section("1", "Xã Mường Tùng", 16, 13, 2, 1),
        NAM_CANG,
        HUOI_LENG,
        NAM_PIEN,
    ]
    assert refused(rows) == [
        "Mường Chà, 9, E (Chính thức), 13, Xã Mường Tùng gives 13, but the rows it covers add "
        "up to 14."
    ]


def test_grand_total_at_the_top_differs(province):
    rows = [["TỔNG CỘNG", None, None, 20, 14, 2, None, None, 1], *mung_tung(NAM_CANG, HUOI_LENG)]
    rows.append(NAM_PIEN)
    assert refused(rows) == [
        "Mường Chà, 8, D (Tổng số đảng viên), 20, TỔNG CỘNG gives 20, but the rows it covers add "
        "up to 16."
    ]


def test_mark_subtotal_counts_marked_rows(province):
    rows = [
        section("1", "Xã Mường Tùng")[:2],
        [1, "Bản Nậm Cang 1", 0, None, None, "x"],
        [2, "Bản Huổi Lèng", 14, "x", None, None],
        [None, "Cộng", 14, 2, 0, 1],
    ]
    assert refused(rows, header=MARK_HEADER, subheader=None, numbers=None) == [
        "Mường Chà, 9, D (Có chi bộ độc lập), 2, Cộng gives 2, but the rows it covers add up to 1."
    ]


# ---------------------------------------------------------------------------- formulas


def test_formula_with_no_cached_value(province):
    bad = village(2, "Bản Huổi Lèng", "=E11+F11", 12, 2, OWN, admissions=1)
    subtotal = [None, "Cộng xã", None, "=SUM(D10:D11)", 12, 2, None, None, 1]
    assert refused(mung_tung(NAM_CANG, bad, subtotal=subtotal)) == [
        "Mường Chà, 11, D (Tổng số đảng viên), , This cell holds a formula with no calculated "
        "value: open and save the file in Excel first.",
        "Mường Chà, 12, D (Tổng số đảng viên), , This cell holds a formula with no calculated "
        "value: open and save the file in Excel first.",
    ]


@pytest.mark.parametrize(
    ("cell", "error", "column"),
    [("D11", "#REF!", "D (Tổng số đảng viên)"), ("G11", "#VALUE!", "G (Tình trạng chi bộ)")],
)
def test_a_formula_showing_an_error_is_said_once_with_its_error(province, cell, error, column):
    """A formula Excel shows as #REF! or #VALUE! (python-calamine reads it as an empty cell):
    one error naming it, not "0 members" against the full and probationary ones, a subtotal
    that differs, "no status", nor its village listed as not reported too."""
    bad = village(2, "Bản Huổi Lèng", 14, 12, 2, OWN, admissions=1)
    bad[3 if cell[0] == "D" else 6] = "=E11+F11"
    subtotal = [None, "Cộng xã", None, 16, 14, 2, None, None, 1]
    workbook = village_report(mung_tung(NAM_CANG, bad, NAM_PIEN, subtotal=subtotal))
    file = with_cached_values(to_file(workbook), {cell: error}, result_type="e")
    preview = report_preview(path_or_file=file)
    assert [issue.line() for issue in preview.errors] == [
        f"Mường Chà, 11, {column}, {error}, This cell shows the error {error} instead of a value: "
        "correct its formula in Excel and save the file again."
    ]
    assert [issue.message for issue in preview.warnings] == [
        "1 village of Xã Mường Tùng is not in this report and stays not reported on 31/12/2017: "
        "Bản Huổi Điết."
    ]


def test_a_village_refused_for_its_figures_is_not_also_said_not_reported(province):
    bad = village(2, "Bản Huổi Lèng", 14, 12, 1, OWN, admissions=1)
    preview = report_preview(path_or_file=to_file(village_report(mung_tung(NAM_CANG, bad))))
    assert len(preview.errors) == 1
    assert [issue.message for issue in preview.warnings] == [
        "2 villages of Xã Mường Tùng are not in this report and stay not reported on 31/12/2017: "
        "Bản Huổi Điết, Bản Nậm Piền."
    ]


# ---------------------------------------------------------------------------- all of them


def test_one_run_lists_every_error(province):
    rows = mung_tung(
        village(1, "Bản Nậm Cang 1", 1, 1, 0, NONE),
        village(2, "Bản Huổi Lèng", 14, 12, 1, OWN),
        village(3, "Bản Nậm Piền", 2, 2, 0, "Tốt"),
    )
    assert len(refused(rows)) == 3
