"""Reports as provincial staff write them after 1/7/2025: the commune in a column ("Xã, phường,
đặc khu") with a "Cộng" row per commune, a title naming a quarter and no date line. Each
workbook is written here with openpyxl, read by the real importer against a real database."""

import datetime

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from imports.services import report_preview
from tests.workbooks import to_file

pytestmark = pytest.mark.django_db

DATE_LINE = "Số liệu tính đến ngày 30/09/2025"
HEADER = ("STT", "Xã, phường, đặc khu", "Thôn, bản, tổ dân phố", "Số lượng ĐV", "Tình trạng")
MUONG_TUNG = [
    (1, "Xã Mường Tùng", "Bản Nậm Cang 1", 0, "Bản trắng"),
    (2, "Xã Mường Tùng", "Bản Huổi Lèng", 14, "Có chi bộ độc lập"),
    (3, "Xã Mường Tùng", "Bản Nậm Piền", 2, "Sinh hoạt ghép"),
    (4, "Xã Mường Tùng", "Bản Huổi Điết", 5, "Có chi bộ độc lập"),
]
NA_SANG = [(1, "Xã Na Sang", "Bản Na Sang 1", 7, "Có chi bộ độc lập")]


def commune_column_report(
    rows, *, title_date: str | None = DATE_LINE, title: str = "", issuer: str = "ĐIỆN BIÊN"
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Mường Chà cũ"
    sheet.append([f"BAN TỔ CHỨC TỈNH ỦY {issuer}"])
    sheet.append([title or "THỐNG KÊ THÔN, BẢN, TỔ DÂN PHỐ CÓ ĐẢNG VIÊN"])
    sheet.append([title_date])
    sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    return to_file(workbook)


def subtotal(commune, members):
    return (None, commune, "Cộng", members, None)


def errors_of(file, date=None) -> list[str]:
    return [issue.line() for issue in report_preview(path_or_file=file, date=date).errors]


# -- a commune's "Cộng" row, with the commune in a column


def test_commune_subtotals_after_their_rows_are_the_communes_sums(province, english):
    rows = [(None, "Tổng cộng", None, 28, None), *MUONG_TUNG, subtotal("Xã Mường Tùng", 21)]
    rows += [*NA_SANG, subtotal("Xã Na Sang", 7)]
    assert errors_of(commune_column_report(rows)) == []


def test_commune_subtotals_above_their_rows_are_the_communes_sums(province, english):
    rows = [subtotal("Xã Mường Tùng", 21), *MUONG_TUNG, subtotal("Xã Na Sang", 7), *NA_SANG]
    assert errors_of(commune_column_report(rows)) == []


def test_a_commune_subtotal_wrong_by_one_is_said_against_its_communes_sum(province, english):
    rows = [*MUONG_TUNG, subtotal("Xã Mường Tùng", 22), *NA_SANG, subtotal("Xã Na Sang", 7)]
    assert errors_of(commune_column_report(rows)) == [
        "Mường Chà cũ, 10, D (Số lượng ĐV), 22, Cộng gives 22, but the rows it covers add up to 21."
    ]


def misspelt(row):
    """A row of MUONG_TUNG with its commune misspelt."""
    return (row[0], "Xã Mường Tùnng", *row[2:])


REFUSED_COMMUNE = (
    "B (Xã, phường, đặc khu), Xã Mường Tùnng, Xã Mường Tùnng is not a commune of Tỉnh Điện "
    "Biên on 30/09/2025. Closest known names: Xã Mường Tùng."
)


@pytest.mark.parametrize("at", [1, 3])  # among the rows; next to the subtotal
def test_a_row_naming_a_misspelt_commune_gives_one_error_not_a_subtotal_too(province, english, at):
    """The misspelt row is refused; it splits the commune's rows and its members are missing
    from their sum, but the subtotal is right with it counted in: one mistake, one error."""
    rows = list(MUONG_TUNG)
    rows[at] = misspelt(rows[at])
    rows += [subtotal("Xã Mường Tùng", 21), *NA_SANG, subtotal("Xã Na Sang", 7)]
    assert errors_of(commune_column_report(rows)) == [f"Mường Chà cũ, {6 + at}, {REFUSED_COMMUNE}"]


def test_a_subtotal_wrong_beside_a_misspelt_commune_is_said_with_the_rows_it_covers(
    province, english
):
    """A subtotal that is wrong with the misspelt row counted in or not is a second mistake:
    said, against the sum of the commune's rows with the misspelt one."""
    rows = [subtotal("Xã Mường Tùng", 22), MUONG_TUNG[0], misspelt(MUONG_TUNG[1])]
    rows += [*MUONG_TUNG[2:], *NA_SANG, subtotal("Xã Na Sang", 7)]
    assert errors_of(commune_column_report(rows)) == [
        "Mường Chà cũ, 6, D (Số lượng ĐV), 22, Cộng gives 22, but the rows it covers add up to 21.",
        f"Mường Chà cũ, 8, {REFUSED_COMMUNE}",
    ]


# -- a title naming a quarter, and no date line


def test_a_quarter_not_yet_over_is_not_offered_as_the_date(province, english):
    """A report for a quarter not yet over (the fourth, written in early December): its last day
    would be refused as a date in the future, so the refusal asks for the day the figures are
    at instead of offering it."""
    year = timezone.localdate().year + 1
    title = f"BÁO CÁO THỐNG KÊ QUÝ I NĂM {year}"
    end = datetime.date(year, 3, 31)
    file = commune_column_report(MUONG_TUNG, title_date=None, title=title)
    assert errors_of(file) == [
        "The file has no reference date line (“Số liệu tính đến ngày …”) and no date "
        f"was given. Its title says “{title}”, a period that ends on {end:%d/%m/%Y}, after "
        "today: give the date the figures are at."
    ]


def test_a_quarter_over_is_offered_and_the_date_given_is_read(province, english):
    title = "BÁO CÁO QUÝ III NĂM 2025"
    file = commune_column_report(MUONG_TUNG, title_date=None, title=title)
    assert errors_of(file) == [
        "The file has no reference date line (“Số liệu tính đến ngày …”) and no date "
        f"was given. Its title says “{title}”: if the figures are those at the end of that "
        "period, give 30/09/2025 as the date of the report."
    ]
    assert errors_of(file, date=datetime.date(2025, 9, 30)) == []


# -- counts in messages, written as the cell and the pages write them


def test_a_subtotal_in_thousands_is_said_with_the_languages_separator(province):
    """Members typed as text with thousands separators ("1.406"): the message gives the
    subtotal and the sum as the language writes them, not a bare 1406 beside the cell's
    "1.406"."""
    rows = [
        (1, "Xã Mường Tùng", "Bản Huổi Lèng", "1.200", "Có chi bộ độc lập"),
        (2, "Xã Mường Tùng", "Bản Nậm Piền", "205", "Có chi bộ độc lập"),
        subtotal("Xã Mường Tùng", "1.406"),
    ]
    preview = report_preview(path_or_file=commune_column_report(rows))
    with translation.override("vi"):
        assert [issue.line() for issue in preview.errors] == [
            "Mường Chà cũ, 8, D (Số lượng ĐV), 1.406, Cộng ghi 1.406, nhưng các dòng thuộc mục "
            "này cộng lại là 1.405."
        ]
    with translation.override("en"):
        assert [issue.message for issue in preview.errors] == [
            "Cộng gives 1,406, but the rows it covers add up to 1,405."
        ]


# -- a report for a province whose units are not loaded


def test_a_report_of_a_province_not_loaded_is_refused_once_saying_so(province, english):
    """Lai Châu's report on a site holding Điện Biên only: one refusal naming the province and
    how its units are loaded, not "not a commune of Tỉnh Điện Biên" for every row."""
    file = commune_column_report(
        [
            (1, "Phường Đoàn Kết", "Tổ dân phố 1", 20, "Có chi bộ độc lập"),
            (2, "Xã Bình Lư", "Bản Bình Lư", 4, "Sinh hoạt ghép"),
        ],
        issuer="LAI CHÂU",
    )
    assert errors_of(file) == [
        "The title names Tỉnh Lai Châu, whose units are not loaded on this site, so its "
        "communes cannot be checked: ask an administrator to load them (“manage.py load_units "
        "--province 12”), then upload the file again."
    ]


def test_a_ward_unknown_is_not_called_a_xa_in_vietnamese(province):
    """ "Phường Đoàn Kết không phải là xã" reads as a ward mistaken for a rural commune: the
    message speaks of the commune level (xã, phường, đặc khu) as a whole."""
    rows = [(1, "Phường Đoàn Kết", "Tổ dân phố 1", 20, "Có chi bộ độc lập")]
    preview = report_preview(path_or_file=commune_column_report(rows))
    with translation.override("vi"):
        assert [issue.message for issue in preview.errors] == [
            "Phường Đoàn Kết không phải là đơn vị hành chính cấp xã thuộc Tỉnh Điện Biên tại "
            "ngày 30/09/2025."
        ]
