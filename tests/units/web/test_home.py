"""The national home page: every province with the date its figures are from and a link to its
coverage table at that date, read in the provinces' own query."""

import html as html_lib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.units.conftest import D, commune_report
from tests.workbooks import OWN, placed_village, village
from tests.workbooks import unit as unit_make
from units.models import Level, Scheme

pytestmark = pytest.mark.django_db


def home_rows(client, language: str = "vi") -> list[list[str]]:
    client.cookies["django_language"] = language
    response = client.get("/")
    assert response.status_code == 200
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    rows = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in body.split("</tr>")]
    return [row for row in rows if row]


def text(cell: str) -> str:
    return re.sub(r"<[^>]+>", "", cell).strip()


def link(cell: str) -> str:
    return html_lib.unescape(re.search(r'href="([^"]+)"', cell).group(1))


@pytest.mark.parametrize(
    ("language", "table_of"), [("vi", "Bảng độ phủ của"), ("en", "Coverage table of")]
)
def test_each_province_says_the_date_of_its_figures_and_links_its_table(
    client, an_giang, lai_chau, language, table_of
):
    """Lai Châu's one report is of 31/12/2015: its figures are of that date, not the site's
    latest (31/12/2017), where it has none; it was left off the page."""
    rows = home_rows(client, language)
    assert [[text(cell) for cell in row] for row in rows] == [
        ["Tỉnh An Giang", "31/12/2017", f"{table_of} Tỉnh An Giang"],
        ["Tỉnh Lai Châu", "31/12/2015", f"{table_of} Tỉnh Lai Châu"],
    ]
    assert link(rows[0][2]) == f"/coverage/?date=2017-12-31&province={an_giang.id}"
    assert link(rows[1][2]) == f"/coverage/?date=2015-12-31&province={lai_chau.id}"
    table = client.get(link(rows[1][2])).content.decode()
    assert "Xã Bum Nưa" in table and "Xã Long Điền A" not in table
    assert link(rows[1][0]) == f"/u/{lai_chau.id}/"


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        home_rows(client)
    return len(queries)


def test_the_dates_come_with_the_provinces_in_one_query(client, an_giang, lai_chau):
    """The data version, the dates with coverage, the provinces with their dates: three
    queries, however many provinces."""
    two = home_queries(client)
    province = unit_make(Scheme.GSO2004, Level.PROVINCE, "14", "Tỉnh Sơn La")
    district = unit_make(Scheme.GSO2004, Level.DISTRICT, "116", "Huyện Sốp Cộp", province)
    commune = unit_make(Scheme.GSO2004, Level.COMMUNE, "04060", "Xã Mường Lạn", district)
    placed_village("Bản Hua Mường", commune, D(2015, 1, 1))
    places = ("SƠN LA", "Huyện Sốp Cộp", "Xã Mường Lạn")
    commune_report(
        places, "Số liệu tính đến ngày 31/12/2017", [village(1, "Bản Hua Mường", 3, 3, 0, OWN)]
    )
    assert len(home_rows(client)) == 3
    assert home_queries(client) == two == 3
