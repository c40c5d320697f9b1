"""A staff member imports a report through the web pages, in Chromium; a visitor cannot."""

import datetime

import pytest

from imports.models import ImportRun
from imports.services import report_import, report_preview
from tests.gate import PASSWORD, draft_publish
from tests.workbooks import (
    JOINED,
    OWN,
    mung_tung_rows,
    small_province,
    to_file,
    village,
    village_report,
)
from units.models import VillageFigure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staging(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path / "staging"
    return settings.IMPORT_STAGING_DIR


@pytest.fixture
def province(transactional_db):
    """Điện Biên in miniature with Xã Mường Tùng imported at 31/12/2017."""
    province = small_province()
    report_import(preview=report_preview(path_or_file=to_file(village_report())))
    return province


def june_report(path):
    """30/06/2018: Bản Nậm Cang 1 now has a member (joined), Bản Nậm Piền its own cell."""
    rows = mung_tung_rows()
    rows[2] = village(1, "Bản Nậm Cang 1", 1, 1, 0, JOINED, host="Bản Huổi Lèng")
    rows[4] = village(3, "Bản Nậm Piền", 3, 3, 0, OWN)
    rows[5] = [None, "Cộng xã", None, 18, 16, 2, None, None, 1, None]
    workbook = village_report(rows, date_line="Số liệu tính đến ngày 30/06/2018")
    workbook.save(path)
    return path


def test_staff_logs_in_uploads_previews_confirms_and_sees_the_figures_once_published(
    live_server, page, province, staff, staging, tmp_path
):
    page.goto(f"{live_server.url}/import/")
    assert page.url == f"{live_server.url}/accounts/login/?next=/import/"
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{live_server.url}/import/")

    page.set_input_files("#id_file", str(june_report(tmp_path / "Mường Tùng 6-2018.xlsx")))
    page.click("#upload")
    page.wait_for_selector("#count-changed")
    assert page.locator("#report-date").inner_text() == "30/06/2018"
    assert page.locator("#scope").inner_text() == "Xã Mường Tùng"
    assert page.locator("#count-changed").inner_text() == "2"
    assert page.locator("#count-unchanged").inner_text() == "1"
    assert page.locator("#count-not-reported").inner_text() == "1"
    assert page.locator("#errors").count() == 0
    assert VillageFigure.objects.filter(period__date=datetime.date(2018, 6, 30)).count() == 0

    page.click("#confirm")
    page.wait_for_selector("#run-message")
    run = ImportRun.objects.get(file_name="Mường Tùng 6-2018.xlsx")
    assert (run.outcome, run.user) == (ImportRun.Outcome.DRAFT, staff)
    assert list(staging.rglob("*")) == [staging / f"user-{staff.pk}"]
    assert page.locator("#draft-notice").is_visible()

    draft_publish(run)  # by a second staff member (test_browser_publish.py does it in the pages)
    page.reload()
    page.get_by_role("link", name="Tỉnh Điện Biên").click()
    page.wait_for_selector("#fig-own")
    assert page.url.endswith(f"/u/{province.province.id}/?date=2018-06-30")
    assert page.locator("#fig-own").inner_text() == "2"
    assert page.locator("#fig-joined").inner_text() == "1"
    assert page.locator("#fig-white").inner_text().startswith("0 ")


def test_anonymous_visitor_is_sent_to_log_in(live_server, page, transactional_db, staging):
    page.goto(f"{live_server.url}/import/")
    assert page.url == f"{live_server.url}/accounts/login/?next=/import/"
    assert page.locator("#id_username").is_visible()
    assert page.locator("#upload").count() == 0
    page.goto(f"{live_server.url}/import/history/")
    assert page.url == f"{live_server.url}/accounts/login/?next=/import/history/"
    assert not staging.exists()


def test_the_column_step_heading_sits_beside_its_disclosure_marker(
    live_server, page, province, staff, staging, tmp_path
):
    """The preview's "Which column is which" is a <details> whose <summary> holds an <h2>: the
    heading must share the marker's line, not leave the marker alone on a line above it."""
    page.goto(f"{live_server.url}/import/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{live_server.url}/import/")
    page.set_input_files("#id_file", str(june_report(tmp_path / "june.xlsx")))
    page.click("#upload")
    page.wait_for_selector("#column-mapping")
    summary = page.locator("#column-mapping > summary").bounding_box()
    heading = page.locator("#columns-h").bounding_box()
    assert summary["height"] < 1.5 * heading["height"]  # one line, not marker + heading
    assert abs(summary["y"] - heading["y"]) < heading["height"] / 2


def test_the_import_history_stays_inside_the_page(
    live_server, page, province, staff, staging, tmp_path
):
    """The history's sixteen columns scroll inside their box: the page itself never scrolls
    sideways (the table ran past the content column and the window's edge)."""
    report_import(preview=report_preview(path_or_file=june_report(tmp_path / "june.xlsx")))
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(f"{live_server.url}/import/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{live_server.url}/import/")
    page.goto(f"{live_server.url}/import/history/")
    page.wait_for_selector("#history")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1000
    main = page.locator("main").bounding_box()
    box = page.locator("#history").locator("xpath=..").bounding_box()
    assert box["x"] + box["width"] <= main["x"] + main["width"] + 1


def test_a_post_reform_report_with_its_communes_under_an_unread_header_is_mapped_and_confirmed(
    live_server, page, province, staff, staging, tmp_path
):
    """Issue 9, as staff meet it: the communes in a column headed "Địa bàn", no section rows.
    One error says so in the units of the date and points to the column step; choosing the
    column there reads the file, and it can be confirmed."""
    header = ["STT", "Địa bàn", "Tên thôn, tổ dân phố", "Số lượng ĐV", "Tình trạng"]
    rows = [
        [1, "Xã Mường Tùng", "Bản Huổi Lèng", 14, "Đã có chi bộ"],
        [2, "Xã Mường Tùng", "Bản Nậm Piền", 2, "Chưa có chi bộ (sinh hoạt ghép)"],
    ]
    path = tmp_path / "Mường Tùng 9-2025.xlsx"
    date_line = "Tính đến ngày 30/9/2025"
    village_report(rows, header=header, date_line=date_line, subheader=None, numbers=None).save(
        path
    )
    page.goto(f"{live_server.url}/import/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{live_server.url}/import/")
    page.set_input_files("#id_file", str(path))
    page.click("#upload")
    page.wait_for_selector("#errors")
    errors = page.locator("#errors tbody tr").all_inner_texts()
    assert len(errors) == 1
    assert "không có cột nào đọc được là “Xã, phường, đặc khu”" in errors[0]
    assert "B “Địa bàn”" in errors[0] and "“Cột nào ghi gì”" in errors[0]
    assert "thị trấn" not in page.locator("main").inner_text()

    page.select_option("#id_column_1", "commune")
    page.click("#columns-save")
    page.wait_for_selector("#count-rows")
    assert page.locator("#errors").count() == 0
    assert page.locator("#scope").inner_text() == "Xã Mường Tùng"
    assert page.locator("#count-rows").inner_text() == "2"
    page.click("#confirm")
    page.wait_for_selector("#run-message")
    run = ImportRun.objects.get(file_name=path.name)
    assert (run.outcome, run.date) == (ImportRun.Outcome.DRAFT, datetime.date(2025, 9, 30))
