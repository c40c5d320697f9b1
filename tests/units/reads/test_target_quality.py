"""The 45–50% "trong sạch, vững mạnh" target: published shares only, "not reported" where none,
and a share under another rating scheme shown but not judged."""

import datetime
import re

import pytest

from tests.demo_snapshot import dien_bien
from units.domain.coverage import period_for_date
from units.models import Metric, Source, UnitFigure
from units.reads.target_quality import quality_target

pytestmark = pytest.mark.django_db


def row_text(html: str, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, row_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def get(client, url: str, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def share(year: int, value: int, scheme: str) -> UnitFigure:
    province = dien_bien()
    source = Source.objects.create(title="Báo cáo thử", title_en="Test report")
    return UnitFigure.objects.create(
        unit=province,
        period=period_for_date(datetime.date(year, 12, 31)),
        metric=Metric.QUALITY_RATING,
        value=value,
        rating_scheme=scheme,
        source=source,
    )


def test_no_published_share_is_not_reported_and_not_judged(client, demo):
    progress = quality_target()
    assert [year.year for year in progress.years] == [2016, 2017, 2018, 2019, 2020]
    assert progress.met is None and not progress.judged
    html = get(client, "/targets/quality/")
    assert row_text(html, "quality-2017").startswith("2017 Not reported")
    assert ">0%" not in html and " 0%" not in html
    assert "45–50%" in html and "Not judged" in row_text_verdict(html)
    index = get(client, "/targets/", "vi")
    assert 'href="/targets/quality/"' in index and "trong sạch, vững mạnh" in index


def row_text_verdict(html: str) -> str:
    return re.search(r'id="target-verdict">(.*?)</p>', html, re.S).group(1)


def test_published_shares_are_judged_on_their_own_scheme(client, demo):
    share(2016, 48, "TSVM")
    share(2017, 41, "TSVM")
    share(2019, 60, "QĐ 132-QĐ/TW")
    progress = quality_target()
    met = {year.year: year.met for year in progress.years}
    assert met == {2016: True, 2017: False, 2018: None, 2019: None, 2020: None}
    assert progress.met is False
    html = get(client, "/targets/quality/")
    assert row_text(html, "quality-2016").startswith("2016 48% TSVM Met Test report")
    assert "another rating scheme: not judged" in row_text(html, "quality-2019")
    assert row_text(html, "quality-2018").startswith("2018 Not reported")
    html = get(client, "/targets/quality/", "vi")
    assert "Báo cáo thử" in row_text(html, "quality-2016")
