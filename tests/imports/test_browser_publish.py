"""Four eyes in Chromium (issue 11 §2): one staff member imports a report, which stays a draft
nobody else sees; a second, holding the permission to publish, reads what publishing will change
and publishes it; the history says who did what. Screenshot of the publish step. And the draft
seen on the site by the publisher before publishing it, under its banner, while a visitor sees
the published figures."""

import pytest

from imports.models import ImportRun
from tests.gate import PASSWORD, PUBLISHER, drafted, staff_make

# The miniature province with 31/12/2017 imported, the staging folder and the 30/06/2018 report.
from tests.imports.test_browser_import import june_report, province, staging  # noqa: F401
from tests.imports.test_publish import june_report as june_with_a_new_village
from tests.screenshots import full_page_size, png_size

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/?next=/import/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{url}/import/")


def test_one_imports_another_publishes(
    live_server,
    page,
    province,  # noqa: F811
    staging,  # noqa: F811
    tmp_path,
    screenshots,
):
    staff_make("anh")
    staff_make("binh", PUBLISHER)
    url = live_server.url
    commune = f"{url}/u/{province.muong_tung.id}/"

    log_in(page, url, "anh")
    page.set_input_files("#id_file", str(june_report(tmp_path / "Mường Tùng 6-2018.xlsx")))
    page.click("#upload")
    page.click("#confirm")
    page.wait_for_selector("#draft-notice")
    run = ImportRun.objects.get(file_name="Mường Tùng 6-2018.xlsx")
    assert run.outcome == ImportRun.Outcome.DRAFT
    page.goto(f"{url}/import/history/")
    assert page.locator(f"#publish-{run.id}").count() == 0  # not by the importer
    assert page.locator(f"#discard-{run.id}").is_visible()
    page.click("form[action='/accounts/logout/'] button")

    page.goto(commune)  # a visitor: the draft's date is nowhere
    assert "30/06/2018" not in page.content()

    log_in(page, url, "binh")
    page.goto(f"{url}/import/history/")
    page.click(f"#publish-{run.id}")
    summary = page.locator("#publish-summary").inner_text()
    assert summary.startswith("3 số liệu ngày 30/06/2018 của Xã Mường Tùng sẽ có trên trang")
    assert page.locator("#publish-changes").is_visible()
    page.screenshot(path=str(screenshots / "publish.png"), full_page=True)
    assert png_size(screenshots / "publish.png") == full_page_size(page)
    page.click("#publish-confirm")
    page.wait_for_selector(f"#events-{run.id} li")
    assert page.locator(f"#events-{run.id}").inner_text().startswith("Đã công bố bởi binh, ")
    assert page.locator(f"#withdraw-{run.id}").is_visible()

    page.goto(f"{commune}?date=2018-06-30")
    assert page.locator("#fig-own").inner_text() == "2"


def test_a_publisher_views_the_draft_on_the_site_then_publishes_it(
    live_server,
    page,
    province,  # noqa: F811
):
    """The draft's own figure under the banner, for the publisher only; then published."""
    importer = staff_make("anh")
    staff_make("binh", PUBLISHER)
    draft = drafted(june_with_a_new_village(), importer, name="june.xlsx")
    url = live_server.url
    commune = f"{url}/u/{province.muong_tung.id}/"
    page.goto(f"{commune}?date=2017-12-31")
    published_own = page.locator("#fig-own").inner_text()

    log_in(page, url, "binh")
    page.goto(f"{url}/import/run/{draft.id}/")
    page.click("#draft-view")
    page.wait_for_selector("#draft-banner")
    assert (
        page.locator("#draft-banner-text")
        .inner_text()
        .startswith(
            f"Bản nháp #{draft.id} — chưa công bố: số liệu trên trang này gồm bản nháp (june.xlsx, "
            "30/06/2018, Xã Mường Tùng)."
        )
    )
    assert page.url == f"{commune}?date=2018-06-30"
    assert page.locator("#fig-own").inner_text() == "2"  # Bản Nậm Piền's new cell, and Huổi Lèng
    assert published_own == "1"

    visitor = page.context.browser.new_context(locale="vi-VN")  # no session: the public site
    try:
        other = visitor.new_page()
        other.goto(f"{commune}?date=2017-12-31")
        assert other.locator("#draft-banner").count() == 0
        assert "30/06/2018" not in other.content()
    finally:
        visitor.close()

    page.click("#draft-banner-run")
    page.click("#publish")
    page.click("#publish-confirm")
    page.wait_for_selector(f"#events-{draft.id} li")
    page.goto(f"{commune}?date=2018-06-30")
    assert page.locator("#draft-banner").count() == 0  # published: no draft left to view
    assert page.locator("#fig-own").inner_text() == "2"
