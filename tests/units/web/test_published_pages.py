"""Published figures as a reader meets them: notes and source titles in the page's language, and
the figures published at dates that are not reporting dates listed with links (issue 11)."""

import html as html_lib
import json
import re

import pytest

from tests.demo_snapshot import dien_bien
from units.domain.published import published_figures_load
from units.models import Scheme, Source, Unit, UnitFigure

pytestmark = pytest.mark.django_db


def get(client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def published_row(html: str, metric: str) -> str:
    match = re.search(rf'<tr id="pub-{metric}">(.*?)</tr>', html, re.S)
    assert match, metric
    return html_lib.unescape(re.sub(r"<[^>]+>|\s+", " ", match.group(1))).strip()


@pytest.mark.parametrize(
    ("language", "note", "title", "foreign"),
    [
        ("vi", "khoảng 2.247 đảng viên mỗi năm", "(Tạp chí Xây dựng Đảng)", "a year"),
        ("en", "about 2,247 a year", "[Điện Biên reviews resolution 04-NQ/TU", "mỗi năm"),
    ],
)
def test_notes_and_source_titles_follow_the_language(client, demo, language, note, title, foreign):
    html = get(client, f"/u/{dien_bien().id}/?date=2019-12-31", language)
    row = published_row(html, "admissions")
    assert note in row and foreign not in row
    assert title in html


@pytest.mark.parametrize(
    ("language", "title", "note", "foreign"),
    [
        ("vi", "(bài báo, 2018)", "2016–2017, vượt 21% mục tiêu Nghị quyết", "news article"),
        ("en", "(news article, 2018)", "2016–2017, 21% above the resolution's target", "bài báo"),
    ],
)
def test_the_article_is_named_in_the_pages_language(client, demo, language, title, note, foreign):
    html = get(client, f"/u/{dien_bien().id}/?date=2017-12-31", language)
    assert title in published_row(html, "members") and foreign not in html
    assert note in published_row(html, "admissions")


def test_the_api_gives_both_languages(client, demo):
    client.cookies["django_language"] = "en"
    data = client.get(f"/api/v1/figures?unit={dien_bien().id}&date=2023-12-31").json()
    joined = next(f for f in data["figures"]["published"] if f["metric"] == "villages_joined")
    assert (
        joined["note"]
        == joined["note_en"]
        == "early 2024; the source says “chưa có chi bộ” (no cell)"
    )
    assert joined["note_vi"] == "đầu năm 2024; nguồn viết “chưa có chi bộ”"
    assert joined["source"]["title_vi"].endswith("(Dân tộc và Miền núi)")
    assert "[94 years of the Party" in joined["source"]["title_en"]


def test_loading_again_updates_the_sources_in_place(demo, db):
    sources, figures = Source.objects.count(), UnitFigure.objects.count()
    Source.objects.filter(key="danviet2025").update(title="Dân Việt, 10/2025", url="")
    published_figures_load()
    assert (Source.objects.count(), UnitFigure.objects.count()) == (sources, figures)
    corrected = Source.objects.get(key="danviet2025")
    assert corrected.url.startswith("https://trangtraiviet.danviet.vn/")
    assert "Đại hội đại biểu Đảng bộ tỉnh Điện Biên lần thứ XV" in corrected.title


def test_every_note_and_title_has_both_languages():
    from units.domain.published import PUBLISHED_FIGURES

    data = json.loads(PUBLISHED_FIGURES.read_text(encoding="utf-8"))
    assert all(source["title"] and source["title_en"] for source in data["sources"].values())
    noted = [row for row in data["figures"] if row.get("note")]
    assert noted and all(row.get("note_en") for row in noted)
    english = ("about", "review", "early", "the source says", "read as")
    assert not [row["note"] for row in noted if row["note"].startswith(english)]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_province_lists_its_other_published_dates_with_links(client, demo, language):
    old = dien_bien()
    html = get(client, f"/u/{old.id}/?date=2017-12-31", language)
    section = re.search(r'id="published-elsewhere">(.*?)</section>', html, re.S).group(1)
    links = re.findall(rf'href="/u/{old.id}/\?date=([\d-]+)"', section)
    assert links == ["2020-03-25", "2023-09-13", "2024-10-31", "2025-02-03"]
    assert "2.501" in section if language == "vi" else "2,501" in section
    page = get(client, f"/u/{old.id}/?date=2020-03-25", language)
    assert "2.501" in published_row(page, "cells_under_committees") or "2,501" in page
    new = dien_bien(Scheme.GSO2025)
    html = get(client, f"/u/{new.id}/", language)
    section = re.search(r'id="published-elsewhere">(.*?)</section>', html, re.S).group(1)
    assert re.findall(rf'href="/u/{new.id}/\?date=([\d-]+)"', section) == ["2025-10-31"]


def test_a_unit_with_no_such_dates_has_no_such_list(client, demo):
    district = Unit.objects.get(scheme=Scheme.GSO2004, name="Huyện Mường Chà")
    html = get(client, f"/u/{district.id}/?date=2017-12-31", "vi")
    assert 'id="published-elsewhere"' not in html
