"""Charts and unit pages as a person sees them, in Chromium (issue 13, "Charts, rates and
phones"): axes that fit the data, the whole series by default, gaps where nothing was reported,
a PNG that says what it shows, and a unit page that reads on a phone."""

import datetime
import json
import struct

import pytest

from tests.demo_snapshot import dien_bien
from units.domain.coverage import coverage_rebuild
from units.models import Period, Scheme, Unit, VillageFigure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def chart_of(page, canvas: str) -> dict:
    page.wait_for_selector("body[data-charts-drawn=true]")
    return page.evaluate(
        """(id) => { const c = Chart.getChart(id);
            return {min: c.scales.x.min, max: c.scales.x.max,
                    lines: c.data.datasets.map(d => d.data.map(p => [p.x, p.y])),
                    plotHeight: c.chartArea.bottom - c.chartArea.top}; }""",
        canvas,
    )


def day(date: datetime.date) -> int:
    return (date - datetime.date(1970, 1, 1)).days


def test_the_x_axis_runs_from_the_first_date_to_the_last(live_server, page, demo_loaded):
    page.goto(f"{live_server.url}/u/{dien_bien().id}/?date=2017-12-31")
    chart = chart_of(page, "chart-villages")
    xs = [x for line in chart["lines"] for x, _ in line]
    assert (chart["min"], chart["max"]) == (min(xs), max(xs))
    assert chart["min"] == day(datetime.date(2015, 12, 31))
    assert chart["max"] == day(datetime.date(2025, 6, 30))  # the three-level province ends


def test_the_home_chart_shows_the_whole_series(live_server, page, demo_loaded):
    """/ opens today's province, which continues the old one: its chart starts in 2015, not
    at the reform (5 points before)."""
    page.goto(f"{live_server.url}/")
    assert page.url.endswith(f"/u/{dien_bien(Scheme.GSO2025).id}/")
    no_members = chart_of(page, "chart-villages")["lines"][0]
    dates = Period.objects.filter(coverage__unit=dien_bien()).count()
    assert (
        len(no_members)
        == dates + Period.objects.filter(coverage__unit=dien_bien(Scheme.GSO2025)).count()
    )
    assert no_members[0][0] == day(datetime.date(2015, 12, 31))
    assert [point for point in no_members if point[0] == day(datetime.date(2017, 12, 31))] == [
        [day(datetime.date(2017, 12, 31)), 23]
    ]


def test_a_date_nothing_was_reported_is_a_gap_with_a_note(live_server, page, demo_loaded):
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    period = Period.objects.get(date=datetime.date(2018, 6, 30))
    VillageFigure.objects.filter(commune=commune, period=period).delete()
    coverage_rebuild(periods=[period])
    page.goto(f"{live_server.url}/u/{commune.id}/?date=2017-12-31")
    lines = chart_of(page, "chart-villages")["lines"]
    at_gap = [y for line in lines[:3] for x, y in line if x == day(period.date)]
    assert at_gap == [None, None, None]  # a break in each line, never a fall to zero
    note = page.locator("#chart-gaps").inner_text()
    assert "30/06/2018" in note and "không phải là số 0" in note


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_png_carries_title_unit_dates_and_source(live_server, page, demo_loaded):
    page.goto(f"{live_server.url}/u/{dien_bien().id}/?date=2017-12-31")
    page.wait_for_selector("body[data-charts-drawn=true]")
    canvas = page.evaluate(
        "(() => { const c = document.getElementById('chart-villages');"
        " return [c.width, c.height]; })()"
    )
    with page.expect_download() as download:
        page.locator("a.chart-png[data-chart=chart-villages]").click()
    width, height = png_size(download.value.path().read_bytes())
    assert width > canvas[0] and height > canvas[1] + 60  # the card around the chart
    caption = page.locator("a.chart-png[data-chart=chart-villages]").get_attribute("data-caption")
    lines = caption.split("\n")
    assert lines[0] == "Thôn, bản theo tình trạng · Tỉnh Điện Biên"
    assert lines[1].startswith("31/12/2015 – 30/06/2025 · ")
    assert any(line.startswith("Nguồn: partystats") for line in lines[2:])
    assert "Điện Biên thực hiện hiệu quả" in caption  # the published figures' source, by name


def test_a_unit_page_reads_on_a_phone(live_server, page, demo_loaded):
    """The status chart keeps its height under its legend (40 px before), the change table
    shows its last column, and no heading is set one word a line."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/u/{dien_bien().id}/?date=2017-12-31")
    assert chart_of(page, "chart-villages")["plotHeight"] >= 150
    fits = page.evaluate(
        "(() => { const t = document.getElementById('changes-table');"
        " return [t.scrollWidth, t.parentElement.clientWidth]; })()"
    )
    assert fits[0] <= fits[1], fits
    one_word_a_line = page.evaluate(
        """() => [...document.querySelectorAll("h1, h2, #changes-table th")].filter(h => {
            const words = h.innerText.trim().split(/\\s+/).length;
            const range = document.createRange(); range.selectNodeContents(h);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            return words >= 3 && lines >= words; }).map(h => h.innerText)"""
    )
    assert one_word_a_line == []


def test_children_can_be_ranked_by_share_with_a_member(live_server, page, demo_loaded):
    page.goto(f"{live_server.url}/u/{dien_bien().id}/?date=2017-12-31")
    page.get_by_role("link", name="tỷ lệ có đảng viên").click()
    cells = page.locator("#children tbody tr td:nth-child(3)").all_inner_texts()
    shares = [float(cell.rstrip("%").replace(",", ".")) for cell in cells]
    assert shares == sorted(shares, reverse=True) and len(shares) == 10
    data = json.loads(page.locator("#chart-data").text_content())
    assert data["rule"] == "reported"
