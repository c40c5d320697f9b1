"""Accessibility (axe-core in Chromium) and the README's screenshots of the main pages."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.demo_snapshot import dien_bien
from tests.screenshots import png_size
from units.models import Scheme, Unit, Village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def main_pages(demo_loaded) -> dict[str, str]:
    province = dien_bien()
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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 900}


def test_screenshots_of_the_main_pages(live_server, page, main_pages, screenshots):
    """The README's screenshots, at a desktop's width (`<name>.png`) and a phone's
    (`<name>-phone.png`): into docs/screenshots/ with `make screenshots`, else a temporary
    folder."""
    for suffix, size in (("", DESKTOP), ("-phone", PHONE)):
        page.set_viewport_size(size)
        for name, url in main_pages.items():
            page.goto(live_server.url + url)
            if name in ("province", "district", "commune"):
                page.wait_for_selector("body[data-charts-drawn=true]")
            path = screenshots / f"{name}{suffix}.png"
            page.screenshot(path=str(path), full_page=False)
            assert png_size(path) == (size["width"], size["height"])
            assert path.stat().st_size > 10_000  # a page drawn, not a blank one


# What sticks out past the right edge of a phone's screen, outside the boxes that scroll.
STICKING_OUT = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => !e.closest(".table-box, table"))
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " "
               + Math.round(e.getBoundingClientRect().right))"""


def test_the_five_main_pages_need_no_sideways_scrolling_on_a_phone(live_server, page, main_pages):
    """At 390 px nothing is wider than the screen (the coverage table was 447 px, its selects
    sticking out); wide tables scroll in their own box."""
    page.set_viewport_size(PHONE)
    found = {}
    for name, url in main_pages.items():
        page.goto(live_server.url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        sticking_out = page.evaluate(STICKING_OUT)
        if overflow > 1 or sticking_out:
            found[name] = (overflow, sticking_out[:5])
    assert found == {}
