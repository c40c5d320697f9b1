"""Embeddable charts: `/embed/…` may be framed by any site, every other page by none; the relaxed
policy survives the page cache; the chart comes with its data table and source line."""

import html as html_lib
import re

import pytest
from django.core.cache import caches

from tests.demo_snapshot import dien_bien
from units.models import Coverage, Scheme, Unit

pytestmark = pytest.mark.django_db


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return re.search(r"frame-ancestors ([^;]+)", policy).group(1).strip()


def test_only_embed_pages_may_be_framed(client, demo):
    unit = dien_bien()
    embed = client.get(f"/embed/u/{unit.id}/villages/")
    assert embed.status_code == 200
    assert frame_ancestors(embed) == "*"
    assert "X-Frame-Options" not in embed
    assert "script-src 'self'" in embed["Content-Security-Policy"]  # nothing else relaxed
    for url in (f"/u/{unit.id}/", "/coverage/", "/targets/", f"/u/{unit.id}/feed.atom"):
        response = client.get(url)
        assert frame_ancestors(response) == "'none'", url
        assert response["X-Frame-Options"] == "DENY", url


def test_the_relaxed_policy_is_kept_by_the_page_cache(client, demo, settings):
    settings.PAGE_CACHE_SECONDS = 3600
    caches[settings.PAGE_CACHE_ALIAS].clear()
    url = f"/embed/u/{dien_bien().id}/members/"
    first = client.get(url)
    again = client.get(url)
    assert again.templates == [] and again.content == first.content  # from the cache
    assert frame_ancestors(again) == "*" and "X-Frame-Options" not in again
    caches[settings.PAGE_CACHE_ALIAS].clear()


@pytest.mark.parametrize(("language", "source"), [("vi", "Nguồn:"), ("en", "Source:")])
def test_an_embed_has_one_chart_its_data_table_and_its_source(client, demo, language, source):
    unit = dien_bien()
    html = client.get(f"/embed/u/{unit.id}/villages/?lang={language}").content.decode()
    assert html.count("<canvas") == 1 and 'id="chart-villages"' in html
    table = re.search(r'<table class="visually-hidden" id="embed-data">(.*?)</table>', html, re.S)
    rows = re.findall(r"<tr><th scope=\"row\">", table.group(1))
    assert len(rows) == Coverage.objects.filter(unit=unit).count()
    line = re.search(r'id="embed-source">(.*?)</p>', html, re.S).group(1)
    assert line.startswith(source) and f'href="/u/{unit.id}/"' in line
    assert "<script>" not in html and 'id="chart-data"' in html


def test_each_unit_page_offers_the_embed_code_of_its_charts(client, demo):
    unit = dien_bien()
    html = client.get(f"/u/{unit.id}/?date=2017-12-31").content.decode()
    for name in ("villages", "members"):
        code = re.search(rf'<textarea id="embed-{name}"[^>]*>(.*?)</textarea>', html, re.S).group(1)
        assert f'&lt;iframe src="http://testserver/embed/u/{unit.id}/{name}/?lang=vi"' in code
        assert f'data-copy="embed-{name}"' in html


def test_an_unknown_chart_is_not_found(client, demo):
    assert client.get(f"/embed/u/{dien_bien().id}/nothing/").status_code == 404


@pytest.mark.parametrize(
    ("name", "series", "said"),
    [
        ("Tỉnh Điện Biên", "regrouped", "regrouped onto today's units"),
        ("Xã Na Sang", "reported", "as reported at the time"),  # regrouped by default
    ],
)
def test_the_embed_code_gives_the_series_the_page_shows(client, demo, name, series, said):
    """A page switched to the other series offered the embed code of the default one: the
    chart pasted into another site was not the chart the visitor was looking at."""
    unit = Unit.objects.get(scheme=Scheme.GSO2025, name=name)
    client.cookies["django_language"] = "en"
    html = client.get(f"/u/{unit.id}/?series={series}").content.decode()
    code = re.search(r'<textarea id="embed-villages"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    src = re.search(r'src="http://testserver([^"]+)"', html_lib.unescape(code)).group(1)
    assert src == f"/embed/u/{unit.id}/villages/?lang=en&series={series}"
    embedded = client.get(src).content.decode()
    line = re.search(r'id="embed-source">(.*?)</p>', embedded, re.S).group(1)
    assert f"({said})" in html_lib.unescape(line)
