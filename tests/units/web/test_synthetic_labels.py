"""Pages and exports say "synthetic" exactly where the figures they show count synthetic villages
(`Coverage.synthetic`, units.reads.provenance), and never for real reports: a site holding only
imported reports says it nowhere, in either language; the demo says it; a database mixing both
says it for the units and dates whose villages are synthetic, "some" where only part of them
are."""

import io
import json

import pytest
from openpyxl import load_workbook

from imports.services import report_import, report_preview
from tests.demo_snapshot import dien_bien
from tests.workbooks import (
    OWN,
    section,
    to_file,
    village,
    village_report,
)
from units.models import Level, Scheme, Unit, Village

pytestmark = pytest.mark.django_db
DATE = "2017-12-31"
# How the site says "synthetic", in English and in Vietnamese (giả lập; dữ liệu (mẫu) tổng hợp).
WORDS = ("synthetic", "giả lập", "tổng hợp", "dữ liệu mẫu", "demo", "trình diễn")
LANGUAGES = ("vi", "en")


def get(client, url: str, language: str) -> bytes:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def said(client, url: str, language: str) -> str:
    """What a page or an export says, in lower case: an XLSX's cells, anything else's text."""
    body = get(client, url, language)
    if "format=xlsx" in url:
        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        body = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
        return body.lower()
    if "format=json" in url or "meta=1" in url:  # its words, not its keys (JSON's flags)
        return " ".join(strings_in(json.loads(body))).lower()
    return body.decode().lower()


def strings_in(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return [value] if isinstance(value, str) else []


def words_in(text: str) -> list[str]:
    return [word for word in WORDS if word in text]


def quai_nua_report():
    """Xã Quài Nưa at 31/12/2017: Bản Co Củ, with its own cell."""
    return village_report(
        [
            section("I", "Huyện Tuần Giáo"),
            section("1", "Xã Quài Nưa"),
            village(1, "Bản Co Củ", 5, 5, 0, OWN),
        ],
        sheet_name="Tuần Giáo",
    )


def imported(workbook) -> None:
    report_import(preview=report_preview(path_or_file=to_file(workbook)))


@pytest.fixture
def real(province):
    """Real reports only: Xã Mường Tùng and Xã Quài Nưa imported at 31/12/2017."""
    imported(village_report())
    imported(quai_nua_report())
    return province


def urls(place) -> list[str]:
    table = f"/coverage/?date={DATE}&province={place.province.id}"
    nam_cang = Village.objects.get(name="Bản Nậm Cang 1")
    return [
        f"/u/{place.province.id}/?date={DATE}",
        f"/u/{place.muong_cha.id}/?date={DATE}",
        f"/u/{place.muong_tung.id}/?date={DATE}",
        f"/v/{nam_cang.id}/",
        "/search/?q=Nậm",
        "/targets/",
        "/targets/villages-down/",
        "/targets/five-districts/",
        "/targets/admissions/",
        f"/embed/u/{place.province.id}/villages/",
        f"{table}&group=village",
        f"{table}&group=commune",
        *(f"{table}&group=village&format={f}" for f in ("csv", "xlsx", "json")),
        f"{table}&group=commune&format=csv&meta=1",
        "/feed.atom",
        f"/u/{place.province.id}/feed.atom",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_real_reports_are_never_called_synthetic(client, real, language):
    for url in urls(real):
        assert words_in(said(client, url, language)) == [], url


def test_the_exports_of_real_reports_say_no_village_is_synthetic(client, real):
    table = f"/coverage/?date={DATE}&province={real.province.id}&group=village"
    data = json.loads(get(client, f"{table}&format=json", "en"))
    assert data["source"]["synthetic_below_province"] is False
    assert data["source"]["synthetic_villages"] == 0
    meta = json.loads(get(client, f"{table}&format=csv&meta=1", "en"))
    assert meta["source"]["synthetic_below_province"] is False


@pytest.fixture
def mixed(province):
    """Xã Quài Nưa's only village is a demo one (synthetic), Xã Mường Tùng's are real: both
    imported at 31/12/2017."""
    Village.objects.filter(name="Bản Co Củ").update(synthetic=True)
    imported(village_report())
    imported(quai_nua_report())
    return province


SYNTHETIC_NOTE = {
    "all": "Village-level figures in this demo are synthetic.",
    "some": "Some of the villages counted here are synthetic demo villages",
}


@pytest.mark.parametrize(
    ("unit", "labelled"),
    [
        ("quai_nua", "all"),  # Bản Co Củ alone
        ("tuan_giao", "all"),
        ("province", "some"),  # Bản Co Củ among Mường Tùng's real villages
        ("muong_cha", None),
        ("muong_tung", None),
    ],
)
def test_a_mixed_database_labels_the_units_whose_villages_are_synthetic(
    client, mixed, unit, labelled
):
    page = said(client, f"/u/{getattr(mixed, unit).id}/?date={DATE}", "en")
    for share, note in SYNTHETIC_NOTE.items():
        assert (note.lower() in page) == (share == labelled), share
    if labelled is None:
        assert words_in(page) == ["synthetic", "demo"]  # the site-wide line in the footer only
    assert "this site also holds <strong>synthetic</strong> demo villages" in page


def test_a_mixed_table_and_its_exports_say_some_village_figures_are_synthetic(client, mixed):
    table = f"/coverage/?date={DATE}&province={mixed.province.id}&group=village"
    page = said(client, table, "en")
    assert SYNTHETIC_NOTE["some"].lower() in page and "(some synthetic demo figures)" in page
    data = json.loads(get(client, f"{table}&format=json", "en"))
    assert data["source"]["synthetic_villages"] == 1
    assert data["source"]["synthetic_below_province"] is True
    assert data["source"]["text"].endswith("some village-level figures are synthetic demo data")
    real_only = f"{table}&commune={mixed.muong_tung.id}&format=json"
    data = json.loads(get(client, real_only, "en"))
    assert data["source"]["synthetic_below_province"] is False
    assert "synthetic" not in data["source"]["text"]


def test_a_mixed_paragraph_says_its_village_figures_are_partly_synthetic(client, mixed):
    page = said(client, f"/u/{mixed.province.id}/?date={DATE}", "vi")
    assert "một phần là dữ liệu mẫu giả lập" in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_demo_says_its_figures_are_synthetic(client, demo, language):
    province = dien_bien()
    commune = Unit.objects.get(scheme=Scheme.GSO2004, level=Level.COMMUNE, name="Xã Mường Tùng")
    table = f"/coverage/?date={DATE}&province={province.id}&group=village"
    for url in (
        f"/u/{province.id}/?date={DATE}",
        f"/u/{commune.id}/?date={DATE}",
        table,
        f"{table}&format=csv&meta=1",
        f"{table}&format=xlsx",
        f"/embed/u/{province.id}/villages/",
        "/targets/",
        "/targets/villages-down/",
        "/targets/five-districts/",
    ):
        text = said(client, url, language)
        assert "synthetic" in text or "giả lập" in text or "tổng hợp" in text, url
    data = json.loads(get(client, f"{table}&format=json", "en"))
    assert data["source"]["synthetic_below_province"] is True
    assert data["source"]["synthetic_villages"] == data["totals"]["villages"]
