"""A person drills from the province to a village and switches language, in Chromium."""

import pytest

from tests.demo_snapshot import dien_bien

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_drill_from_province_to_village_and_switch_language(live_server, page, demo_loaded):
    province = dien_bien()
    page.goto(f"{live_server.url}/u/{province.id}/?date=2017-12-31")
    assert page.locator("#fig-white").inner_text() == "23 trên 1.813"
    page.get_by_role("link", name="Huyện Mường Chà").click()
    page.get_by_role("link", name="Xã Mường Tùng").click()
    assert page.locator("h1").inner_text() == "Xã Mường Tùng"
    page.get_by_label("Số liệu tại ngày").select_option("2016-12-31")
    page.get_by_role("button", name="Xem").click()
    row = page.get_by_role("row", name="Bản Nậm Cang 1")
    assert "Chưa có đảng viên" in row.inner_text()
    row.get_by_role("link", name="Bản Nậm Cang 1").click()
    assert page.locator("h1").inner_text() == "Bản Nậm Cang 1"
    assert "Xã Mường Tùng" in page.get_by_role("navigation", name="Đường dẫn").inner_text()
    assert "Huyện Mường Chà" in page.locator("table.placements").inner_text()
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="History").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"


def test_chart_draws_and_its_data_table_matches(live_server, page, demo_loaded):
    province = dien_bien()
    page.goto(f"{live_server.url}/u/{province.id}/?date=2017-12-31")
    page.wait_for_selector("body[data-charts-drawn=true]")
    # What Chart.js holds for the no-member line equals the "show data" table's column.
    drawn = page.evaluate("Chart.getChart('chart-villages').data.datasets[0].data.map(p => p.y)")
    page.get_by_text("Xem số liệu").click()
    column = page.locator("table.series tbody tr td:nth-child(5)").all_inner_texts()
    assert drawn == [int(text.replace(".", "")) for text in column]
    assert drawn[8] == 23  # 31/12/2017, the ninth quarter end
    assert page.locator("#chart-villages").get_attribute("role") == "img"


def test_search_without_diacritics_from_the_header(live_server, page, demo_loaded):
    page.goto(f"{live_server.url}/coverage/")
    page.get_by_role("searchbox").fill("huoi ha")
    page.get_by_role("search").get_by_role("button").click()
    page.get_by_role("link", name="Bản Huổi Hạ").first.click()
    assert page.locator("h1").inner_text() == "Bản Huổi Hạ"
