"""The strict Content-Security-Policy holds in Chromium: the pages, charts and PNG downloads work
under it with no violation, and an inline script is really refused."""

import pytest

from tests.demo_snapshot import dien_bien
from units.models import Scheme, Unit, Village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Runs before any script of the page (an init script comes through the DevTools protocol, so the
# page's CSP does not apply to it) and records every violation the browser reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${location.pathname}`
  );
});
"""


@pytest.fixture
def watched(page):
    """The page, with CSP violations gathered from the DOM event and the console alike."""
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    return page, console


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


@pytest.fixture
def demo_pages(demo_loaded) -> dict[str, str]:
    province = dien_bien()
    district = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    village = Village.objects.get(name="Bản Nậm Cang 1")
    return {
        "home": "/",
        "province": f"/u/{province.id}/?date=2017-12-31",
        "district": f"/u/{district.id}/?date=2017-12-31",
        "commune": f"/u/{commune.id}/?date=2016-12-31",
        "village": f"/v/{village.id}/",
        "coverage": "/coverage/?date=2017-12-31&group=district",
        "search": "/search/?q=huoi+ha",
        "targets": "/targets/",
        "login": "/accounts/login/",
    }


def test_pages_charts_and_png_downloads_work_under_the_policy(live_server, watched, demo_pages):
    page, console = watched
    for name, url in demo_pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, name
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, name
        if name in ("province", "district", "commune"):
            page.wait_for_selector("body[data-charts-drawn=true]")
            drawn = page.evaluate("Chart.getChart('chart-villages').data.datasets[0].data.length")
            assert drawn > 0, name
        assert violations(page) == [], name

    # The charts' PNG links: Chart.js renders the canvas to a data: URL the link downloads.
    page.goto(live_server.url + demo_pages["province"])
    page.wait_for_selector("body[data-charts-drawn=true]")
    for chart in ("chart-villages", "chart-members"):
        with page.expect_download() as download:
            page.locator(f"a.chart-png[data-chart={chart}]").click()
        assert download.value.suggested_filename.endswith(".png")
        assert download.value.path().read_bytes().startswith(PNG_SIGNATURE), chart
    assert violations(page) == []
    assert console == []


def test_an_inline_script_is_refused_and_reported(live_server, watched, transactional_db):
    """The watcher above is not blind: an injected inline script does not run and is reported."""
    page, console = watched
    page.goto(live_server.url + "/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.body.append(script);
          const style = document.createElement("style");
          style.textContent = "body { background: red }";
          document.head.append(style);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length >= 2")
    assert page.evaluate("window.__inlineRan === undefined")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    found = violations(page)
    assert any(v.startswith("script-src") for v in found), found
    assert any(v.startswith("style-src") for v in found), found
    assert any("Content Security Policy" in text for text in console)
