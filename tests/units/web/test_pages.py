"""The pages and the API on the demo data: the article's figures, drilling down, history."""

import datetime
import re

import pytest
from django.urls import reverse

from tests.demo_snapshot import dien_bien
from tests.reform_villages import (
    RANK,
    a_changed_village_across_the_reform,
    changed,
    continue_only,
    new_province,
    old_province,
)
from units.domain.coverage import coverage_rebuild, period_for_date
from units.models import Level, Scheme, Unit, Village, VillageFigure, VillageSuccession

D = datetime.date
LANGUAGES = ("vi", "en")
pytestmark = pytest.mark.django_db


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|tr|p|h2)>', html, re.S)
    assert match, element_id
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def get(client, url: str, language: str = "vi"):
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_province_page_shows_every_figure_of_the_article(client, demo):
    html = get(client, reverse("unit", args=[dien_bien().id]) + "?date=2017-12-31")
    assert text_of(html, "fig-white") == "23 trên 1.813"
    assert text_of(html, "fig-joined") == "208"
    assert "650" in text_of(html, "pub-grassroots_orgs")
    assert "2.680" in text_of(html, "pub-cells_under_committees")
    assert "36.894" in text_of(html, "pub-members")
    assert "4.846" in text_of(html, "pub-admissions")
    assert "210" in text_of(html, "pub-new_village_cells")
    assert "121%" in text_of(html, "admissions-target")
    # 95 → 23 and 328 → 208 since the start of the resolution (31/12/2015).
    changes = re.search(
        r'<table class="changes" id="changes-table">(.*?)</table>', html, re.S
    ).group(1)
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", changes, re.S)
    ]
    assert {"95", "328", "−72", "−120"} <= set(cells)


def changes_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table class="changes" id="changes-table">(.*?)</table>', html, re.S)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in rows]
    return [[re.sub(r"(?:<[^>]+>|\s)+", " ", cell).strip() for cell in row] for row in cells]


def test_todays_province_counts_its_changes_from_the_dates_its_chart_shows(client, demo):
    """Its chart continues the province of before 1/7/2025: so does its table of changes, which
    says whose figures the earlier dates are."""
    province = dien_bien(Scheme.GSO2025)
    html = get(client, reverse("unit", args=[province.id]) + "?date=2025-09-30", "en")
    rows = changes_rows(html)
    assert [row[0] for row in rows[1:]] == [
        "31/12/2015 start of resolution 04-NQ/TU",
        "30/06/2025",
        "30/09/2025",
        "Change since 31/12/2015",
        "Change since the previous date",
    ]
    assert rows[1][1:] == ["95", "328", "1,390", "1,813"]  # the old province's, at 31/12/2015
    assert text_of(html, "changes-continued") == (
        "Up to 30/06/2025, under Tỉnh Điện Biên, which this unit continues."
    )
    old = get(client, reverse("unit", args=[dien_bien().id]) + "?date=2025-06-30", "en")
    assert 'id="changes-continued"' not in old


def listed(html: str, key: str) -> set[int]:
    table = html.split(f'id="changes-{key}"')[1].split("</table>")[0]
    return {int(v) for v in re.findall(r'<th scope="row"><a href="/v/(\d+)/"', table)}


def test_todays_province_lists_the_villages_changed_since_the_province_it_continues(client, demo):
    """On its first date the province has no date of its own before: its village lists compare
    with 30/6/2025, the villages of the province it continues, and say so."""
    province = dien_bien(Scheme.GSO2025)
    html = get(client, reverse("unit", args=[province.id]) + "?date=2025-09-30", "en")
    expected = changed(old_province("2025-06-30"), new_province("2025-09-30"))
    assert any(expected.values())
    assert {key: listed(html, key) for key in expected} == expected
    assert text_of(html, "changes-h") == "Changes from 30/06/2025 to 30/09/2025"
    assert text_of(html, "village-changes-continued") == (
        "Up to 30/06/2025, the figures are those of Tỉnh Điện Biên before the reorganisation "
        "of administrative units."
    )
    assert '<option value="2025-06-30" selected>' in html


def test_todays_province_at_its_first_date_compares_its_villages_at_risk_a_year_before(
    client, demo
):
    """A year before 30/9/2025 is the old province's 30/9/2024: the villages whose status got
    worse since then are at risk, with their members then."""
    from units.web.pages import LIST_AT_MOST

    province = dien_bien(Scheme.GSO2025)
    html = get(client, reverse("unit", args=[province.id]) + "?date=2025-09-30", "en")
    before, now = old_province("2024-09-30"), new_province("2025-09-30")
    worse = {v for v, s in now.items() if s in RANK and RANK[s] < RANK.get(before.get(v), -1)}
    assert worse
    table = html.split('id="at-risk"')[1].split("</table>")[0]
    assert int(re.search(r"<caption>(\d+)", table).group(1)) <= LIST_AT_MOST  # all listed
    assert "A year before<br><small>30/09/2024</small>" in table
    rows = re.findall(r'<tr><th scope="row"><a href="/v/(\d+)/">(.*?)</tr>', table, re.S)
    # commune, status, members, a year before, why
    cells = {int(v): re.findall(r"<td[^>]*>(.*?)</td>", row) for v, row in rows}
    assert {v for v, row in cells.items() if "status got worse" in row[4]} == worse
    members = dict(
        VillageFigure.objects.filter(period__date="2024-09-30", village__in=worse).values_list(
            "village_id", "members"
        )
    )
    assert {v: int(cells[v][3]) for v in worse} == members
    assert text_of(html, "at-risk-continued") == text_of(html, "village-changes-continued")


def test_todays_province_lists_in_vietnamese_whose_figures_the_earlier_date_are(client, demo):
    province = dien_bien(Scheme.GSO2025)
    html = get(client, reverse("unit", args=[province.id]) + "?date=2025-09-30")
    assert text_of(html, "changes-h") == "Thay đổi từ 30/06/2025 đến 30/09/2025"
    note = "Số liệu đến 30/06/2025 là của tỉnh Điện Biên trước khi sắp xếp đơn vị hành chính."
    assert text_of(html, "village-changes-continued") == note
    assert text_of(html, "at-risk-continued") == note
    expected = changed(old_province("2025-06-30"), new_province("2025-09-30"))
    assert {key: listed(html, key) for key in expected} == expected


def test_todays_province_compares_with_a_date_of_the_province_it_continues(client, demo):
    """?compare= before 1/7/2025 reads the old province's villages at that date; a date of its
    own life needs no note."""
    province = dien_bien(Scheme.GSO2025)
    url = reverse("unit", args=[province.id]) + "?date=2025-12-31&compare=2024-12-31"
    html = get(client, url, "en")
    expected = changed(old_province("2024-12-31"), new_province("2025-12-31"))
    assert any(expected.values())
    assert {key: listed(html, key) for key in expected} == expected
    assert text_of(html, "changes-h") == "Changes from 31/12/2024 to 31/12/2025"
    assert '<option value="2024-12-31" selected>' in html
    assert 'id="village-changes-continued"' in html
    own = get(client, reverse("unit", args=[province.id]) + "?date=2025-12-31", "en")
    assert text_of(own, "changes-h") == "Changes from 30/09/2025 to 31/12/2025"
    assert 'id="village-changes-continued"' not in own
    assert 'id="at-risk-continued"' in own  # a year before, 31/12/2024, is the old province's


def test_a_commune_lists_changes_from_the_old_commune_only_when_it_continues_just_that_one(
    client, demo
):
    """A new commune formed from several old ones compares its villages from its own first date
    (none on 30/9/2025); one that continues a single old commune reaches back into it, as
    today's province does."""
    village, old_commune, commune = a_changed_village_across_the_reform()
    url = reverse("unit", args=[commune.id]) + "?date=2025-09-30"
    html = get(client, url, "en")
    assert 'id="changes-h"' not in html and 'id="at-risk-continued"' not in html

    expected = continue_only(commune, old_commune)
    html = get(client, url, "en")
    assert village in set().union(*expected.values())
    assert {key: listed(html, key) for key in expected} == expected
    assert text_of(html, "village-changes-continued") == (
        f"Up to 30/06/2025, the figures are those of {old_commune.name} before the "
        "reorganisation of administrative units."
    )


def test_english_toggle_formats_numbers_the_english_way(client, demo):
    html = get(client, reverse("unit", args=[dien_bien().id]) + "?date=2017-12-31", "en")
    assert text_of(html, "fig-white") == "23 of 1,813"
    assert "36,894" in text_of(html, "pub-members")


def test_drill_from_province_to_village_at_the_end_of_2017(client, demo):
    html = get(client, reverse("unit", args=[dien_bien().id]) + "?date=2017-12-31")
    district = Unit.objects.get(name="Huyện Mường Chà", scheme=Scheme.GSO2004)
    assert f'href="/u/{district.id}/?date=2017-12-31"' in html
    html = get(client, f"/u/{district.id}/?date=2017-12-31")
    commune = Unit.objects.get(name="Xã Mường Tùng", scheme=Scheme.GSO2004)
    assert f'href="/u/{commune.id}/?date=2017-12-31"' in html
    html = get(client, f"/u/{commune.id}/?date=2016-12-31")
    village = Village.objects.get(name="Bản Nậm Cang 1")
    assert f'href="/v/{village.id}/"' in html
    assert "Chưa có đảng viên" in html  # the village's status in 2016, in Vietnamese
    html = get(client, f"/v/{village.id}/")
    assert "Huyện Mường Chà" in html  # breadcrumb and placements
    assert html.count('<tr class="status-') == VillageFigure.objects.filter(village=village).count()


def test_province_lists_districts_before_the_reform_and_communes_after(client, demo):
    html = get(client, reverse("unit", args=[dien_bien().id]) + "?date=2024-12-31")
    assert "Huyện Mường Chà" in html
    new = dien_bien(Scheme.GSO2025)
    response = client.get(reverse("unit", args=[dien_bien().id]) + "?date=2025-09-30")
    assert response.status_code == 302 and response.url == f"/u/{new.id}/?date=2025-09-30"
    html = get(client, response.url)
    assert "Huyện" not in text_of(html, "children-h") and html.count('class="children"') == 1
    children = re.findall(r'<th scope="row"><a href="/u/\d+/\?date=2025-09-30">([^<]+)</a>', html)
    assert len(children) == 45 and all(name.startswith(("Xã", "Phường")) for name in children)


def test_village_page_shows_moves_and_merges(client, demo):
    village = Village.objects.get(name="Bản Nậm Cang 1")
    html = get(client, f"/v/{village.id}/")
    assert html.count("<tr><td>") == 2  # two placements: old commune, then the new one
    merged = Village.objects.filter(predecessions__isnull=False).first()
    html = get(client, f"/v/{merged.id}/")
    assert 'id="merged-from"' in html


def test_an_unknown_unit_is_not_found_and_a_bad_date_is_a_bad_request(client, demo):
    assert client.get("/u/999999/").status_code == 404
    assert client.get(f"/u/{dien_bien().id}/?date=2017-13-45").status_code == 400


def test_api_lists_provinces_and_walks_the_tree(client, demo):
    units = client.get("/api/v1/units").json()["units"]
    ids = {(u["scheme"], u["code"]): u["id"] for u in units}
    province_id = ids[("gso2004", "11")]
    data = client.get(f"/api/v1/figures?unit={province_id}&date=2017-12-31").json()
    assert data["figures"]["computed"]["no_members"] == 23
    assert data["figures"]["computed"]["villages"] == 1813
    published = {f["metric"]: f for f in data["figures"]["published"]}
    assert published["members"]["value"] == 36894
    assert published["members"]["source"]["kind"] == "published"
    district = next(c for c in data["children"] if c["name"] == "Huyện Mường Chà")
    data = client.get(f"/api/v1/figures?unit={district['id']}&date=2017-12-31").json()
    assert data["parent"]["id"] == province_id
    assert (
        sum(c["figures"]["villages"] for c in data["children"])
        == data["figures"]["computed"]["villages"]
    )


def test_api_publishes_qualifiers_not_exact_numbers(client, demo):
    province_id = dien_bien().id
    data = client.get(f"/api/v1/figures?unit={province_id}&date=2023-09-13").json()
    members = next(f for f in data["figures"]["published"] if f["metric"] == "members")
    assert (members["value"], members["qualifier"]) == (46000, "about")


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("unit=abc&date=2017-12-31", 400),
        ("unit=1&date=31-12-2017", 400),
        ("", 400),
        ("unit=999999&date=2017-12-31", 404),
    ],
)
def test_api_errors_are_json(client, demo, query, status):
    response = client.get(f"/api/v1/figures?{query}")
    assert response.status_code == status
    assert "error" in response.json()


def test_new_commune_series_regroups_the_old_communes_villages(client, demo):
    new_commune = Unit.objects.get(scheme=Scheme.GSO2025, level=Level.COMMUNE, name="Xã Mường Tùng")
    as_reported = get(client, f"/u/{new_commune.id}/?series=reported")
    assert "?date=" in as_reported and "series=regrouped" in as_reported
    series = as_reported.split('<table class="series">')[1].split("</table>")[0]
    rows_reported = series.count('<tr><th scope="row">')
    assert rows_reported == 5  # 30/09/2025 … 30/09/2026: the commune exists from 1/7/2025
    # By default the whole series: a commune formed from several is regrouped (issue 13).
    for url in (f"/u/{new_commune.id}/", f"/u/{new_commune.id}/?series=regrouped"):
        regrouped = get(client, url)
        rows = regrouped.split('<table class="series">')[1].split("</table>")[0]
        assert rows.count('<tr><th scope="row">') == 44  # every quarter since 31/12/2015
        assert "31/12/2015" in rows and "series=reported" in regrouped
    # A district never regroups: it ended with the reform.
    district = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    html = get(client, f"/u/{district.id}/?series=regrouped")
    assert "series=regrouped" not in html.split('id="series-rule"')[1].split("</p>")[0]


def test_changes_since_a_chosen_date_list_the_210_new_cells_of_2017(client, demo):
    url = reverse("unit", args=[dien_bien().id]) + "?date=2017-12-31&compare=2016-12-31"
    html = get(client, url)
    gained = html.split('id="changes-gained-cell"')[1].split("</table>")[0]
    assert gained.count('<th scope="row">') == 210
    assert "210" in gained.split("</caption>")[0]


def test_re_whitened_villages_are_listed_as_going_backwards(client, demo):
    url = reverse("unit", args=[dien_bien().id]) + "?date=2018-06-30"
    backwards = get(client, url).split('id="changes-backwards"')[1].split("</table>")[0]
    assert backwards.count("Chưa có đảng viên") >= 3  # the three passing re-whitenings


def test_villages_at_risk_have_few_members_a_worse_status_or_a_steep_fall(client, demo):
    """One or two members, a status that got worse, or a third of the members gone since a year
    before; each with its commune (issue 13)."""
    district = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    html = get(client, f"/u/{district.id}/?date=2018-06-30", "en")
    table = html.split('id="at-risk"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table, re.S)
    assert rows
    communes = {u.name for u in Unit.objects.filter(parent=district)}
    reasons_seen = set()
    for row in rows:
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip() for cell in re.split(r"</t[hd]><t[hd][^>]*>", row)
        ]
        _, commune, _, now, before, why = cells
        assert commune in communes
        now, before = int(now), int(before) if before != "—" else None
        reasons = set(why.split("; "))
        reasons_seen |= reasons
        assert ("one or two members" in reasons) == (now in (1, 2))
        if "lost a third of its members or more" in reasons:
            assert 3 * now <= 2 * before
    assert reasons_seen <= {
        "one or two members",
        "status got worse",
        "lost a third of its members or more",
    }


@pytest.mark.parametrize(
    ("before", "now", "reasons"),
    [
        (("own_cell", 37), ("own_cell", 36), ()),  # lost one of 37: not at risk
        (("own_cell", 37), ("own_cell", 25), ()),  # lost 12 of 37, less than a third
        (("own_cell", 36), ("own_cell", 24), ("falling",)),  # lost a third
        (("own_cell", 3), ("joined", 2), ("few", "worse", "falling")),
        (("joined", 4), ("joined", 2), ("few", "falling")),
        (("joined", 1), ("no_members", 0), ("worse", "falling")),  # re-whitened
        (None, ("joined", 1), ("few",)),  # no figure a year before
        (("not_reported", None), ("joined", 5), ()),
    ],
)
def test_the_at_risk_rule(before, now, reasons):
    from units.reads.village_lists import FigureRow, VillageRef, risk_reasons

    ref = VillageRef(1, "Bản Thử", "1", 1, "Xã Thử")
    earlier = FigureRow(ref, *before) if before else None
    assert risk_reasons(FigureRow(ref, *now), earlier) == reasons


def test_chart_data_matches_the_figures_and_says_its_rule(client, demo):
    import json

    html = get(client, reverse("unit", args=[dien_bien().id]) + "?date=2017-12-31")
    data = json.loads(html.split('id="chart-data" type="application/json">')[1].split("<")[0])
    day = (D(2017, 12, 31) - D(1970, 1, 1)).days
    assert {"x": day, "y": 23} in data["computed"]["no_members"]
    assert {"x": day, "y": 36894.0} == {
        k: v for k, v in data["published"]["members"][0].items() if k in ("x", "y")
    }
    assert data["rule"] == "reported"
    district = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    assert 'id="chart-ends"' in get(client, f"/u/{district.id}/")


def test_a_village_named_like_a_script_is_shown_as_text_everywhere(client, demo):
    village = Village.objects.get(name="Bản Nậm Cang 1")
    village.name = "<script>alert(1)</script>"
    village.save()
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    for url in (f"/u/{commune.id}/?date=2016-12-31", f"/v/{village.id}/"):
        html = get(client, url)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    data = client.get(f"/api/v1/figures?unit={commune.id}&date=2016-12-31").json()
    assert "<script>alert(1)</script>" in [child["name"] for child in data["children"]]
    response = client.get(f"/api/v1/figures?unit={commune.id}&date=2016-12-31")
    assert response["Content-Type"] == "application/json"


def test_a_long_at_risk_list_stops_at_the_limit_and_links_to_the_full_table(client, demo):
    """A province has hundreds of villages at risk (thousands in a big province): the page lists
    the first LIST_AT_MOST and links to the coverage table for every village with 1 or 2."""
    from units.web.pages import LIST_AT_MOST

    html = get(client, reverse("unit", args=[dien_bien().id]) + "?date=2016-12-31")
    table = html.split('id="at-risk"')[1].split("</table>")[0]
    listed = int(re.search(r"<caption>(\d+)", table).group(1))
    assert listed > LIST_AT_MOST
    assert table.count('<th scope="row">') == LIST_AT_MOST
    cut = html.split('id="at-risk-cut"')[1].split("</p>")[0]
    assert "members_min=1&amp;members_max=2" in cut and "group=village" in cut

    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    html = get(client, f"/u/{commune.id}/?date=2016-12-31")
    assert 'id="at-risk-cut"' not in html


@pytest.mark.parametrize(
    ("scheme", "name", "language", "level"),
    [
        (Scheme.GSO2025, "Phường Mường Lay", "vi", "Cấp xã"),
        (Scheme.GSO2025, "Phường Mường Lay", "en", "Commune level"),
        (Scheme.GSO2004, "Thành phố Điện Biên Phủ", "vi", "Cấp huyện"),
        (Scheme.GSO2025, "Tỉnh Điện Biên", "vi", "Cấp tỉnh"),
    ],
)
def test_a_unit_page_names_the_level_not_a_kind_the_unit_is_not(
    client, demo, scheme, name, language, level
):
    """Found browsing after importing: a ward, a special zone or a city was headed "Xã" or
    "Huyện" (the level's label), a kind it is not."""
    unit = Unit.objects.get(scheme=scheme, name=name)
    html = get(client, reverse("unit", args=[unit.id]), language)
    meta = re.search(r'<p class="meta">(.*?) · ', html, re.S).group(1)
    assert meta == level


def test_a_unit_opens_at_its_latest_date_with_a_village_reported(client, demo):
    """Found importing Lai Châu at 30/9/2026 while Điện Biên had reports of 31/10/2026: Lai
    Châu's page opened at 31/10/2026, every village not reported. A unit opens at its own latest
    reported date; any date stays a choice."""
    commune = Unit.objects.get(scheme=Scheme.GSO2025, name="Xã Mường Tùng")
    latest = period_for_date(D(2026, 9, 30))
    VillageFigure.objects.filter(commune=commune, period=latest).delete()
    coverage_rebuild(periods=[latest])
    html = get(client, reverse("unit", args=[commune.id]))
    assert re.search(r'<option value="([\d-]+)" selected>', html).group(1) == "2026-06-30"
    assert '<option value="2026-09-30">' in html
    province = get(client, reverse("unit", args=[dien_bien(Scheme.GSO2025).id]))
    assert re.search(r'<option value="([\d-]+)" selected>', province).group(1) == "2026-09-30"


def test_the_page_controls_keep_the_series_and_the_ranking_chosen(client, demo):
    """Changing the date, the date compared with, the ranking or the series dropped the other
    choices: a reader on the regrouped series who picked another date was back on the default
    series, ranked by share again."""
    from html import unescape

    province = dien_bien(Scheme.GSO2025)
    url = f"/u/{province.id}/?date=2026-06-30&series=regrouped&rank=name&compare=2025-12-31"
    html = unescape(get(client, url, "en"))
    forms = re.findall(r'<form class="date-pick" method="get">(.*?)</form>', html, re.S)
    assert len(forms) == 2  # the date, the date compared with
    for form in forms:
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
        assert hidden.items() >= {"series": "regrouped", "rank": "name"}.items(), form
    ranks = re.search(r'id="rank-links">(.*?)</p>', html, re.S).group(1)
    for link in re.findall(r'href="([^"]+)"', ranks):
        assert "series=regrouped" in link and "compare=2025-12-31" in link, link
    series = re.search(r'id="series-rule">(.*?)</p>', html, re.S).group(1)
    link = re.search(r'href="([^"]*series=reported[^"]*)"', series).group(1)
    assert "rank=name" in link and "compare=2025-12-31" in link, link


def test_the_change_since_the_previous_date_says_when_villages_were_merged(client, demo):
    """31/03/2020, the first date after the demo's 2019 merges (in force on 1/1/2020): the
    province's villages column falls by the merges alone, and a note says so with the counts;
    at 31/12/2019 (no village began or ended since 30/09/2019) there is no note."""
    merges = VillageSuccession.objects.filter(date=D(2020, 1, 1))
    merged, formed = merges.count(), merges.values("successor").distinct().count()
    url = reverse("unit", args=[dien_bien().id])
    html = get(client, url + "?date=2020-03-31", "en")
    assert changes_rows(html)[-1][-1] == f"−{merged - formed}"  # villages, since 31/12/2019
    assert text_of(html, "changes-lives") == (
        "The change since the previous date includes changes to the villages themselves after "
        f"31/12/2019: {merged} villages merged into {formed}."
    )
    assert text_of(get(client, url + "?date=2020-03-31"), "changes-lives") == (
        "Thay đổi so với kỳ trước bao gồm cả biến động về số thôn, bản sau ngày 31/12/2019: "
        f"{merged} thôn, bản sáp nhập thành {formed}."
    )
    assert 'id="changes-lives"' not in get(client, url + "?date=2019-12-31", "en")


def test_villages_that_began_or_ended_are_counted_in_the_note(client, demo):
    """A village of Xã Mường Tùng ended and another begun between 31/12/2019 and 31/03/2020
    (recorded lives, no merge): the commune's note, which counted its merges, counts each once
    more, in both languages."""
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    url = reverse("unit", args=[commune.id]) + "?date=2020-03-31"
    merges = {
        language: text_of(get(client, url, language), "changes-lives") for language in LANGUAGES
    }
    lasting = Village.objects.filter(
        placements__commune=commune, valid_from__lte=D(2019, 12, 31), valid_to__isnull=True
    )
    ended, begun = lasting.order_by("pk")[:2]
    Village.objects.filter(pk=ended.pk).update(valid_to=D(2020, 2, 1))
    Village.objects.filter(pk=begun.pk).update(valid_from=D(2020, 2, 1))
    assert text_of(get(client, url, "en"), "changes-lives") == (
        merges["en"] + " 1 new village. 1 village ended."
    )
    assert text_of(get(client, url, "vi"), "changes-lives") == (
        merges["vi"] + " 1 thôn, bản mới. 1 thôn, bản không còn tồn tại."
    )


@pytest.mark.parametrize(
    ("scheme", "date", "heading"),
    [
        (Scheme.GSO2025, "2026-09-30", "Xã, phường, đặc khu"),
        (Scheme.GSO2004, "2024-12-31", "Xã, phường, thị trấn"),
    ],
)
def test_the_unit_pages_village_lists_head_the_commune_by_its_kinds_at_the_date(
    client, demo, scheme, date, heading
):
    """Found browsing 30/9/2025: "Xã" headed the commune of villages of wards (phường)."""
    html = get(client, reverse("unit", args=[dien_bien(scheme).id]) + f"?date={date}")
    table = re.search(r'<table class="at-risk" id="at-risk">(.*?)</thead>', html, re.S).group(1)
    assert re.findall(r'<th scope="col">(.*?)</th>', table)[1] == heading


def test_the_change_since_the_baseline_says_when_villages_were_merged(client, demo):
    """The change since 31/12/2015 counts the demo's 2019 merges too: at 31/03/2020 beside the
    note on the previous date, at 30/06/2020 (nothing merged since 31/03/2020) alone; at
    31/12/2017, before them, no note."""
    merges = VillageSuccession.objects.filter(date=D(2020, 1, 1))
    merged, formed = merges.count(), merges.values("successor").distinct().count()
    url = reverse("unit", args=[dien_bien().id])
    for date in ("2020-03-31", "2020-06-30"):
        assert text_of(get(client, f"{url}?date={date}", "en"), "changes-lives-baseline") == (
            "The change since 31/12/2015 includes changes to the villages themselves after that "
            f"date: {merged} villages merged into {formed}."
        )
        assert text_of(get(client, f"{url}?date={date}"), "changes-lives-baseline") == (
            "Thay đổi so với ngày 31/12/2015 bao gồm cả biến động về số thôn, bản sau ngày đó: "
            f"{merged} thôn, bản sáp nhập thành {formed}."
        )
    later = get(client, f"{url}?date=2020-06-30", "en")
    assert 'id="changes-lives"' not in later
    assert 'id="changes-lives-baseline"' not in get(client, f"{url}?date=2017-12-31", "en")
