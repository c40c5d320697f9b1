"""The resolution targets (docs/domain.md §3) on the demo data: figures, verdicts, projections."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from units.domain.coverage import data_version_bump
from units.domain.names import name_key, sort_key
from units.models import (
    Coverage,
    Level,
    Period,
    Scheme,
    Status,
    Unit,
    Village,
    VillageFigure,
    VillagePlacement,
)
from units.reads.target_five_districts import Basis, five_districts_target
from units.reads.targets import admissions_target, project_linear, reduction_target

D = datetime.date
pytestmark = pytest.mark.django_db


def get(client, url: str, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def row_text(html: str, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, row_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_index_lists_every_target_with_its_verdict(client, demo):
    html = get(client, "/targets/")
    assert "<caption>" in html and '<th scope="col">' in html
    assert row_text(html, "target-admissions").endswith("Met")
    assert row_text(html, "target-villages-down").endswith("Not met")  # 2016: −7.1% only
    assert row_text(html, "target-five-districts").endswith("Met")
    for slug in ("admissions", "villages-down", "five-districts"):
        assert f'href="/targets/{slug}/"' in html


def test_admissions_against_two_thousand_a_year(client, demo):
    spans = {(s.first_year, s.last_year): s for s in admissions_target().spans}
    assert spans[(2016, 2017)].progress.percent == 121  # "vượt 21%" in the seed article
    assert spans[(2016, 2019)].progress.target == 8000
    assert spans[(2016, 2019)].progress.percent == 112
    assert spans[(2022, 2022)].progress is None  # outside the 2016–2020 term

    html = get(client, "/targets/admissions/")
    assert "Resolution 04-NQ/TU" in html and "xaydungdang.org.vn" in html
    assert row_text(html, "span-2016-2017").startswith(
        "2016–2017 4,846 2,423 (computed) 4,000 121% Met"
    )
    # The source's own "about 2,247 a year", not 8,990 / 4 = 2,248 (issue 11).
    assert row_text(html, "span-2016-2019").startswith(
        "2016–2019 8,990 about 2,247 (as published) 8,000 112% Met"
    )
    assert "2,248" not in html
    outside = row_text(html, "span-2022-2022")
    assert outside.startswith("2022 1,860") and "Outside the resolution's term" in outside
    assert "Every figure on this page is published" in html


def test_admissions_numbers_are_vietnamese_in_vietnamese(client, demo):
    html = get(client, "/targets/admissions/", "vi")
    assert row_text(html, "span-2016-2017").startswith(
        "2016–2017 4.846 2.423 (tính toán) 4.000 121%"
    )
    assert row_text(html, "span-2016-2019").startswith("2016–2019 8.990 khoảng 2.247 (theo nguồn)")
    assert "khoảng 2.247 đảng viên mỗi năm" in html and "a year" not in html


def test_villages_with_no_member_fall_by_more_than_fifteen_percent_a_year(client, demo):
    no_members, without_cell = reduction_target().series
    rows = {row.date.year: row for row in no_members.rows}
    assert (rows[2017].previous, rows[2017].count) == (60, 23)
    assert rows[2017].change_percent == Decimal("-61.7") and rows[2017].met
    assert rows[2015].met is None  # the starting point
    assert no_members.years_met == 5 and no_members.met
    assert rows[2024].change_percent is None and rows[2024].met  # 0 → 0: nothing left
    # Without their own cell: 423 → 393 in 2016 is only −7.1%.
    rows = {row.date.year: row for row in without_cell.rows}
    # 328 joined + 95 with no member: a sum no source states, so computed, never "published".
    assert (rows[2015].count, rows[2015].derived_value) == (423, 423)
    assert rows[2015].published_value is None
    assert rows[2016].change_percent == Decimal("-7.1") and rows[2016].met is False
    assert (without_cell.years_met, len(without_cell.judged)) == (4, 5)
    assert without_cell.met is False

    html = get(client, "/targets/villages-down/")
    assert row_text(html, "no_members-2017").startswith("31/12/2017 1,813 23 23")
    assert "−61.7% Met" in row_text(html, "no_members-2017")
    assert "−7.1% Not met" in row_text(html, "without_cell-2016")
    assert "after the term: not judged" in row_text(html, "no_members-2021")
    assert "Down by at least 15% in 4 of 5 years of 2016–2020." in html
    # Published beside computed, with the source; none published for 2016.
    assert "news article, 2018" in row_text(html, "no_members-2017")
    derived = row_text(html, "without_cell-2015")
    assert derived.startswith(
        "31/12/2015 1,813 423 423 (computed: the sum of these published parts"
    )
    assert "attending a joined cell 328 + villages with no member 95" in derived
    assert row_text(html, "no_members-2016").split()[3] == "—"
    assert "synthetic" in html


def test_five_districts_have_no_village_without_a_cell_at_the_end_of_2025(client, demo):
    progress = five_districts_target()
    assert sorted(d.code for d in progress.districts) == ["096", "097", "101", "102", "103"]
    rows = {row.date.year: row for row in progress.rows}
    assert rows[2024].basis == Basis.DISTRICTS and rows[2025].basis == Basis.PLACEMENTS
    # After the reform the same villages are followed: none lost, none counted twice.
    assert rows[2025].villages == rows[2024].villages
    assert rows[2015].without_cell > 0 and rows[2025].without_cell == 0
    assert progress.met is True

    html = get(client, "/targets/five-districts/")
    assert "At 31/12/2025: 0 villages without their own cell in the five districts" in html
    assert row_text(html, "five-2025").startswith("31/12/2025 (deadline)")
    assert "placed in these districts on 30/6/2025" in row_text(html, "five-2025")
    assert "No figure on this page is published" in html
    assert html.count('<th scope="row">') == len(progress.rows)


def test_a_joined_village_at_the_end_of_2025_misses_the_five_district_target(client, demo):
    """The post-reform count reads village figures through their 30/6/2025 placement."""
    commune = Unit.objects.get(scheme=Scheme.GSO2004, level=Level.COMMUNE, name="Xã Na Sang")
    village = Village.objects.get(name="Bản Huổi Hạ")
    assert village.placements.filter(commune=commune).exists()
    figure = VillageFigure.objects.get(village=village, period__date=D(2025, 12, 31))
    figure.status, figure.members, figure.full_members = Status.JOINED, 2, None
    figure.probationary_members = None
    figure.save()
    progress = five_districts_target()
    assert progress.at_deadline.joined == 1 and progress.met is False
    html = get(client, "/targets/five-districts/")
    assert row_text(html, "five-2025").startswith("31/12/2025 (deadline) 716 1 0 1")
    verdict = re.search(r'id="target-verdict">(.*?)</p>', html, re.S).group(1)
    assert "Not met" in verdict


def test_open_targets_are_projected_and_not_judged(client, demo):
    end_2025, end_2026 = D(2025, 12, 31), D(2026, 12, 31)
    points = [(D(2022, 12, 31), 30), (D(2023, 12, 31), 20)]
    assert project_linear(points, until=end_2025) == [(D(2024, 12, 31), 10), (end_2025, 0)]
    points = [(D(2023, 12, 31), 9), (D(2024, 12, 31), 5)]
    assert project_linear(points, until=end_2026) == [(end_2025, 1), (end_2026, 0)]  # never < 0
    assert project_linear([(D(2024, 12, 31), 5)], until=D(2025, 12, 31)) == []
    # Without figures after 2022, the end of 2025 can only be projected.
    VillageFigure.objects.filter(period__date__gt=D(2022, 12, 31)).delete()
    Coverage.objects.filter(period__date__gt=D(2022, 12, 31)).delete()
    progress = five_districts_target()
    assert progress.at_deadline.basis == Basis.PROJECTION and progress.met is None
    html = get(client, "/targets/five-districts/")
    assert "projection" in row_text(html, "five-2025")
    assert "a straight-line projection gives" in html
    assert "Not judged" in html


def test_target_pages_have_fixed_query_counts(client, demo):
    """More villages in the five districts after the reform: more counted, no more queries."""
    old = Unit.objects.get(scheme=Scheme.GSO2004, level=Level.COMMUNE, name="Xã Na Sang")
    new = Unit.objects.get(scheme=Scheme.GSO2025, level=Level.COMMUNE, name="Xã Na Sang")
    period = Period.objects.get(date=D(2025, 12, 31))
    urls = [
        "/targets/",
        "/targets/admissions/",
        "/targets/villages-down/",
        "/targets/five-districts/",
        "/targets/quality/",
    ]

    def queries() -> list[int]:
        client.cookies["django_language"] = "en"
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as context:
                assert client.get(url).status_code == 200
            counts.append(len(context.captured_queries))
        return counts

    before = queries()
    villages_before = five_districts_target().at_deadline.villages
    for number in range(25):
        name = f"Bản Thử {number}"
        village = Village.objects.create(
            name=name, name_key=name_key(name), sort_key=sort_key(name), valid_from=D(2015, 12, 31)
        )
        VillagePlacement.objects.create(
            village=village, commune=old, valid_from=D(2015, 12, 31), valid_to=D(2025, 6, 30)
        )
        VillagePlacement.objects.create(village=village, commune=new, valid_from=D(2025, 7, 1))
        VillageFigure.objects.create(
            village=village, period=period, commune=new, status=Status.NO_MEMBERS, members=0
        )
    assert queries() == before
    deadline = five_districts_target().at_deadline
    assert (deadline.villages, deadline.no_members) == (villages_before + 25, 25)
    assert max(before) <= 8  # the index: seven for four targets, one for the data version


def test_unknown_target_is_not_found(client, demo):
    client.cookies["django_language"] = "en"
    assert client.get("/targets/no-such-target/").status_code == 404


def test_target_tables_are_real_tables(client, demo):
    for slug in ("admissions", "villages-down", "five-districts"):
        html = get(client, f"/targets/{slug}/")
        tables = re.findall(r"<table.*?</table>", html, re.S)
        assert tables
        for table in tables:
            assert "<caption>" in table and '<th scope="col">' in table
            assert '<th scope="row">' in table
        assert "Source:" in html  # the target in words, with its source


def test_the_projection_note_is_shown_only_beside_projected_rows(client, demo):
    """Issue 13: a footnote about "dự báo" rows on a table that had none."""
    html = get(client, "/targets/villages-down/", "vi")
    assert 'class="projected"' not in html and 'id="projection-note"' not in html
    VillageFigure.objects.filter(period__date__gt=D(2019, 12, 31)).delete()
    Coverage.objects.filter(period__date__gt=D(2019, 12, 31)).delete()
    data_version_bump()  # a new version: the page is not served from the page cache
    html = get(client, "/targets/villages-down/", "vi")
    assert 'class="projected"' in html
    assert "Các dòng ghi “dự báo”" in re.search(r'id="projection-note">(.*?)<', html).group(1)
