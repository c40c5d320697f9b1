"""The coverage table `/coverage/` (issue 4): filters, totals, sorting, pages and exports."""

import csv
import datetime
import html as html_lib
import io
import json
import re
from urllib.parse import urlencode

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.demo_snapshot import dien_bien
from units.domain.coverage import coverage_rebuild, period_for_date
from units.domain.names import name_key, sort_key
from units.models import Level, Scheme, Status, Unit, Village, VillageFigure, VillagePlacement
from units.web.exports import neutralise

D = datetime.date
pytestmark = pytest.mark.django_db
URL = "/coverage/"


def old_unit(level: str, name: str) -> Unit:
    return Unit.objects.get(scheme=Scheme.GSO2004, level=level, name=name)


def get(client, query: str, language: str = "vi", status: int = 200):
    client.cookies["django_language"] = language
    response = client.get(URL + query)
    assert response.status_code == status, (query, response.status_code)
    return response


def page_html(client, query: str, language: str = "vi") -> str:
    return get(client, query, language).content.decode()


def cell_text(cell: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).strip()


def html_rows(html: str) -> list[list[str]]:
    """The body rows of the table, each as its cells' text (row header first)."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    if body is None:
        return []
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [[cell_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]


def html_totals(html: str) -> list[str]:
    row = re.search(r'<tr id="totals">(.*?)</tr>', html, re.S).group(1)
    return [cell_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def csv_content(client, query: str, language: str = "vi") -> tuple[str, list[list[str]]]:
    """The raw text (with its BOM) and its rows, the header first."""
    response = get(client, query + "&format=csv", language)
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def json_content(client, query: str) -> dict:
    response = get(client, query + "&format=json")
    return json.loads(b"".join(response.streaming_content))


def xlsx_sheet(client, query: str):
    response = get(client, query + "&format=xlsx")
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def number(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


# Filters ----------------------------------------------------------------------------------------


def test_white_villages_at_the_end_of_2017_are_the_articles_23(client, demo):
    query = f"?date=2017-12-31&province={dien_bien().id}&group=village&status=no_members"
    html = page_html(client, query)
    rows = html_rows(html)
    assert len(rows) == 23
    assert {row[4] for row in rows} == {"Chưa có đảng viên"} and {row[5] for row in rows} == {"0"}
    assert "23 thôn, bản trong bảng" in cell_text(
        re.search(r'id="denominator">(.*?)</p>', html, re.S).group(1)
    )


def test_one_row_per_district_gives_ten_rows_over_1813_villages(client, demo):
    html = page_html(client, "?date=2017-12-31&group=district")
    rows = html_rows(html)
    assert len(rows) == 10 and all(
        row[0].startswith(("Huyện", "Thị xã", "Thành phố")) for row in rows
    )
    assert sum(number(row[2]) for row in rows) == 1813
    totals = html_totals(html)
    assert totals[0] == "Tổng cộng" and number(totals[2]) == 1813 and number(totals[5]) == 23


def test_name_search_ignores_diacritics_and_case(client, demo):
    for text in ("nam cang", "NẬM CANG", "bản nậm  cang"):
        names = [
            row[0]
            for row in html_rows(page_html(client, f"?date=2017-12-31&group=village&q={text}"))
        ]
        assert names == ["Bản Nậm Cang 1", "Bản Nậm Cang 2"], text
    communes = html_rows(page_html(client, "?date=2017-12-31&group=commune&q=muong tung"))
    assert [row[0] for row in communes] == ["Xã Mường Tùng"]


def test_district_and_commune_filters_narrow_the_rows(client, demo):
    district = old_unit(Level.DISTRICT, "Huyện Mường Chà")
    communes = html_rows(
        page_html(client, f"?date=2017-12-31&group=commune&district={district.id}")
    )
    expected = Unit.objects.filter(parent=district).valid_on(D(2017, 12, 31)).count()
    assert len(communes) == expected and {row[1] for row in communes} == {"Huyện Mường Chà"}

    commune = old_unit(Level.COMMUNE, "Xã Mường Tùng")
    data = json_content(client, f"?date=2017-12-31&group=village&commune={commune.id}")
    coverage = commune.coverage.get(period__date=D(2017, 12, 31))
    assert len(data["rows"]) == data["totals"]["villages"] == coverage.villages
    assert {row["commune"] for row in data["rows"]} == {"Xã Mường Tùng"}
    # With one row per district, a commune picks the row of its district.
    rows = html_rows(page_html(client, f"?date=2017-12-31&group=district&commune={commune.id}"))
    assert [row[0] for row in rows] == ["Huyện Mường Chà"]


def test_member_range_keeps_villages_within_it(client, demo):
    data = json_content(client, "?date=2017-12-31&group=village&members_min=10&members_max=12")
    members = [row["members"] for row in data["rows"]]
    assert members and all(10 <= m <= 12 for m in members)
    assert data["filters"]["members_min"] == 10 and data["filters"]["members_max"] == 12


def html_headers(html: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    return [cell_text(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]


def test_after_the_reform_communes_sit_directly_under_the_province(client, demo):
    html = page_html(client, "?date=2025-09-30&group=commune")
    rows = html_rows(html)
    assert len(rows) == 45 and {row[1] for row in rows} == {"Tỉnh Điện Biên"}
    assert html_headers(html)[:2] == ["Xã, phường, đặc khu", "Tỉnh"]
    assert html_rows(page_html(client, "?date=2025-09-30&group=district")) == []


@pytest.mark.parametrize(
    ("date", "heading"),
    [("2025-09-30", "Xã, phường, đặc khu"), ("2024-12-31", "Xã, phường, thị trấn")],
)
def test_the_commune_column_and_caption_name_the_kinds_of_commune_at_the_date(
    client, demo, date, heading
):
    """Found browsing 30/9/2025: "Xã" headed a column of wards (phường) too."""
    html = page_html(client, f"?date={date}&group=village")
    assert html_headers(html)[1] == heading
    html = page_html(client, f"?date={date}&group=commune")
    assert html_headers(html)[0] == heading
    assert f"theo {heading.lower()} tại" in html  # the caption: "Thôn, bản theo xã, phường, …"


def test_a_page_after_the_reform_speaks_of_no_district_nor_township(client, demo):
    province = Unit.objects.get(scheme=Scheme.GSO2025, level=Level.PROVINCE, code="11")
    for url in (f"/u/{province.id}/?date=2025-09-30", "/coverage/?date=2025-09-30&group=village"):
        client.cookies["django_language"] = "vi"
        text = re.sub(r"<[^>]+>", " ", client.get(url).content.decode()).lower()
        assert "thị trấn" not in text, url
        assert "huyện" not in text.replace("cấp huyện", ""), url


@pytest.mark.parametrize("group", ["village", "commune"])
def test_after_the_reform_the_page_has_no_district_column_as_its_exports(client, demo, group):
    query = f"?date=2025-09-30&group={group}"
    headers = html_headers(page_html(client, query))
    _, rows = csv_content(client, query)
    assert "Huyện" not in headers and "Huyện" not in rows[0]
    assert len(headers) == len(html_rows(page_html(client, query))[0])
    before = html_headers(page_html(client, f"?date=2025-06-30&group={group}"))
    assert "Huyện, thị xã, thành phố" in before


def test_default_date_is_the_latest_and_the_permalink_names_it(client, demo):
    html = page_html(client, "")
    assert '<option value="2026-09-30" selected>' in html
    assert 'id="permalink">' in html and "date=2026-09-30" in re.search(
        r'href="([^"]+)" id="permalink"', html
    ).group(1)


# Not reported -----------------------------------------------------------------------------------


@pytest.fixture
def partly_reported(demo):
    """Mường Tùng at 31/12/2017 with two villages' figures deleted and one reported as missing."""
    commune = old_unit(Level.COMMUNE, "Xã Mường Tùng")
    period = period_for_date(D(2017, 12, 31))
    figures = VillageFigure.objects.filter(commune=commune, period=period).order_by("village__name")
    deleted = list(figures[:2])
    explicit = figures[2]
    VillageFigure.objects.filter(pk__in=[f.pk for f in deleted]).delete()
    VillageFigure.objects.filter(pk=explicit.pk).update(
        status=Status.NOT_REPORTED, members=None, full_members=None, probationary_members=None
    )
    coverage_rebuild(periods=[period])
    names = {f.village.name for f in deleted} | {explicit.village.name}
    return commune, names


def test_not_reported_villages_show_as_such_never_as_zero(client, partly_reported):
    commune, names = partly_reported
    query = f"?date=2017-12-31&group=village&commune={commune.id}"
    rows = {row[0]: row for row in html_rows(page_html(client, query))}
    for name in names:
        assert rows[name][4:] == ["Chưa báo cáo", "—"]
    english = {row[0]: row for row in html_rows(page_html(client, query, "en"))}
    assert english[next(iter(names))][4:] == ["Not reported", "—"]

    missing = html_rows(page_html(client, query + "&status=not_reported"))
    assert {row[0] for row in missing} == names
    data = json_content(client, query + "&status=not_reported")
    assert {(r["status"], r["members"]) for r in data["rows"]} == {("not_reported", None)}
    assert data["totals"]["not_reported"] == data["totals"]["villages"] == 3
    _, csv_rows = csv_content(client, query + "&status=not_reported")
    assert {(row[8], row[9]) for row in csv_rows[1:-1]} == {("Chưa báo cáo", "")}
    sheet = xlsx_sheet(client, query + "&status=not_reported")
    xlsx_rows = list(sheet.iter_rows(min_row=4, values_only=True))[:-1]  # title, source, header
    assert {(row[8], row[9]) for row in xlsx_rows} == {("Chưa báo cáo", None)}
    assert csv_rows[-1][7:] == [
        "Tổng cộng",
        "3 thôn, bản: 0 có chi bộ độc lập, 0 sinh hoạt ghép, 0 chưa có đảng viên, 3 chưa báo cáo",
        "",  # no village reported: no members, never 0
    ]

    html = page_html(client, "?date=2017-12-31&group=commune&status=not_reported")
    assert [(row[0], row[7]) for row in html_rows(html)] == [("Xã Mường Tùng", "3")]
    assert 'id="status-note"' in html  # says the unit rows count all their villages


# Sorting and pages ------------------------------------------------------------------------------


def test_sorting_by_members_descending(client, demo):
    district = old_unit(Level.DISTRICT, "Huyện Mường Chà")
    query = f"?date=2017-12-31&group=village&district={district.id}&sort=-members"
    html = page_html(client, query)
    members = [number(row[5]) for row in html_rows(html)]
    assert members == sorted(members, reverse=True) and members[0] > members[-1]
    assert 'aria-sort="descending"><a href="?' in html
    # The column's link now asks for ascending order, keeping the filters.
    link = re.search(r'aria-sort="descending"><a href="([^"]+)"', html).group(1)
    assert f"district={district.id}" in link and "sort=members" in html_lib.unescape(link)

    ascending = [
        number(r[5]) for r in html_rows(page_html(client, query.replace("-members", "members")))
    ]
    assert ascending == sorted(ascending)


def test_sorting_by_status_follows_coverage_not_the_codes(client, demo):
    """Sorted by status, the villages came in the alphabetical order of the codes: joined,
    no_members, not_reported, own_cell, which no reader can guess. Ascending is now from the
    best to the worst (the order of the table's columns) and descending the other way; a
    village not reported is last either way, as every unknown value is."""
    district = old_unit(Level.DISTRICT, "Huyện Mường Ảng")
    figure = VillageFigure.objects.filter(
        district=district, period=period_for_date(D(2017, 12, 31)), status="own_cell"
    ).first()
    VillageFigure.objects.filter(pk=figure.pk).update(
        status="not_reported", members=None, full_members=None, probationary_members=None,
        admissions=None,
    )  # fmt: skip
    query = f"?date=2017-12-31&group=village&district={district.id}&sort="
    for sort, order in (
        ("status", ["own_cell", "joined", "no_members", "not_reported"]),
        ("-status", ["no_members", "joined", "own_cell", "not_reported"]),
    ):
        rows = json_content(client, query + sort)["rows"]
        assert list(dict.fromkeys(row["status"] for row in rows)) == order, sort


def test_pagination_keeps_the_filters(client, demo):
    query = f"?date=2017-12-31&group=village&province={dien_bien().id}&status=own_cell&sort=name"
    html = page_html(client, query)
    assert len(html_rows(html)) == 100
    next_link = html_lib.unescape(re.search(r'<a href="([^"]+)" rel="next">', html).group(1))
    for part in ("date=2017-12-31", "group=village", f"province={dien_bien().id}",
                 "status=own_cell", "sort=name", "page=2"):  # fmt: skip
        assert part in next_link
    second = html_rows(page_html(client, next_link))
    assert len(second) == 100 and second[0][0] != html_rows(html)[0][0]
    assert {row[4] for row in second} == {"Có chi bộ độc lập"}
    csv_link = html_lib.unescape(re.search(r'href="([^"]+)" id="download-csv"', html).group(1))
    assert "status=own_cell" in csv_link and "format=csv" in csv_link


def test_a_page_out_of_range_shows_the_last_page(client, demo):
    html = page_html(client, "?date=2017-12-31&group=district&page=999")
    assert len(html_rows(html)) == 10


# Exports ----------------------------------------------------------------------------------------


def test_csv_rows_equal_the_html_rows_in_the_same_order(client, demo):
    district = old_unit(Level.DISTRICT, "Huyện Mường Chà")
    query = f"?date=2017-12-31&group=village&district={district.id}&sort=-members"
    html = page_html(client, query + "&page=1")
    screen = html_rows(html)
    screen += html_rows(page_html(client, query + "&page=2"))
    text, rows = csv_content(client, query)
    assert text.startswith(
        "\ufeffNgày,Mã tỉnh,Tỉnh,"
    )  # the header first (tests/units/web/test_exports.py)
    header, body, totals = rows[0], rows[1:-1], rows[-1]
    assert header[:3] == ["Ngày", "Mã tỉnh", "Tỉnh"]
    assert len(body) == number(html_totals(html)[4].split()[0]) == len(screen)
    shown = html_totals(html)
    assert totals[7:9] == [shown[0], shown[4]]  # "Tổng cộng" and the statuses, as shown
    assert int(totals[9]) == number(shown[5])  # members: a number, not "1.325"
    assert [(r[7], r[6], r[8], r[9]) for r in body] == [(r[0], r[1], r[4], r[5]) for r in screen]
    assert {r[0] for r in body} == {"2017-12-31"} and {r[1] for r in body} == {"11"}
    assert {r[3] for r in body} == {district.code}


def test_csv_exports_every_page_and_names_the_date(client, demo):
    response = get(client, "?date=2017-12-31&group=village&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "partystats-coverage-village-2017-12-31.csv" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().split("\r\n")
    assert len([line for line in lines if line]) == 1 + 1813 + 1  # header, rows, totals


def test_json_totals_equal_the_html_totals(client, demo):
    query = f"?date=2017-12-31&group=commune&province={dien_bien().id}"
    html = page_html(client, query)
    data = json_content(client, query)
    totals = data["totals"]
    shown = [number(cell) for cell in html_totals(html)[3:9]]  # the shares follow
    keys = ["villages", "own_cell", "joined", "no_members", "not_reported", "members"]
    assert shown == [totals[key] for key in keys]
    assert data["date"] == "2017-12-31" and data["filters"]["province"]["code"] == "11"
    assert data["source"]["url"].startswith("http://testserver/coverage/?date=2017-12-31")
    assert [row["commune"] for row in data["rows"]][:100] == [row[0] for row in html_rows(html)]
    assert totals["rows"] == len(data["rows"]) == 129


def test_xlsx_has_a_title_row_a_frozen_header_and_number_formats(client, demo):
    sheet = xlsx_sheet(client, "?date=2017-12-31&group=district")
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == (
        "Độ phủ của Đảng ở thôn, bản theo huyện, thị xã, thành phố, số liệu tại ngày 31/12/2017"
    )
    assert rows[1][0].startswith("Nguồn: partystats, http://testserver/coverage/?")
    districts = ("Mã huyện, thị xã, thành phố", "Huyện, thị xã, thành phố")
    assert rows[2][:5] == ("Ngày", "Mã tỉnh", "Tỉnh", *districts)
    assert sheet.freeze_panes == "A4"
    assert len(rows) == 3 + 10 + 1 and sum(row[5] for row in rows[3:-1]) == rows[-1][5] == 1813
    first = next(sheet.iter_rows(min_row=4, max_row=4))
    assert first[5].number_format == "#,##0" and first[0].number_format == "DD/MM/YYYY"
    assert first[0].value.date() == D(2017, 12, 31)


def share(text: str) -> float | None:
    """ "12,5%" (Vietnamese) or "12.5%" → 12.5; "—" → None."""
    return None if text == "—" else float(text.rstrip("%").replace(",", "."))


def csv_number(text: str) -> float | None:
    return float(text) if text else None


@pytest.mark.parametrize(
    ("language", "own_share", "member_share", "total"),
    [
        ("vi", "% có chi bộ độc lập", "% có đảng viên", "Tổng cộng"),
        ("en", "% with own cell", "% with a member", "Total"),
    ],
)
def test_the_csv_has_the_pages_shares_and_ends_with_its_totals_row(
    client, demo, language, own_share, member_share, total
):
    """Export exactly what the page shows: the two % columns, as numbers rounded as the page
    rounds them, and the totals row last, labelled in the request's language."""
    query = f"?date=2017-12-31&group=commune&province={dien_bien().id}&sort=own_cell_share"
    html = page_html(client, query, language)
    _, rows = csv_content(client, query, language)
    header, body, totals = rows[0], rows[1:-1], rows[-1]
    assert header[-2:] == [own_share, member_share]
    screen = html_rows(html)  # the first 100 of 129 communes
    assert [(r[6], csv_number(r[-2]), csv_number(r[-1])) for r in body[: len(screen)]] == [
        (r[0], share(r[-2]), share(r[-1])) for r in screen
    ]
    assert any(r[-2] and not r[-2].endswith(".0") for r in body)  # one decimal, not whole
    shown = html_totals(html)
    assert totals[6] == shown[0] == total and totals[1:6] == ["", "", "", "", ""]
    assert [number(cell) for cell in totals[7:13]] == [number(cell) for cell in shown[3:9]]
    assert (csv_number(totals[13]), csv_number(totals[14])) == (share(shown[9]), share(shown[10]))
    assert totals[0] == "2017-12-31"


def test_the_xlsx_has_the_pages_shares_as_numbers_and_its_totals_row_in_bold(client, demo):
    query = "?date=2017-12-31&group=district"
    shown = html_totals(page_html(client, query, "en"))
    client.cookies["django_language"] = "en"
    response = client.get(URL + query + "&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3))
    header, body, totals = [c.value for c in rows[0]], rows[1:-1], rows[-1]
    assert header[-2:] == ["% with own cell", "% with a member"]
    assert len(body) == 10
    own = body[0][-2]
    assert isinstance(own.value, float) and own.number_format == "0.0"
    assert own.value == round(own.value, 1)
    assert totals[4].value == "Total" and totals[4].font.b and totals[3].value is None
    assert [c.value for c in totals[5:11]] == [number(cell) for cell in shown[2:8]]
    assert totals[5].number_format == "#,##0"
    assert (totals[-2].value, totals[-1].value) == (share(shown[8]), share(shown[9]))
    assert totals[-2].number_format == "0.0"


def test_the_village_exports_total_row_says_what_the_page_says(client, demo):
    commune = old_unit(Level.COMMUNE, "Xã Mường Tùng")
    query = f"?date=2017-12-31&group=village&commune={commune.id}"
    shown = html_totals(page_html(client, query, "en"))
    _, rows = csv_content(client, query, "en")
    assert rows[-1][7:] == ["Total", shown[4], shown[5]]
    assert shown[4].endswith("not reported") and number(shown[5]) > 0
    sheet = xlsx_sheet(client, query)  # Vietnamese
    last = [cell.value for cell in list(sheet.iter_rows())[-1]]
    assert last[7] == "Tổng cộng" and last[8].startswith(f"{len(rows) - 2} thôn, bản: ")
    assert last[9] == number(shown[5])


def test_json_totals_carry_the_pages_shares(client, demo):
    query = f"?date=2017-12-31&group=commune&province={dien_bien().id}"
    shown = html_totals(page_html(client, query))
    data = json_content(client, query)
    totals = data["totals"]
    assert (totals["own_cell_share"], totals["member_share"]) == (
        share(shown[9]),
        share(shown[10]),
    )
    assert {"own_cell_share", "member_share"} <= set(data["rows"][0])
    assert data["rows"][-1]["commune"] != "Tổng cộng"  # the totals stay in the head


@pytest.fixture
def hostile_names(demo):
    commune = old_unit(Level.COMMUNE, "Xã Mường Tùng")
    villages = Village.objects.filter(
        placements__commune=commune, figures__period__date=D(2017, 12, 31)
    ).order_by("name_key")[:2]
    first, second = list(villages)
    first.name, first.name_key = '=HYPERLINK("http://x")', name_key('=HYPERLINK("http://x")')
    second.name, second.name_key = "<script>alert(1)</script>", "script alert"
    Village.objects.bulk_update([first, second], ["name", "name_key"])
    return f"?date=2017-12-31&group=village&commune={commune.id}"


def test_hostile_village_names_are_text_in_every_format(client, hostile_names):
    html = page_html(client, hostile_names)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    _, rows = csv_content(client, hostile_names)
    names = [row[7] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names and "<script>alert(1)</script>" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    sheet = xlsx_sheet(client, hostile_names)
    cells = [cell for row in sheet.iter_rows(min_row=4) for cell in row]
    hostile = [cell for cell in cells if "HYPERLINK" in str(cell.value)]
    assert [(c.value, c.data_type) for c in hostile] == [('\'=HYPERLINK("http://x")', "s")]

    data = json_content(client, hostile_names)
    assert "<script>alert(1)</script>" in [row["village"] for row in data["rows"]]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Bản Nậm Cang 1", "Bản Nậm Cang 1"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(text, cell):
    assert neutralise(text) == cell


# Bad parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "?status=unknown",
        "?date=2017-13-45",
        "?date=yesterday",
        "?date=2010-06-30",  # before any figure
        "?group=hamlet",
        "?province=abc",
        "?province=999999",
        "?members_min=lots",
        "?members_min=-1",
        "?sort=password",
        "?sort=-unit__parent__name",
        "?q=" + "x" * 200,
    ],
)
def test_bad_parameters_are_a_form_error_not_a_crash(client, demo, query):
    response = get(client, query, status=400)
    assert 'class="errors" role="alert"' in response.content.decode()
    response = get(client, query + "&format=json", status=400)
    assert response.json()["errors"]


WHOLE = {
    "vi": "Nhập số đảng viên là số nguyên (0, 1, 2, …), không có phần thập phân.",
    "en": "Enter a whole number of members (0, 1, 2, …), with no decimals.",
}
NOT_NEGATIVE = {
    "vi": "Số đảng viên không thể là số âm: hãy nhập 0 trở lên.",
    "en": "A number of members cannot be negative: enter 0 or more.",
}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("members_min=2.5", WHOLE),
        ("members_max=0.5", WHOLE),
        ("members_min=1e3", WHOLE),
        ("members_min=-1", NOT_NEGATIVE),
        ("members_max=-3", NOT_NEGATIVE),
        (
            "members_min=99999999999999999999",  # would overflow the database's integer
            {
                "vi": "Số đảng viên nhập vào tối đa là 2147483647.",
                "en": "Enter a number of members of at most 2147483647.",
            },
        ),
    ],
)
def test_members_must_be_a_whole_number_not_below_zero(client, demo, language, query, message):
    """A count of members is whole and not negative: the form says so in the visitor's
    language, on the page and in the JSON export's errors."""
    html = get(client, f"?date=2017-12-31&group=village&{query}", language, 400).content.decode()
    field = query.split("=")[0]
    errors = re.search(rf'id="id_{field}-errors">(.*?)</div>', html, re.S).group(1)
    assert cell_text(errors) == message[language]
    response = get(client, f"?date=2017-12-31&group=village&{query}&format=json", language, 400)
    assert [e["message"] for e in response.json()["errors"][field]] == [message[language]]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "Số đảng viên “đến” (2) nhỏ hơn “từ” (5): không dòng nào khớp. Hãy đổi chỗ hai số."),
        (
            "en",
            "“At most” (2) is less than “at least” (5): no row can match. Swap the two numbers.",
        ),
    ],
)
def test_members_at_most_below_at_least_is_refused_with_the_reason(client, demo, language, message):
    """Typed the wrong way round, the range matched nothing and the page said only "no row
    matches the filters": it says why, on the page and in the JSON export's errors."""
    query = "?date=2017-12-31&group=village&members_min=5&members_max=2"
    html = get(client, query, language, 400).content.decode()
    errors = re.search(r'id="id_members_max-errors">(.*?)</div>', html, re.S).group(1)
    assert cell_text(errors) == message
    response = get(client, query + "&format=json", language, 400)
    assert [e["message"] for e in response.json()["errors"]["members_max"]] == [message]
    assert get(client, query.replace("5", "2"), language).status_code == 200  # 2 to 2: fine


# What a visitor types in "Members, at least", and what the filter reads on the Vietnamese and on
# the English site: a number, or the form's message (units.reads.counts).
TYPED = [
    ("1000", 1000, 1000),
    ("1.000", 1000, WHOLE),  # en: a thousand written the Vietnamese way, or 1 to three decimals
    ("1,000", WHOLE, 1000),  # vi: the other way round
    ("1 000", 1000, 1000),
    ("1\u00a0000", 1000, 1000),  # a no-break space, as a figure copied from a page may hold
    ("12.345.678", 12_345_678, WHOLE),
    ("12,345,678", WHOLE, 12_345_678),
    ("1.000,0", 1000, WHOLE),
    ("1,000.0", WHOLE, 1000),
    ("12,0", 12, WHOLE),  # vi: a zero decimal; en: a group of one digit
    ("12.0", WHOLE, 12),
    ("1,5", WHOLE, WHOLE),  # vi: one and a half; en: a group of one digit
    ("2.5", WHOLE, WHOLE),
    ("1.00", WHOLE, 1),  # vi: a group of two digits; en: one, to two decimals
    ("1 00", WHOLE, WHOLE),
    ("1.000 000", WHOLE, WHOLE),  # two kinds of grouping
    ("1000.000", WHOLE, WHOLE),  # en: three decimals, a group to a Vietnamese reader
    ("1e3", WHOLE, WHOLE),
    ("-1.000", NOT_NEGATIVE, WHOLE),
    (" 12 ", 12, 12),
    ("0", 0, 0),
]
TYPED_CASES = [
    pytest.param(language, typed, read, id=f"{language} {typed!r}")
    for typed, vi, en in TYPED
    for language, read in (("vi", vi), ("en", en))
]


def members_read(typed: str, language: str) -> int | str:
    """What the coverage table's filter makes of `members_min`: the number, or its message."""
    from django.http import QueryDict
    from django.utils import translation

    from units.reads.dates import periods_with_coverage
    from units.reads.filters import CoverageFilter

    with translation.override(language):
        params = QueryDict(mutable=True)
        params.update({"date": "2017-12-31", "group": "village", "members_min": typed})
        filterset = CoverageFilter(params, periods=periods_with_coverage())
        if filterset.is_valid():
            return filterset.form.cleaned_data["members_min"]
        return " ".join(filterset.form.errors["members_min"])


@pytest.mark.parametrize(("language", "typed", "read"), TYPED_CASES)
def test_the_members_filter_reads_numbers_as_the_language_writes_them(demo, language, typed, read):
    expected = read if isinstance(read, int) else read[language]
    assert members_read(typed, language) == expected


def typed_query(typed: str) -> str:
    """One row per district: the demo's have 459 to 2,314 members, so thousands tell."""
    return "?" + urlencode({"date": "2017-12-31", "group": "district", "members_min": typed})


def denominator(html: str) -> str:
    return cell_text(re.search(r'id="denominator">(.*?)</p>', html, re.S).group(1))


@pytest.mark.parametrize(("language", "typed", "read"), TYPED_CASES)
def test_the_page_filters_by_the_number_typed_and_shows_it_as_typed(
    client, demo, language, typed, read
):
    """Accepted: the page is the table of the number in digits. Refused: a 400 with the form's
    message. Either way the box shows what was typed."""
    refused = not isinstance(read, int)
    response = get(client, typed_query(typed), language, 400 if refused else 200)
    html = response.content.decode()
    field = re.search(r'<input[^>]*name="members_min"[^>]*>', html).group(0)
    assert f'value="{html_lib.escape(typed)}"' in field
    if refused:
        errors = re.search(r'id="id_members_min-errors">(.*?)</div>', html, re.S).group(1)
        assert cell_text(errors) == read[language]
    else:
        in_digits = page_html(client, typed_query(str(read)), language)
        assert denominator(html) == denominator(in_digits)
        assert html_rows(html) == html_rows(in_digits)


def test_the_members_box_is_text_with_a_digits_keyboard(client, demo):
    """Not type="number": browsers refuse "1 000" and "1,000" there, send nothing, and blank a
    value they cannot read."""
    html = page_html(client, "?date=2017-12-31&group=village")
    field = re.search(r'<input[^>]*name="members_min"[^>]*>', html).group(0)
    assert 'type="text"' in field and 'inputmode="numeric"' in field


def test_links_and_exports_carry_the_number_typed_in_digits(client, demo):
    """A permalink made on the Vietnamese site opens on the English one, which would refuse
    "1.000"."""
    html = page_html(client, typed_query("1.000"))
    for link in ("download-csv", "download-json", "permalink"):
        href = re.search(rf'<a href="([^"]*)" id="{link}"', html).group(1)
        assert "members_min=1000" in html_lib.unescape(href), link
    data = json_content(client, typed_query("1.000"))
    assert data["filters"]["members_min"] == 1000
    assert "members_min=1000" in data["source"]["url"]
    assert len(data["rows"]) == 9 and all(row["members"] >= 1000 for row in data["rows"])


def test_an_unknown_format_is_a_bad_request(client, demo):
    assert get(client, "?format=pdf", status=400).content.decode() == (
        "Định dạng không hỗ trợ: dùng csv, xlsx hoặc json."
    )


@pytest.mark.parametrize(
    ("query", "language", "message"),
    [
        ("?date=2010-06-30", "vi", "Không có số liệu độ phủ tại hoặc trước ngày 30/06/2010"),
        ("?date=2010-06-30", "en", "No coverage figures at or before 30/06/2010"),
        ("?date=yesterday", "vi", "“yesterday” không phải là một ngày"),
        ("?date=2017-13-45", "en", "“2017-13-45” is not a date"),
    ],
)
def test_a_date_refused_says_why_with_the_date_as_people_write_it(
    client, demo, query, language, message
):
    """The message said "2010-06-30", as the URL writes it, not as the page writes dates."""
    html = html_lib.unescape(get(client, query, language, status=400).content.decode())
    shown = re.search(r'id="id_date-errors">(.*?)</div>', html, re.S).group(1)
    assert message in shown and "2010-06-30" not in shown
    errors = get(client, query + "&format=json", language, status=400).json()["errors"]
    assert message in errors["date"][0]["message"]


@pytest.mark.parametrize(
    ("query", "language", "message"),
    [
        ("?province=999999", "vi", "Không có tỉnh nào có mã định danh “999999”"),
        ("?province=abc", "en", "No province has the id “abc”"),
        ("?district=999999", "en", "No district has the id “999999”"),
        ("?commune=999999", "vi", "Không có xã nào có mã định danh “999999”"),
        ("?status=lost", "en", "No status is called “lost”"),
        ("?group=hamlet", "vi", "“hamlet” không phải là cách nhóm"),
        ("?sort=password", "en", "The table cannot be sorted by “password”"),
    ],
)
def test_an_unknown_parameter_value_says_what_was_wrong(client, demo, query, language, message):
    """A bad province= was told Django's "Select a valid choice", naming nothing."""
    html = html_lib.unescape(get(client, query, language, status=400).content.decode())
    assert message in html
    errors = get(client, query + "&format=json", language, status=400).json()["errors"]
    assert message in next(iter(errors.values()))[0]["message"]


def test_the_unit_page_links_to_the_full_table(client, demo):
    district = old_unit(Level.DISTRICT, "Huyện Mường Chà")
    client.cookies["django_language"] = "vi"
    html = client.get(f"/u/{district.id}/?date=2017-12-31").content.decode()
    link = html_lib.unescape(re.search(r'id="coverage-link" href="([^"]+)"', html).group(1))
    assert link == f"/coverage/?date=2017-12-31&district={district.id}&group=commune"
    rows = html_rows(page_html(client, link[len(URL) :]))
    assert len(rows) == Unit.objects.filter(parent=district).valid_on(D(2017, 12, 31)).count()


# Query count ------------------------------------------------------------------------------------


@pytest.fixture
def test_commune():
    def unit(level, code, name, parent=None):
        return Unit.objects.create(
            scheme=Scheme.GSO2004, level=level, code=code, name=name, name_key=name_key(name),
            sort_key=sort_key(name),
            parent=parent, valid_from=D(2004, 1, 1), valid_to=D(2025, 6, 30),
        )  # fmt: skip

    district = unit(Level.DISTRICT, "991", "Huyện Một", unit(Level.PROVINCE, "99", "Tỉnh Thử"))
    return unit(Level.COMMUNE, "99101", "Xã Hai", district)


def add_villages(commune: Unit, count: int, start: int) -> None:
    period = period_for_date(D(2017, 12, 31))
    for number in range(start, start + count):
        village = Village.objects.create(
            name=f"Bản {number}",
            name_key=name_key(f"Bản {number}"),
            sort_key=sort_key(f"Bản {number}"),
            valid_from=D(2015, 1, 1),
        )
        VillagePlacement.objects.create(village=village, commune=commune, valid_from=D(2015, 1, 1))
        if number % 3:  # every third village is left unreported
            VillageFigure.objects.create(
                village=village, period=period, commune=commune, district=commune.parent,
                status=Status.OWN_CELL, members=5,
            )  # fmt: skip
    coverage_rebuild(periods=[period])


def test_a_unit_link_carries_its_id_without_a_thousands_separator(client):
    """Vietnamese pages group digits ("12.345"): an id in a link must not be grouped, or the
    link filters on another unit (PostgreSQL and the national data have ids in the thousands)."""
    province = Unit.objects.create(
        id=12345, scheme=Scheme.GSO2004, level=Level.PROVINCE, code="98", name="Tỉnh Thử",
        name_key=name_key("Tỉnh Thử"), sort_key=sort_key("Tỉnh Thử"),
        valid_from=D(2004, 1, 1), valid_to=D(2025, 6, 30),
    )  # fmt: skip
    commune = Unit.objects.create(
        id=12346, scheme=Scheme.GSO2004, level=Level.COMMUNE, code="98101", name="Xã Ba",
        name_key=name_key("Xã Ba"), sort_key=sort_key("Xã Ba"), parent=Unit.objects.create(
            id=12347, scheme=Scheme.GSO2004, level=Level.DISTRICT, code="981", name="Huyện Hai",
            name_key=name_key("Huyện Hai"), sort_key=sort_key("Huyện Hai"), parent=province,
            valid_from=D(2004, 1, 1), valid_to=D(2025, 6, 30),
        ), valid_from=D(2004, 1, 1), valid_to=D(2025, 6, 30),
    )  # fmt: skip
    add_villages(commune, 3, 0)
    client.cookies["django_language"] = "vi"
    for unit, group in ((commune, "village"), (commune.parent, "commune")):
        html = client.get(f"/u/{unit.id}/?date=2017-12-31").content.decode()
        link = html_lib.unescape(re.search(r'id="coverage-link" href="([^"]+)"', html).group(1))
        assert link == f"/coverage/?date=2017-12-31&{unit.level}={unit.id}&group={group}"


@pytest.mark.parametrize(
    "query",
    [
        "?date=2017-12-31&group=village&commune={commune}",
        "?date=2017-12-31&group=village&province={province}&sort=-members&q=ban",
        "?date=2017-12-31&group=commune&district={district}",
        "?date=2017-12-31&group=village&commune={commune}&format=csv",
    ],
)
def test_query_count_does_not_grow_with_villages(client, test_commune, query):
    url = URL + query.format(
        commune=test_commune.id,
        district=test_commune.parent_id,
        province=test_commune.parent.parent_id,
    )

    def queries_for(count: int, start: int) -> int:
        add_villages(test_commune, count, start)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)
        return len(context.captured_queries)

    few, many, more = queries_for(3, 0), queries_for(150, 3), queries_for(150, 153)
    assert many == more
    # A table that fits in one page sums its totals from its rows: one query fewer, never more.
    assert few in (many, many - 1)


def select_options(html: str, name: str) -> list[str]:
    select = html.split(f'name="{name}"')[1].split("</select>")[0]
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def test_long_place_lists_follow_the_place_chosen_above(client, demo, monkeypatch):
    """10,000 communes in one drop-down help no one (national data): past the limit a list shows
    only the units inside the place chosen above it; the filters still take any unit."""
    monkeypatch.setattr("units.reads.filters.PLACES_LISTED_AT_MOST", 20)
    district = old_unit(Level.DISTRICT, "Huyện Mường Chà")
    communes = {str(u.id) for u in Unit.objects.filter(parent=district)}

    html = page_html(client, "?date=2017-12-31", language="en")
    assert select_options(html, "commune") == []
    assert "Choose a place above to list its units here." in html
    assert len(select_options(html, "district")) == 10  # under the limit: listed whole

    html = page_html(client, f"?date=2017-12-31&district={district.id}")
    assert set(select_options(html, "commune")) == communes

    commune = Unit.objects.get(parent=district, name="Xã Mường Tùng")
    html = page_html(client, f"?date=2017-12-31&group=village&commune={commune.id}")
    assert set(select_options(html, "commune")) == communes  # the chosen one and its siblings
    assert f'<option value="{commune.id}" selected>' in html
    assert {row[0] for row in html_rows(html)} >= {"Bản Nậm Cang 1"}


# The exports' plain-values path ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "date=2017-12-31&group=village",
        "date=2017-12-31&group=village&status=not_reported",
        "date=2025-09-30&group=village",
        "date=2017-12-31&group=commune",
        "date=2017-12-31&group=district&sort=-members",
        "date=2025-09-30&group=commune",
        "date=2017-12-31&group=province",
    ],
)
def test_export_rows_and_totals_equal_the_model_rows_and_the_aggregate(partly_reported, query):
    from django.http import QueryDict

    from units.reads.coverage_table import coverage_table, coverage_totals, row_from, totals_of

    table = coverage_table(params=QueryDict(query))
    village = table.group == "village"
    rows = list(table.rows())
    assert rows == [row_from(record) for record in table.queryset]
    assert totals_of(rows, village=village) == coverage_totals(table.queryset)
    totals, streamed = table.rows_with_totals()
    assert (totals, list(streamed)) == (coverage_totals(table.queryset), rows)


@pytest.mark.parametrize(
    "date, group",
    [("2017-12-31", group) for group in ("village", "commune", "district", "province")]
    + [("2025-09-30", group) for group in ("village", "commune", "province")],
)
def test_every_row_has_one_cell_under_each_heading(client, demo, date, group):
    """The rows' cells are written per kind of row, the headings from SORT_KEYS (no district
    from 1/7/2025): they agree."""
    html = page_html(client, f"?date={date}&group={group}", "en")
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    headings = [cell_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
    rows = html_rows(html)
    assert rows and all(len(row) == len(headings) for row in rows), headings
    if group == "village":
        assert headings[-2:] == ["Status", "Members"]
        assert {row[-2] for row in rows} <= {str(s.label) for s in Status}
    else:
        assert headings[-3] == "Members" and headings[-2].endswith("with own cell")
        assert all(row[-1].endswith("%") or row[-1] == "—" for row in rows)
