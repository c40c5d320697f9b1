"""Accessibility (axe-core in Chromium) and the README's screenshots of the main pages."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.demo_snapshot import load_demo
from units.models import Level, Scheme, Unit, Village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture
def main_pages(transactional_db) -> dict[str, str]:
    load_demo()
    province = Unit.objects.get(scheme=Scheme.GSO2004, level=Level.PROVINCE, code="11")
    district = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    village = Village.objects.get(name="Bản Nậm Cang 1")
    return {
        "province": f"/u/{province.id}/?date=2017-12-31",
        "district": f"/u/{district.id}/?date=2017-12-31",
        "commune": f"/u/{commune.id}/?date=2016-12-31",
        "village": f"/v/{village.id}/",
        "coverage": "/coverage/?date=2017-12-31&group=district",
    }


def serious_violations(page) -> list[str]:
    assert AXE.is_file(), "axe-core is missing: `make test` installs it with npm ci"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_have_no_serious_accessibility_violations(live_server, browser, main_pages):
    # The site's CSP rightly refuses injected scripts; the audit's own context may bypass it.
    context = browser.new_context(locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    found = {}
    for name, url in main_pages.items():
        page.goto(live_server.url + url)
        violations = serious_violations(page)
        if violations:
            found[name] = violations
    context.close()
    assert found == {}


def test_screenshots_of_the_main_pages(live_server, page, main_pages):
    """Kept under docs/screenshots/ and shown in the README; taken afresh by every run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1200, "height": 900})
    for name, url in main_pages.items():
        page.goto(live_server.url + url)
        if name in ("province", "district", "commune"):
            page.wait_for_selector("body[data-charts-drawn=true]")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        assert path.stat().st_size > 10_000


def test_a_phone_sized_screen_needs_no_sideways_scrolling(live_server, page, main_pages):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + main_pages["province"])
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
