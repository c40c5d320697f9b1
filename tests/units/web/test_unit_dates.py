"""Unit pages and the API at dates around the reform, at dates that are no reporting date, and
with dates that are no date at all (issue 13, "Dates and the reform")."""

import re

import pytest

from tests.demo_snapshot import dien_bien
from units.models import Scheme, Unit

pytestmark = pytest.mark.django_db


def unit(scheme: str, name: str) -> Unit:
    return Unit.objects.get(scheme=scheme, name=name)


def get(client, url: str, language: str = "en", status: int = 200):
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|ul)>', html, re.S)
    assert match, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_a_2025_commune_at_2017_points_to_the_communes_it_continues(client, demo):
    new = unit(Scheme.GSO2025, "Xã Mường Tùng")
    html = get(client, f"/u/{new.id}/?date=2017-12-31", status=300).content.decode()
    assert text(html, "elsewhere") == (
        "Xã Mường Tùng exists from 01/07/2025. On 31/12/2017 it was still these units:"
    )
    old = [unit(Scheme.GSO2004, "Xã Huổi Lèng"), unit(Scheme.GSO2004, "Xã Mường Tùng")]
    links = re.findall(r'<li><a href="(/u/\d+/\?date=2017-12-31)">([^<]+)</a>', html)
    assert links == [(f"/u/{u.id}/?date=2017-12-31", u.name) for u in old]
    assert "No village figures" not in html


def test_a_district_after_the_reform_points_to_the_communes_that_took_its_communes(client, demo):
    district = unit(Scheme.GSO2004, "Huyện Mường Chà")
    html = get(client, f"/u/{district.id}/?date=2026-09-30", status=300).content.decode()
    assert text(html, "elsewhere").startswith("Huyện Mường Chà existed until 30/06/2025.")
    successors = Unit.objects.filter(predecessions__predecessor__parent=district)
    successors = set(successors.values_list("id", flat=True))
    linked = {int(i) for i in re.findall(r'<li><a href="/u/(\d+)/\?date=2026-09-30"', html)}
    assert linked == successors and len(successors) > 1


def test_a_unit_continued_one_to_one_redirects_page_and_api_alike(client, demo):
    old = dien_bien()
    new = dien_bien(Scheme.GSO2025)
    response = get(client, f"/u/{new.id}/?date=2017-12-31", status=302)
    assert response.url == f"/u/{old.id}/?date=2017-12-31"
    response = get(client, f"/api/v1/figures?unit={new.id}&date=2017-12-31", status=303)
    assert response["Location"] == f"/api/v1/figures?unit={old.id}&date=2017-12-31"
    data = response.json()
    assert data["status"] == "unit_not_valid_on_date" and data["relation"] == "predecessors"
    assert [u["id"] for u in data["stood_for_by"]] == [old.id]


def test_the_api_names_the_predecessors_of_a_unit_asked_for_before_it_existed(client, demo):
    new = unit(Scheme.GSO2025, "Xã Mường Tùng")
    response = get(client, f"/api/v1/figures?unit={new.id}&date=2017-12-31", status=300)
    data = response.json()
    assert data["status"] == "unit_not_valid_on_date"
    assert data["error"] == (
        "Xã Mường Tùng did not exist yet on 31/12/2017: it continues these units."
    )
    assert [u["name"] for u in data["stood_for_by"]] == ["Xã Huổi Lèng", "Xã Mường Tùng"]
    old = data["stood_for_by"][0]
    assert old["scheme"] == "gso2004" and old["figures_url"].endswith("&date=2017-12-31")
    assert client.get(old["figures_url"]).json()["figures"]["computed"]["villages"] > 0


@pytest.mark.parametrize("query", ["date=garbage", "date=2017-13-45", "compare=31-12-2016"])
def test_a_unit_page_answers_a_bad_date_with_a_400_that_says_so(client, demo, query):
    province = dien_bien()
    html = get(client, f"/u/{province.id}/?{query}", status=400).content.decode()
    value = query.split("=")[1]
    message = f"Not a date: {value} (use YYYY-MM-DD)"
    assert text(html, "error-message") == message
    vi = get(client, f"/u/{province.id}/?{query}", language="vi", status=400).content.decode()
    assert text(vi, "error-message") == f"Không phải ngày: {value} (dùng dạng YYYY-MM-DD)"


def test_a_day_that_is_no_reporting_date_shows_the_nearest_earlier_one_and_says_so(client, demo):
    province = dien_bien()
    html = get(client, f"/u/{province.id}/?date=2017-12-30").content.decode()
    assert text(html, "date-note") == (
        "30/12/2017 is not a reporting date: these are the figures at 30/09/2017, "
        "the nearest earlier one."
    )
    assert '<option value="2017-09-30" selected>' in html
    data = get(client, f"/api/v1/figures?unit={province.id}&date=2017-12-30").json()
    assert data["status"] == "nearest_earlier_date"
    assert (data["requested_date"], data["date"]) == ("2017-12-30", "2017-09-30")
    html = get(client, f"/u/{province.id}/?date=2017-12-31").content.decode()
    assert 'id="date-note"' not in html


def test_a_date_before_any_figure_is_not_found_on_page_and_api(client, demo):
    province = dien_bien()
    get(client, f"/u/{province.id}/?date=2010-06-30", status=404)
    data = get(client, f"/api/v1/figures?unit={province.id}&date=2010-06-30", status=404).json()
    assert data["status"] == "no_figures_at_date"
    assert data["error"] == (
        "Tỉnh Điện Biên has no figures on or before 30/06/2010: its first reporting date is "
        "31/12/2015."
    )
    assert data["first_date"] == "2015-12-31" and data["reported_under_before"] == []
    assert client.get(data["first_figures_url"]).json()["date"] == "2015-12-31"


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "Tỉnh Điện Biên has no figures on or before 01/08/2025: its first reporting date "
               "is 30/09/2025."),
        ("vi", "Tỉnh Điện Biên chưa có số liệu tại hoặc trước ngày 01/08/2025: ngày báo cáo đầu "
               "tiên của đơn vị này là 30/09/2025."),
    ],
)  # fmt: skip
def test_the_api_before_a_units_first_report_says_as_its_page_where_the_figures_are(
    client, demo, language, says
):
    """The API answered the generic "No figures for this unit at or before this date." where
    the page names the first reporting date and the units reported before."""
    province, old = dien_bien(Scheme.GSO2025), dien_bien()
    client.cookies["django_language"] = language
    response = client.get(f"/api/v1/figures?unit={province.id}&date=2025-08-01")
    assert response.status_code == 404
    data = response.json()
    assert (data["status"], data["error"]) == ("no_figures_at_date", says)
    assert data["first_date"] == "2025-09-30"
    assert data["first_figures_url"] == f"/api/v1/figures?unit={province.id}&date=2025-09-30"
    before = data["reported_under_before"]
    assert [(u["id"], u["figures_url"]) for u in before] == [
        (old.id, f"/api/v1/figures?unit={old.id}&date=2025-06-30")
    ]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/v1/nothing", 404),
        ("get", "/api/", 404),
        ("get", "/api/v2/figures?unit=1", 404),
        ("post", "/api/v1/units", 405),
        ("delete", "/api/v1/figures?unit=1", 405),
    ],
)
def test_api_errors_are_json_everywhere_under_api(client, demo, method, url, status):
    client.cookies["django_language"] = "en"
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    message = response.json()["error"]
    if status == 404:
        assert message  # partystats/errors.py says it
    else:
        assert message == "Only GET (and HEAD) are answered here." and "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("language", "says", "before"),
    [
        (
            "en",
            "Tỉnh Điện Biên has no figures on or before 01/08/2025: its first reporting date is "
            "30/09/2025.",
            "Before 01/07/2025 its villages were reported under:",
        ),
        (
            "vi",
            "Tỉnh Điện Biên chưa có số liệu tại hoặc trước ngày 01/08/2025: ngày báo cáo đầu tiên "
            "của đơn vị này là 30/09/2025.",
            "Trước 01/07/2025, các thôn, bản của đơn vị này được báo cáo thuộc:",
        ),
    ],
)
def test_a_date_between_the_reform_and_a_units_first_report_points_to_its_figures(
    client, demo, language, says, before
):
    """Between 1/7/2025 and the first report after it (30/9/2025), today's units have no
    figures: the page was a bare "Page not found", and the old province's permalink at such a
    date led to it too. It says why, and links the first date and the units reported before."""
    province = dien_bien(Scheme.GSO2025)
    old = dien_bien()
    for url in (f"/u/{province.id}/?date=2025-08-01", f"/u/{old.id}/?date=2025-08-01"):
        response = client.get(url, follow=True, HTTP_COOKIE=f"django_language={language}")
        assert response.status_code == 404
    html = response.content.decode()
    assert text(html, "no-figures").replace(" .", ".") == says  # a link's tags made a space
    assert text(html, "no-figures-before") == before
    links = re.findall(r'<a href="(/u/\d+/\?date=[\d-]+)"[^>]*>([^<]+)</a>', html)
    assert (f"/u/{province.id}/?date=2025-09-30", "30/09/2025") in links
    assert (f"/u/{old.id}/?date=2025-06-30", "Tỉnh Điện Biên") in links


@pytest.mark.parametrize(
    ("compare", "since", "note"),
    [
        ("2017-09-30", "30/09/2017", None),
        (
            "2016-12-30",
            "30/09/2016",
            "30/12/2016 is not a reporting date: the changes are counted from 30/09/2016, "
            "the nearest earlier one.",
        ),
        (
            "2018-03-31",
            "30/09/2017",
            "31/03/2018 is not before 31/12/2017: the changes are counted from the date before, "
            "30/09/2017.",
        ),
        (
            "1990-01-01",
            "30/09/2017",
            "No reporting date is on or before 01/01/1990: the changes are counted from the date "
            "before, 30/09/2017.",
        ),
    ],
)
def test_a_compare_date_the_lists_cannot_count_from_is_said(client, demo, compare, since, note):
    """`?compare=` after the page's date, before every date or between two dates was replaced
    without a word: the heading's date differed from the one asked for and nothing said why."""
    html = get(client, f"/u/{dien_bien().id}/?date=2017-12-31&compare={compare}").content.decode()
    heading = re.search(r'<h2 id="changes-h">(.*?)</h2>', html, re.S).group(1)
    assert heading == f"Changes from {since} to 31/12/2017"
    if note is None:
        assert 'id="compare-note"' not in html
    else:
        assert text(html, "compare-note") == note
