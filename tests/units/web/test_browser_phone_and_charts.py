"""Charts and unit pages as a person sees them, in Chromium (issue 13, "Charts, rates and
phones"): axes that fit the data, the whole series by default, gaps where nothing was reported,
a PNG that says what it shows, and a unit page that reads on a phone."""

import datetime
import json
import struct
from itertools import pairwise

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


def x_ticks_of(page, canvas: str) -> dict:
    """The x axis's ticks as drawn: their values (day numbers), labels, centres and widths in
    pixels, and the reporting dates the lines are drawn at."""
    page.wait_for_selector("body[data-charts-drawn=true]")
    return page.evaluate(
        """(id) => { const c = Chart.getChart(id), x = c.scales.x;
            x.ctx.font = Chart.helpers.toFont(x.options.ticks.font).string;
            return {values: x.ticks.map(t => t.value),
                    labels: x.ticks.map(t => String(t.label)),
                    centres: x.ticks.map((t, i) => x.getPixelForTick(i)),
                    widths: x.ticks.map(t => x.ctx.measureText(String(t.label)).width),
                    dates: c.data.datasets[0].data.map(p => p.x),
                    rotation: x.labelRotation}; }""",
        canvas,
    )


def from_day(number: int) -> datetime.date:
    return datetime.date(1970, 1, 1) + datetime.timedelta(days=number)


def assert_ticks_readable(ticks: dict) -> None:
    """Each tick on a reporting date or on a 1 January, evenly spaced, labels level and apart."""
    values, dates = ticks["values"], ticks["dates"]
    assert len(values) >= 2, ticks
    on_dates = all(value in dates for value in values)
    on_years = all(from_day(v).timetuple()[1:3] == (1, 1) for v in values)
    assert on_dates or on_years, [from_day(v) for v in values]
    if on_years:  # every year, or every second, third …
        assert ticks["labels"] == [str(from_day(v).year) for v in values]
        steps = {from_day(b).year - from_day(a).year for a, b in pairwise(values)}
    else:  # every reporting date, or every second, third …
        assert ticks["labels"] == [from_day(v).strftime("%d/%m/%Y") for v in values]
        steps = {dates.index(b) - dates.index(a) for a, b in pairwise(values)}
    assert len(steps) == 1, steps
    assert ticks["rotation"] == 0
    for i in range(len(values) - 1):
        room = ticks["centres"][i + 1] - ticks["centres"][i]
        assert room > (ticks["widths"][i] + ticks["widths"][i + 1]) / 2 + 4, ticks


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_x_axis_ticks_fall_on_reporting_dates_or_year_starts(
    live_server, page, demo_loaded, viewport
):
    """Ten years of quarters: ticks on 1 January, every year or every few, labelled by the
    year; a year of quarters (a new commune as reported, from 30/9/2025): ticks on the
    reporting dates themselves. Before, a linear axis put them at round day numbers
    (26/09/2018, 22/06/2021)."""
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/u/{dien_bien().id}/?date=2017-12-31")
    for canvas in ("chart-villages", "chart-members"):
        ticks = x_ticks_of(page, canvas)
        assert_ticks_readable(ticks)
        assert ticks["labels"][0] in ("2016", "2017") and len(ticks["values"]) >= 3

    commune = Unit.objects.filter(scheme=Scheme.GSO2025, level="commune").order_by("code")[0]
    page.goto(f"{live_server.url}/u/{commune.id}/?date=2026-09-30&series=reported")
    ticks = x_ticks_of(page, "chart-villages")
    assert_ticks_readable(ticks)
    if viewport is None:  # five quarter ends fit side by side
        assert ticks["labels"] == ["30/09/2025", "31/12/2025", "31/03/2026", "30/06/2026",
                                   "30/09/2026"]  # fmt: skip


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
