"""A unit none of whose villages was reported at a date: its members are unknown, never 0, and
its villages did not lose their cells (docs/domain.md §1, "A missing value").

Found on the national benchmark database: Phường Hà Giang 2 at 31/12/2025, its 61 villages all
not reported, showed "Party members 0" on its page, in the coverage table and its exports, and
"Own cell −59" since the date before."""

import csv
import datetime
import io
import json
import re

import pytest
from django.urls import reverse

from units.domain.coverage import coverage_rebuild, period_for_date
from units.models import Scheme, Status, Unit, VillageFigure

D = datetime.date
pytestmark = pytest.mark.django_db
LATEST = D(2026, 9, 30)


@pytest.fixture
def unreported(demo):
    """Xã Mường Tùng with not one village reported at the latest date."""
    commune = Unit.objects.get(scheme=Scheme.GSO2025, name="Xã Mường Tùng")
    latest = period_for_date(LATEST)
    VillageFigure.objects.filter(commune=commune, period=latest).update(
        status=Status.NOT_REPORTED,
        members=None,
        full_members=None,
        probationary_members=None,
        admissions=None,
        joined_with=None,
        joined_with_name="",
    )
    coverage_rebuild(periods=[latest])
    return commune


def page(client, url: str, language: str = "vi") -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, url
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def cells(html: str, pattern: str) -> list[str]:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return [
        re.sub(r"<[^>]+>|\s+", " ", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", found.group(1), re.S)
    ]


def test_the_unit_page_shows_no_members_and_no_change_where_nothing_was_reported(
    client, unreported
):
    html = page(client, reverse("unit", args=[unreported.id]) + f"?date={LATEST}")
    members = re.search(r'id="fig-members">(.*?)</dd>', html, re.S).group(1).strip()
    assert members == "—"
    changes = cells(html, r'<table class="changes" id="changes-table">(.*?)</table>')
    since = changes[changes.index("Thay đổi so với kỳ trước") + 1 :]
    # No village lost its cell: none was reported. The villages themselves are still counted.
    assert since == ["—", "—", "—", "0"]


def test_the_unit_headline_counts_no_status_where_nothing_was_reported(client, unreported):
    for language in ("vi", "en"):
        html = page(client, reverse("unit", args=[unreported.id]) + f"?date={LATEST}", language)
        figure = {
            key: re.search(rf'id="fig-{key}">(.*?)</dd>', html, re.S).group(1).strip()
            for key in ("villages", "own", "joined", "white", "without", "not-reported")
        }
        # Not "own cell 0": nobody counted them. The denominator is known all the same.
        assert figure["own"] == figure["joined"] == figure["white"] == figure["without"] == "—"
        assert figure["villages"] == figure["not-reported"] != "0"


def test_the_coverage_table_and_its_exports_show_no_members_where_nothing_was_reported(
    client, unreported
):
    query = f"?date={LATEST}&group=commune&commune={unreported.id}"
    html = page(client, reverse("coverage") + query)
    row = cells(html, r"<tbody>(.*?)</tbody>")
    assert row[:1] == ["Xã Mường Tùng"]
    # own cell, joined, no member, not reported, members, % with own cell, % with a member
    assert row[-7:-4] == ["—", "—", "—"] and row[-4] not in ("—", "0")
    assert row[-3:] == ["—", "—", "—"]
    lines = list(csv.reader(io.StringIO(page(client, reverse("coverage") + query + "&format=csv"))))
    for column in ("Đảng viên", "Có chi bộ độc lập"):
        assert lines[1][lines[0].index(column)] == ""  # the commune
    assert lines[2][lines[0].index("Đảng viên")] == ""  # the totals row
    data = json.loads(page(client, reverse("coverage") + query + "&format=json"))
    assert data["rows"][0]["members"] is None
    assert [data["rows"][0][key] for key in ("own_cell", "joined", "no_members")] == [None] * 3
    assert data["totals"]["members"] is None


@pytest.mark.parametrize("sort", ["own_cell", "-own_cell", "no_members", "-no_members"])
def test_a_unit_with_nothing_reported_sorts_last_by_a_count_by_status(client, unreported, sort):
    query = f"?date={LATEST}&group=commune&province={unreported.parent_id}&format=json"
    rows = json.loads(page(client, reverse("coverage") + query + f"&sort={sort}"))["rows"]
    assert rows[-1]["commune"] == "Xã Mường Tùng"


def test_the_api_gives_no_members_where_nothing_was_reported(client, unreported):
    data = json.loads(page(client, reverse("api-figures") + f"?unit={unreported.id}&date={LATEST}"))
    computed = data["figures"]["computed"]
    assert computed["members"] is None
    for key in ("own_cell", "joined", "no_members", "without_cell", "admissions"):
        assert computed[key] is None, key
    assert computed["villages"] == computed["not_reported"] > 0


def test_the_province_page_lists_the_commune_with_no_members(client, unreported):
    html = page(client, reverse("unit", args=[unreported.parent_id]) + f"?date={LATEST}")
    rows = re.findall(
        r"<tr><th scope=\"row\"><a [^>]*>Xã Mường Tùng</a></th>(.*?)</tr>", html, re.S
    )
    assert len(rows) == 1
    cells = [
        re.sub(r"<[^>]+>|\s+", " ", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)
    ]
    assert cells[-4:] == ["—", "—", "—", "—"]  # own cell, joined, no member, members


def test_a_members_range_never_matches_a_unit_whose_members_are_unknown(client, unreported):
    query = f"?date={LATEST}&group=commune&commune={unreported.id}&format=json"
    assert len(json.loads(page(client, reverse("coverage") + query))["rows"]) == 1
    data = json.loads(page(client, reverse("coverage") + query + "&members_max=5"))
    assert data["rows"] == []  # its stored 0 is no number of members
