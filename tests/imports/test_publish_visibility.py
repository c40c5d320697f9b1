"""A draft is seen by nobody but staff (issue 11 §2): an anonymous visitor's pages, the API,
every export (CSV, XLSX, JSON), search, the feeds and the embeds answer the same before and
after a draft is confirmed, from a cold page cache and from a warm one; once published, they
change. Real database, real workbooks, the production page cache switched on."""

from __future__ import annotations

import io

import pytest
from django.core.cache import caches
from openpyxl import load_workbook

from imports.models import ImportRun
from imports.publish import run_publish
from tests.gate import PUBLISHER, drafted, published, staff_make
from tests.workbooks import NONE, OWN, mung_tung_rows, village, village_report

pytestmark = pytest.mark.django_db
NEW_VILLAGE = "Bản Mới Lập"


def september_report():
    """30/09/2017, before the 31/12/2017 report: the feeds have an entry (a change between two
    dates), so they carry its date, not the moment of the render."""
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", 10, 8, 2, OWN, admissions=1)
    rows[5] = [None, "Cộng xã", None, 12, 10, 2, None, None, 1, None]
    return village_report(rows, date_line="Số liệu tính đến ngày 30/09/2017")


def june_report():
    """30/06/2018, a date nothing holds yet, with a new village."""
    rows = mung_tung_rows()
    rows.insert(5, village(4, NEW_VILLAGE, 0, 0, 0, NONE))
    return village_report(rows, date_line="Số liệu tính đến ngày 30/06/2018")


def public_urls(province) -> list[str]:
    unit, commune = province.province.id, province.muong_tung.id
    coverage = "/coverage/?group=commune"
    return [
        "/",
        f"/u/{unit}/",
        f"/u/{commune}/",
        f"/u/{commune}/?date=2018-06-30",
        coverage,
        f"{coverage}&format=csv",
        f"{coverage}&format=xlsx",
        f"{coverage}&format=json",
        f"{coverage}&format=csv&meta=1",
        "/api/v1/units",
        f"/api/v1/figures?unit={commune}",
        f"/api/v1/figures?unit={commune}&date=2018-06-30",
        "/search/?q=m%E1%BB%9Bi",  # "mới"
        "/feed.atom",
        f"/u/{commune}/feed.atom",
        f"/embed/u/{commune}/villages/",
        "/targets/",
    ]


def seen(client, urls: list[str]) -> dict[str, tuple[int, object]]:
    """What an anonymous visitor gets at each URL: status and content (an XLSX by its cells:
    the file's own timestamps differ between two renders)."""
    answers = {}
    for url in urls:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if url.endswith("format=xlsx") and response.status_code == 200:
            sheet = load_workbook(io.BytesIO(body)).active
            body = [row for row in sheet.iter_rows(values_only=True)]
        answers[url] = (response.status_code, body)
    return answers


def shows_new_village(answers) -> list[str]:
    return [url for url, (_status, body) in answers.items() if NEW_VILLAGE in _text(body)]


def _text(body) -> str:
    return body.decode(errors="replace") if isinstance(body, bytes) else repr(body)


def test_nobody_outside_staff_sees_a_draft_cold_or_warm(client, settings, province):
    settings.PAGE_CACHE_SECONDS = 3600  # as in production (tests/partystats/test_page_cache.py)
    page_cache = caches[settings.PAGE_CACHE_ALIAS]
    page_cache.clear()
    importer, publisher = staff_make("importer"), staff_make("publisher", PUBLISHER)
    published(september_report(), importer, publisher, name="september.xlsx")
    published(village_report(), importer, publisher)
    urls = public_urls(province)
    cold = seen(client, urls)  # rendered, and stored in the page cache
    assert shows_new_village(cold) == []

    draft = drafted(june_report(), importer, name="june.xlsx")
    assert draft.outcome == ImportRun.Outcome.DRAFT
    assert seen(client, urls) == cold  # warm: from the cache, or rendered again
    page_cache.clear()
    assert seen(client, urls) == cold  # cold: rendered from the database

    run_publish(draft, user=publisher)
    after = seen(client, urls)
    assert shows_new_village(after) != []  # the same URLs do show it once published
    assert [url for url in urls if after[url] != cold[url]] != []
