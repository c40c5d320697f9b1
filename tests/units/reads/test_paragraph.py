"""The report paragraph of a unit page (issue 11): the 2018 article's figures at 31/12/2017,
a district, a commune after the reform and a date with villages not reported, in both
languages; published figures said so, computed ones never called published, missing ones left
out."""

import datetime
import html as html_lib
import re

import pytest

from units.domain.coverage import coverage_rebuild, period_for_date
from units.models import Level, Scheme, Unit, VillageFigure

pytestmark = pytest.mark.django_db
D = datetime.date


def unit(scheme: str, level: str, name: str) -> Unit:
    return Unit.objects.get(scheme=scheme, level=level, name=name)


def paragraph(client, url: str, language: str) -> tuple[list[str], str]:
    """The paragraph's sentences and its citation line, as the page shows them."""
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    block = re.search(r'id="paragraph-text">(.*?)</blockquote>', html, re.S).group(1)
    sentences = re.findall(r'<span class="sentence basis-(\w+)">(.*?)</span>', block, re.S)
    citation = re.search(r'id="paragraph-citation">(.*?)</p>', block, re.S).group(1)
    return [(basis, html_lib.unescape(text)) for basis, text in sentences], html_lib.unescape(
        citation
    )


def province_url(date: str) -> str:
    province = unit(Scheme.GSO2004, Level.PROVINCE, "Tỉnh Điện Biên")
    return f"/u/{province.id}/?date={date}"


def test_the_province_at_the_end_of_2017_holds_every_figure_of_the_article(client, demo):
    sentences, citation = paragraph(client, province_url("2017-12-31"), "vi")
    texts = [text for _, text in sentences]
    assert texts[0] == (
        "Tính đến 31-12-2017, Đảng bộ tỉnh Điện Biên có 650 tổ chức cơ sở đảng, 2.680 chi bộ "
        "trực thuộc đảng bộ cơ sở với 36.894 đảng viên (số liệu đã công bố)."
    )
    assert texts[1] == (
        "Toàn tỉnh còn 23/1.813 thôn, bản “trắng” đảng viên; 208 thôn, bản chưa có chi bộ độc "
        "lập đang phải sinh hoạt ghép (số liệu đã công bố)."
    )
    since_start = texts[2]
    assert since_start.startswith(
        "So với đầu năm 2016 (31-12-2015, khi bắt đầu Nghị quyết 04-NQ/TU)"
    )
    assert "giảm từ 95/1.813 xuống 23/1.813 (giảm 72 thôn, bản)" in since_start
    assert "giảm từ 328 xuống 208 (giảm 120 thôn, bản)" in since_start
    assert since_start.endswith("(tính từ báo cáo của thôn, bản).")
    admissions = next(text for text in texts if "4.846" in text)
    assert "Trong 2016–2017 đã kết nạp 4.846 đảng viên mới" in admissions
    assert "121% mục tiêu" in admissions and "đạt mục tiêu" in admissions
    cells = next(text for text in texts if "210" in text)
    assert "210 chi bộ độc lập" in cells and "76 chi bộ sinh hoạt ghép" in cells
    assert cells.startswith("Năm 2017") and cells.endswith("(số liệu đã công bố).")
    reduction = next(text for text in texts if "15–20%" in text)
    assert "−61,7%" in reduction and reduction.endswith("(tính từ báo cáo của thôn, bản).")
    # What rests on published figures says so; nothing computed is called published.
    for basis, text in sentences:
        label = (
            "(số liệu đã công bố)." if basis == "published" else "(tính từ báo cáo của thôn, bản)."
        )
        assert text.endswith(label), text
    assert citation.startswith("Nguồn: partystats, Tỉnh Điện Biên, số liệu tại 31-12-2017, ")
    assert "http://testserver/u/" in citation and "?date=2017-12-31" in citation
    assert "(bài báo, 2018)" in citation and "dữ liệu mẫu" in citation


def test_the_province_paragraph_in_english(client, demo):
    sentences, citation = paragraph(client, province_url("2017-12-31"), "en")
    texts = [text for _, text in sentences]
    assert texts[0] == (
        "By 31 December 2017, the party organisation of Tỉnh Điện Biên had 650 grassroots party "
        "organisations, 2,680 cells under grassroots committees and 36,894 party members "
        "(published figures)."
    )
    assert "23 of 1,813 villages with no party member" in texts[1]
    assert "fell from 95 of 1,813 to 23 of 1,813 (72 fewer)" in texts[2]
    assert any("4,846 new members were admitted" in t and "121%" in t for t in texts)
    assert "(news article, 2018)" in citation


def test_qualifiers_come_through(client, demo):
    sentences, _ = paragraph(client, province_url("2023-09-13"), "vi")
    first = sentences[0][1]
    assert "626 tổ chức cơ sở đảng" in first and "hơn 2.700 chi bộ" in first
    assert "khoảng 46.000 đảng viên" in first
    sentences, _ = paragraph(client, province_url("2023-09-13"), "en")
    assert "more than 2,700 cells" in sentences[0][1] and "about 46,000" in sentences[0][1]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_district_says_only_what_it_has(client, demo, language):
    district = unit(Scheme.GSO2004, Level.DISTRICT, "Huyện Mường Chà")
    sentences, _ = paragraph(client, f"/u/{district.id}/?date=2017-12-31", language)
    texts = " ".join(text for _, text in sentences)
    assert (
        "Toàn huyện còn 0 thôn, bản" if language == "vi" else "In Huyện Mường Chà there remain 0"
    ) in texts
    assert ("tổ chức cơ sở đảng" if language == "vi" else "grassroots") not in texts
    assert [basis for basis, _ in sentences][:1] == ["published"]
    assert any(basis == "computed" for basis, _ in sentences)  # the change since 2015


@pytest.mark.parametrize(("language", "scope"), [("vi", "Toàn xã còn "), ("en", "In Xã ")])
def test_a_commune_after_the_reform_is_computed_only(client, demo, language, scope):
    commune = Unit.objects.filter(scheme=Scheme.GSO2025, level=Level.COMMUNE, name__startswith="Xã")
    commune = commune.order_by("code").first()
    sentences, citation = paragraph(client, f"/u/{commune.id}/?date=2025-09-30", language)
    assert sentences and all(basis == "computed" for basis, _ in sentences)
    assert sentences[0][1].startswith(scope)
    assert "2015" not in " ".join(t for _, t in sentences)  # the commune did not exist then
    assert commune.name in citation and "2025" in citation


@pytest.mark.parametrize(
    ("language", "since_start", "since_before", "continued"),
    [
        (
            "vi",
            "So với đầu năm 2016 (31-12-2015, khi bắt đầu Nghị quyết 04-NQ/TU), số thôn, bản "
            "“trắng” đảng viên giảm từ 95/1.813 xuống 0/1.527 (giảm 95 thôn, bản); số thôn, bản "
            "sinh hoạt ghép giảm từ 328 xuống ",
            "So với 30-06-2025, số thôn, bản “trắng” đảng viên giữ nguyên 0/1.527; ",
            "; số liệu đến 30-06-2025 là của tỉnh Điện Biên trước khi sắp xếp đơn vị hành chính "
            "(tính từ báo cáo của thôn, bản).",
        ),
        (
            "en",
            "Since the start of 2016 (31 December 2015, start of resolution 04-NQ/TU), villages "
            "with no party member fell from 95 of 1,813 to 0 of 1,527 (95 fewer); villages "
            "attending a joined cell fell from 328 to ",
            "Since 30 June 2025, villages with no party member stayed at 0 of 1,527; ",
            "; up to 30 June 2025, the figures are those of Tỉnh Điện Biên before the "
            "reorganisation of administrative units (computed from village reports).",
        ),
    ],
)
def test_the_province_after_the_reform_says_what_changed_since_its_charts_earlier_dates(
    client, demo, language, since_start, since_before, continued
):
    """Today's province continues the province of before 1/7/2025, and so does its chart: its
    paragraph counts the changes since 31/12/2015 and since the date before its first, as the
    old province's does, and says once whose figures those are."""
    province = unit(Scheme.GSO2025, Level.PROVINCE, "Tỉnh Điện Biên")
    sentences, _ = paragraph(client, f"/u/{province.id}/?date=2025-09-30", language)
    texts = [text for _, text in sentences]
    assert texts[1].startswith(since_start) and texts[1].endswith(continued)
    assert texts[2].startswith(since_before) and "2025" not in texts[2][len(since_before) :]
    assert [basis for basis, _ in sentences[1:3]] == ["computed", "computed"]

    sentences, _ = paragraph(client, f"/u/{province.id}/?date=2026-09-30", language)
    texts = [text for _, text in sentences]
    assert texts[1].startswith(since_start) and texts[1].endswith(continued)
    assert texts[2].startswith(since_before.replace("2025", "2026"))


@pytest.fixture
def partly_reported(demo):
    commune = unit(Scheme.GSO2004, Level.COMMUNE, "Xã Mường Tùng")
    period = period_for_date(D(2017, 12, 31))
    figures = VillageFigure.objects.filter(commune=commune, period=period).order_by("village__name")
    VillageFigure.objects.filter(pk__in=[f.pk for f in figures[:2]]).delete()
    coverage_rebuild(periods=[period])
    return commune


@pytest.mark.parametrize(
    ("language", "missing", "counted"),
    [
        (
            "vi",
            r"; (\d+)/(\d+) thôn, bản chưa báo cáo tại thời điểm này",
            "chỉ tính các thôn, bản đã báo cáo",
        ),
        (
            "en",
            r"; (\d+) of (\d+) villages were not reported",
            "counting only the villages reported",
        ),
    ],
)
def test_villages_not_reported_are_said_never_counted_as_zero(
    client, partly_reported, language, missing, counted
):
    url = f"/u/{partly_reported.id}/?date=2017-12-31"
    sentences, _ = paragraph(client, url, language)
    texts = " ".join(text for _, text in sentences)
    said = re.search(missing, texts)
    assert said and said.group(1) == "2", texts
    assert counted in texts


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "; 1 village without its own cell, attending a joined cell; 1,526 villages have"),
        (
            "vi",
            "; 1 thôn, bản chưa có chi bộ độc lập đang phải sinh hoạt ghép; 1.526 thôn, bản đã có",
        ),
    ],
)
def test_one_village_is_said_in_the_singular(client, demo, language, expected):
    """At 30/9/2026 the province has one joined village: "1 village", never "1 villages"."""
    province = unit(Scheme.GSO2025, Level.PROVINCE, "Tỉnh Điện Biên")
    sentences, _citation = paragraph(client, f"/u/{province.id}/?date=2026-09-30", language)
    assert expected in sentences[0][1]


@pytest.fixture
def not_reported(demo):
    """Xã Mường Tùng with no village reported at 31/12/2017: a province imported for the first
    time looks like this at the site's later dates, where only other provinces reported."""
    commune = unit(Scheme.GSO2004, Level.COMMUNE, "Xã Mường Tùng")
    period = period_for_date(D(2017, 12, 31))
    VillageFigure.objects.filter(commune=commune, period=period).delete()
    coverage_rebuild(periods=[period])
    return commune


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "vi",
            "Toàn xã chưa có thôn, bản nào trong 11 thôn, bản báo cáo tại thời điểm này (tính "
            "từ báo cáo của thôn, bản).",
        ),
        (
            "en",
            "In Xã Mường Tùng none of the 11 villages was reported at this date (computed "
            "from village reports).",
        ),
    ],
)
def test_a_date_with_no_village_reported_says_so_and_compares_nothing(
    client, not_reported, language, expected
):
    """Found importing a second province: at a date where none of its villages was reported,
    the paragraph said "0/8 white villages" and "fell from 1/8 to 0/8 (1 fewer)"."""
    sentences, _ = paragraph(client, f"/u/{not_reported.id}/?date=2017-12-31", language)
    assert [text for basis, text in sentences if basis == "computed"] == [expected]


def test_another_provinces_villages_are_not_called_ban(client, an_giang):
    """ "Bản" is the villages' word in the northern mountains (Điện Biên); An Giang's are ấp.
    The paragraph says "thôn, bản", the site's word for villages of every kind (docs/domain.md
    §2), in every sentence that counts them."""
    sentences, _ = paragraph(client, f"/u/{an_giang.id}/?date=2017-12-31", "vi")
    texts = [text for _, text in sentences]
    assert texts[0] == (
        "Toàn tỉnh còn 0/3 thôn, bản “trắng” đảng viên; 1 thôn, bản chưa có chi bộ độc lập đang "
        "phải sinh hoạt ghép; 2 thôn, bản đã có chi bộ độc lập (tính từ báo cáo của thôn, bản)."
    )
    since_start = next(text for text in texts if text.startswith("So với đầu năm 2016"))
    assert "số thôn, bản “trắng” đảng viên giảm từ 1/3 xuống 0/3 (giảm 1 thôn, bản)" in (
        since_start
    )
    for text in texts:
        assert not re.search(r"(?<!thôn, )\bbản\b", text), text
