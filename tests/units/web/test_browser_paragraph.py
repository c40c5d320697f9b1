"""The report paragraph in Chromium: a person copies it with the button (no inline script, no
CSP violation) and pastes exactly what the page shows, in Vietnamese and in English."""

import pytest

from tests.demo_snapshot import dien_bien
from tests.screenshots import element_size, png_size

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def province_url(live_server, demo_loaded) -> str:
    province = dien_bien()
    return f"{live_server.url}/u/{province.id}/?date=2017-12-31"


def copied(page) -> str:
    page.get_by_role("button", name=COPY[page.locator("html").get_attribute("lang")]).click()
    page.wait_for_function(
        "document.querySelector('#report-paragraph .copy-status').textContent.length > 0"
    )
    return page.evaluate("navigator.clipboard.readText()")


COPY = {"vi": "Chép đoạn văn", "en": "Copy the paragraph"}


def test_the_paragraph_is_copied_as_shown_in_both_languages(
    browser, live_server, province_url, screenshots
):
    context = browser.new_context(locale="vi-VN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto(province_url)
    text = copied(page)
    assert page.locator("#report-paragraph .copy-status").inner_text() == "Đã chép."
    first, citation = text.split("\n")
    assert first.startswith("Tính đến 31-12-2017, Đảng bộ tỉnh Điện Biên có 650 tổ chức cơ sở đảng")
    for figure in ("2.680", "36.894", "23/1.813", "208", "95/1.813", "328", "4.846", "121%", "210"):
        assert figure in first, figure
    assert first == " ".join(page.locator("#paragraph-text p").first.inner_text().split())
    assert citation.startswith("Nguồn: partystats, Tỉnh Điện Biên, số liệu tại 31-12-2017, http")
    paragraph = page.locator("#report-paragraph")
    paragraph.screenshot(path=str(screenshots / "paragraph.png"))
    assert png_size(screenshots / "paragraph.png") == element_size(paragraph)

    page.get_by_role("link", name="English").click()
    text = copied(page)
    assert page.locator("#report-paragraph .copy-status").inner_text() == "Copied."
    assert text.startswith("By 31 December 2017, the party organisation of Tỉnh Điện Biên had 650")
    assert "\nSource: partystats, Tỉnh Điện Biên, figures at 31 December 2017" in text
    context.close()
    assert violations == []
