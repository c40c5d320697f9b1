"""The public pages as a person reads them, in Chromium (issue 13): the home page's order, shares
in the coverage table, one English word per status, a tolerant search, and filters that follow
the reform."""

import re

import pytest
from django.utils import translation

from units.models import Scheme, Status, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def top_of(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_the_home_page_puts_the_trend_and_the_child_units_before_the_long_lists(
    live_server, page, demo_loaded
):
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("body[data-charts-drawn=true]")
    trend, children = top_of(page, "#series-h"), top_of(page, "#children")
    lists = [
        s
        for s in ("#changes-h", "#risk-h", "#villages-h", "#published-h")
        if page.locator(s).count()
    ]
    assert len(lists) >= 2, lists  # the change table and the at-risk list at least
    assert trend < children < min(top_of(page, s) for s in lists)


def test_the_coverage_table_shows_shares_and_ranks_by_them(live_server, page, demo_loaded):
    page.goto(f"{live_server.url}/coverage/?date=2017-12-31&group=district")
    headers = page.locator("table.coverage thead th").all_inner_texts()
    column = next(i for i, h in enumerate(headers) if h.startswith("% có chi bộ"))
    assert any(h.startswith("% có đảng viên") for h in headers)
    page.get_by_role("link", name=re.compile(r"^% có chi bộ")).click()
    page.get_by_role("link", name=re.compile(r"^% có chi bộ")).click()  # descending
    cells = page.locator(f"table.coverage tbody tr > :nth-child({column + 1})").all_inner_texts()
    shares = [float(cell.rstrip("%").replace(",", ".")) for cell in cells]
    assert len(shares) == 10 and shares == sorted(shares, reverse=True)


OTHER_WORDS = ("Attending a joined cell", "With no member", "With their own cell")


def test_each_status_has_one_english_label_on_every_page(live_server, page, demo_loaded):
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="English").click()
    seen = ""
    for url in ("/coverage/?date=2017-12-31&group=village", f"/u/{commune.id}/?date=2017-12-31"):
        page.goto(live_server.url + url)
        # Table headings and cells, where a status is named (a caption or a sentence may say
        # "attending a joined cell"; a label is what names a column, a row or a cell).
        seen += "\n".join(
            page.locator("main thead th, main tbody th, main tbody td").all_inner_texts()
        )
    with translation.override("en"):
        labels = [str(s.label) for s in (Status.OWN_CELL, Status.JOINED, Status.NO_MEMBERS)]
    assert [label for label in labels if label not in seen] == []
    assert [word for word in OTHER_WORDS if word.lower() in seen.lower()] == []


@pytest.mark.parametrize("typed", ["namcang", "nam kang", "Nậm Cang"])
def test_search_finds_nam_cang_however_it_is_typed(live_server, page, demo_loaded, typed):
    page.goto(f"{live_server.url}/coverage/")
    page.get_by_role("searchbox").fill(typed)
    page.get_by_role("search").get_by_role("button").click()
    first = page.locator("main a[href^='/v/']").first
    assert first.inner_text() == "Bản Nậm Cang 1"
    first.click()
    assert page.locator("h1").inner_text() == "Bản Nậm Cang 1"


def test_the_filters_follow_the_date_and_name_the_units_that_stood_for_another(
    live_server, page, demo_loaded
):
    page.goto(f"{live_server.url}/coverage/?date=2026-09-30")
    districts = page.locator("select[name=district] option").all_inner_texts()
    assert [name for name in districts if name.startswith("Huyện")] == []
    # An option reads "Xã Chà Tở (03175, Hai cấp (từ 1/7/2025))": the name, then code and scheme.
    options = page.locator("select[name=commune] option").all_inner_texts()
    communes = [re.sub(r" \(\d+, .*\)$", "", option) for option in options]
    new_communes = Unit.objects.filter(scheme=Scheme.GSO2025, level="commune")
    assert {name for name in communes if name.startswith(("Xã", "Phường"))} == {
        unit.name for unit in new_communes
    }
    district = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    page.goto(f"{live_server.url}/coverage/?date=2026-09-30&district={district.id}")
    note = page.locator("#stood-for-district")
    assert "Huyện Mường Chà" in note.inner_text()
    successor = note.locator("a").first
    name = successor.inner_text()
    successor.click()
    assert page.locator("table.coverage tbody th").all_inner_texts() == [name]
