"""The coverage table at dates around the reform (issue 13, "Dates and the reform"): drop-downs
that follow the date, permalinks naming a unit of the other scheme, dates that are no reporting
date, pages before the first; and shares beside counts, in Vietnamese order."""

import re

import pytest

from units.domain.names import sort_key
from units.models import Level, Scheme, Unit

pytestmark = pytest.mark.django_db
URL = "/coverage/"


def page(client, query: str, language: str = "en", status: int = 200) -> str:
    client.cookies["django_language"] = language
    response = client.get(URL + query)
    assert response.status_code == status, (query, response.status_code)
    return response.content.decode()


def options(html: str, name: str) -> list[str]:
    select = html.split(f'name="{name}"')[1].split("</select>")[0]
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def rows(html: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    if body is None:
        return []
    found = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    cell = r"<t[hd][^>]*>(.*?)</t[hd]>"
    return [
        [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(cell, r, re.S)] for r in found
    ]


def text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|div)>', html, re.S)
    assert match, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def ids(units) -> set[str]:
    return {str(unit.id) for unit in units}


def test_the_place_lists_offer_only_the_units_of_the_date(client, demo):
    html = page(client, "?date=2017-12-31")
    old = Unit.objects.filter(scheme=Scheme.GSO2004)
    assert set(options(html, "province")) == ids(old.filter(level=Level.PROVINCE))
    assert set(options(html, "district")) == ids(old.filter(level=Level.DISTRICT))
    assert set(options(html, "commune")) == ids(old.filter(level=Level.COMMUNE))
    html = page(client, "?date=2026-09-30")
    new = Unit.objects.filter(scheme=Scheme.GSO2025)
    assert set(options(html, "province")) == ids(new.filter(level=Level.PROVINCE))
    assert 'name="district"' not in html  # no empty "District" drop-down after 1/7/2025
    assert set(options(html, "commune")) == ids(new.filter(level=Level.COMMUNE))
    assert "district" not in options(html, "group")  # no districts after 1/7/2025


def test_a_district_named_after_the_reform_shows_the_communes_that_took_over(client, demo):
    district = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    html = page(client, f"?date=2026-09-30&district={district.id}")
    assert options(html, "district") == [str(district.id)]  # the permalink's district stays
    note = text(html, "stood-for-district")
    assert note.startswith("Huyện Mường Chà existed until 30/06/2025. At 30/09/2026 these units")
    successors = Unit.objects.filter(predecessions__predecessor__parent=district).distinct()
    names = {row[0] for row in rows(html)}
    assert names == {u.name for u in successors} and len(names) > 1
    for unit in successors:
        assert f"?date=2026-09-30&amp;group=commune&amp;commune={unit.id}" in html
    assert f'<option value="{district.id}" selected>' in html  # the permalink's choice stays


def test_a_2025_commune_named_at_2017_shows_the_communes_it_continues(client, demo):
    new = Unit.objects.get(scheme=Scheme.GSO2025, name="Xã Mường Tùng")
    html = page(client, f"?date=2017-12-31&group=village&commune={new.id}")
    assert text(html, "stood-for-commune").startswith(
        "Xã Mường Tùng exists from 01/07/2025. At 31/12/2017 it was still these units"
    )
    old = Unit.objects.filter(successions__successor=new)
    assert {row[1] for row in rows(html)} == {u.name for u in old}
    villages = sum(u.coverage.get(period__date="2017-12-31").villages for u in old)
    assert len(rows(html)) == villages


def test_one_row_per_district_after_the_reform_says_there_are_none(client, demo):
    html = page(client, "?date=2026-09-30&group=district")
    assert text(html, "no-districts").startswith(
        "There are no districts at 30/09/2026: they were dissolved on 1/7/2025."
    )
    assert "?date=2026-09-30&amp;group=commune" in html


def test_a_day_that_is_no_reporting_date_shows_the_nearest_earlier_one(client, demo):
    html = page(client, "?date=2017-12-30&group=district")
    assert text(html, "date-note") == (
        "30/12/2017 is not a reporting date: these are the figures at 30/09/2017, "
        "the nearest earlier one."
    )
    assert '<option value="2017-09-30" selected>' in html and len(rows(html)) == 10


@pytest.mark.parametrize("number", ["0", "-1", "-99", "x"])
def test_a_page_before_the_first_is_the_first(client, demo, number):
    first = rows(page(client, "?date=2017-12-31&group=village"))
    assert rows(page(client, f"?date=2017-12-31&group=village&page={number}")) == first
    assert "Page 1 of" in page(client, f"?date=2017-12-31&group=village&page={number}")


def test_unit_rows_show_shares_of_the_reported_villages(client, demo):
    html = page(client, "?date=2017-12-31&group=district")
    header = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert "% with own cell" in header and "% with a member" in header
    for row in rows(html):
        villages, own, joined, white, missing = (int(n.replace(",", "")) for n in row[2:7])
        reported = villages - missing
        assert row[8] == f"{100 * own / reported:.1f}%"
        assert row[9] == f"{100 * (own + joined) / reported:.1f}%"
    ranked = rows(page(client, "?date=2017-12-31&group=district&sort=-own_cell_share"))
    shares = [float(row[8].rstrip("%")) for row in ranked]
    assert shares == sorted(shares, reverse=True)


def test_names_sort_in_vietnamese_order(client, demo):
    names = [row[0] for row in rows(page(client, "?date=2025-09-30&group=commune&sort=name"))]
    assert len(names) == 45
    assert names == sorted(names, key=lambda name: sort_key(name, ("phuong", "xa")))
    pairs = [
        ("Xã Chà Tở", "Xã Chiềng Sinh"),  # a before i
        ("Phường Điện Biên Phủ", "Phường Mường Thanh"),  # đ before m
        ("Xã Mường Ảng", "Xã Mường Tùng"),  # a (with its tone) before t
    ]
    for before, after in pairs:
        assert names.index(before) < names.index(after)


def label(html: str, name: str) -> str:
    return re.search(rf'<label for="id_{name}">([^<]*)</label>', html).group(1)


def grouping_labels(html: str) -> dict[str, str]:
    select = html.split('name="group"')[1].split("</select>")[0]
    return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select))


@pytest.mark.parametrize(
    ("language", "district", "commune", "commune_after"),
    [
        ("vi", "Huyện, thị xã, thành phố", "Xã, phường, thị trấn", "Xã, phường, đặc khu"),
        ("en", "District, town, city", "Commune, ward, township", "Commune, ward, special zone"),
    ],
)
def test_the_place_filters_and_groupings_name_the_units_of_the_date(
    client, demo, language, district, commune, commune_after
):
    """As the table's columns are headed (units.models.commune_headings), not "Huyện", "Xã"."""
    before = page(client, "?date=2025-06-30", language)
    assert (label(before, "district"), label(before, "commune")) == (district, commune)
    groups = grouping_labels(before)
    assert (groups["district"], groups["commune"]) == (district, commune)
    after = page(client, "?date=2025-09-30", language)
    assert 'name="district"' not in after and "district" not in grouping_labels(after)
    assert label(after, "commune") == commune_after
    assert grouping_labels(after)["commune"] == commune_after
    # A permalink to a district after the reform keeps its filter, named as it was then.
    muong_cha = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    permalink = page(client, f"?date=2025-09-30&district={muong_cha.id}", language)
    assert (label(permalink, "district"), label(permalink, "commune")) == (district, commune_after)
    # A refused date: the form shows the latest date (after the reform), so its names.
    refused = page(client, "?date=1999-12-31", language, status=400)
    assert label(refused, "commune") == commune_after
