"""The coverage exports as a reader's tools meet them: the CSV's header on its first line, its
provenance beside it (Link header, sidecar), its totals row last and said so, no empty district
columns after the reform, and column names that tell a village's name from a count of
villages."""

import csv
import io
import json

import openpyxl
import pandas
import pytest

pytestmark = pytest.mark.django_db
URL = "/coverage/"


def download(client, query: str, language: str = "vi"):
    client.cookies["django_language"] = language
    response = client.get(URL + query)
    assert response.status_code == 200, (query, response.status_code)
    return response


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def first_row(response) -> list[str]:
    text = body(response).decode("utf-8").removeprefix("\ufeff")
    return next(csv.reader(io.StringIO(text)))


def test_pandas_reads_the_csv_as_it_is_with_codes_as_text(client, demo):
    response = download(client, "?date=2017-12-31&group=commune&format=csv")
    table = pandas.read_csv(io.BytesIO(body(response)), dtype=str)
    frame, totals = table.iloc[:-1], table.iloc[-1]  # the totals row last, as the sidecar says
    districts = ["Mã huyện, thị xã, thành phố", "Huyện, thị xã, thành phố"]
    assert list(frame.columns[:5]) == ["Ngày", "Mã tỉnh", "Tỉnh", *districts]
    assert len(frame) == 129
    assert "097" in set(frame[districts[0]])  # Mường Chà: the leading zero kept
    assert frame["Số thôn, bản"].astype(int).sum() == int(totals["Số thôn, bản"]) == 1813
    name, code = "Xã, phường, thị trấn", "Mã xã, phường, thị trấn"
    assert totals[name] == "Tổng cộng" and pandas.isna(totals[code])
    assert frame["% có chi bộ độc lập"].astype(float).between(0, 100).all()


def test_the_csv_names_its_page_and_its_sidecar_in_the_link_header(client, demo):
    response = download(client, "?date=2017-12-31&group=district&format=csv")
    link = response["Link"]
    assert '<http://testserver/coverage/?date=2017-12-31&group=district>; rel="alternate"' in link
    assert "<http://testserver/coverage/?date=2017-12-31&group=district&format=csv&meta=1>" in link
    assert 'rel="describedby"; type="application/json"' in link
    assert (
        'filename="partystats-coverage-district-2017-12-31.csv"'
        in (response["Content-Disposition"])
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_sidecar_describes_the_csv_of_the_same_url(client, demo, language):
    query = "?date=2017-12-31&group=district"
    header = first_row(download(client, query + "&format=csv", language))
    meta = json.loads(download(client, query + "&format=csv&meta=1", language).content)
    assert [column["name"] for column in meta["columns"]] == header
    assert meta["date"] == "2017-12-31" and meta["group"] == "district"
    assert (
        meta["csv_url"] == "http://testserver/coverage/?date=2017-12-31&group=district&format=csv"
    )
    assert meta["source"]["synthetic_below_province"] is True
    written = {"vi": "số liệu tại ngày 31/12/2017", "en": "figures at 31/12/2017"}[language]
    assert written in meta["source"]["text"]  # the date as the title writes it, not ISO
    assert {c["key"]: c["type"] for c in meta["columns"]}["villages"] == "integer"
    assert {c["key"]: c["type"] for c in meta["columns"]}["own_cell_share"] == "number"
    assert any("dtype=str" in note for note in meta["notes"])
    total = {"vi": "Tổng cộng", "en": "Total"}[language]
    assert meta["totals_row"] == {"position": "last", "column": "district", "label": total}
    assert any(f"“{total}”" in note and "iloc[:-1]" in note for note in meta["notes"])


@pytest.mark.parametrize(
    ("language", "name", "count"),
    [("vi", "Tên thôn, bản", "Số thôn, bản"), ("en", "Village", "Villages")],
)
def test_a_village_name_and_a_count_of_villages_are_named_apart(
    client, demo, language, name, count
):
    village = first_row(download(client, "?date=2017-12-31&group=village&format=csv", language))
    commune = first_row(download(client, "?date=2017-12-31&group=commune&format=csv", language))
    assert name in village and count not in village
    assert count in commune
    assert name != count


def test_exports_after_the_reform_have_no_district_columns(client, demo):
    query = "?date=2025-09-30&group=village"
    table = pandas.read_csv(io.BytesIO(body(download(client, query + "&format=csv"))), dtype=str)
    frame = table.iloc[:-1]  # less the totals row
    communes = ["Mã xã, phường, đặc khu", "Xã, phường, đặc khu"]  # not "Xã" over wards
    assert list(frame.columns[:5]) == ["Ngày", "Mã tỉnh", "Tỉnh", *communes]
    assert not [column for column in frame.columns if "uyện" in column or "thị trấn" in column]
    assert frame["Tỉnh"].notna().all() and frame[communes[1]].notna().all()
    assert frame[communes[1]].str.startswith("Phường").any()
    sheet = openpyxl.load_workbook(io.BytesIO(body(download(client, query + "&format=xlsx"))))
    header = next(sheet.active.iter_rows(min_row=3, max_row=3, values_only=True))
    assert "Huyện" not in header and header[:3] == ("Ngày", "Mã tỉnh", "Tỉnh")
    data = json.loads(body(download(client, query + "&format=json")))
    assert "district" not in data["rows"][0] and "commune_code" in data["rows"][0]


@pytest.mark.parametrize(
    ("date", "language", "name", "code"),
    [
        ("2025-09-30", "vi", "Xã, phường, đặc khu", "Mã xã, phường, đặc khu"),
        ("2025-09-30", "en", "Commune, ward, special zone", "Code of commune, ward, special zone"),
        ("2024-12-31", "vi", "Xã, phường, thị trấn", "Mã xã, phường, thị trấn"),
        ("2024-12-31", "en", "Commune, ward, township", "Code of commune, ward, township"),
    ],
)
def test_the_commune_columns_are_headed_by_the_kinds_of_commune_at_the_date(
    client, demo, date, language, name, code
):
    """Found reading an export of 30/9/2025: "Xã" headed the column of Phường Mường Lay."""
    for output in ("csv", "xlsx"):
        response = download(client, f"?date={date}&group=village&format={output}", language)
        if output == "csv":
            header = first_row(response)
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
            header = list(next(sheet.iter_rows(min_row=3, max_row=3, values_only=True)))
        assert header[header.index(code) + 1] == name, output


def test_exports_before_the_reform_keep_their_districts(client, demo):
    table = pandas.read_csv(
        io.BytesIO(body(download(client, "?date=2024-12-31&group=commune&format=csv"))), dtype=str
    )
    district = "Huyện, thị xã, thành phố"
    assert table[district].iloc[:-1].notna().all()  # all but the totals row


def _file_name(response) -> str:
    disposition = response["Content-Disposition"]
    return disposition.split('filename="', 1)[1].removesuffix('"')


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ("", "partystats-coverage-commune-2017-12-31"),  # unfiltered: as it always was
        (
            "&status=no_members&members_min=0&members_max=3",
            "partystats-coverage-commune-2017-12-31-no-members-members-0-to-3",
        ),
        (
            "&q=Huổi Đáp&sort=-members",
            "partystats-coverage-commune-2017-12-31-name-huoi-dap-sort-members-desc",
        ),
        ("&members_min=1.000", "partystats-coverage-commune-2017-12-31-members-from-1000"),
        (
            "&members_max=5&sort=name",
            "partystats-coverage-commune-2017-12-31-members-to-5-sort-name",
        ),
        ("&district={district}", "partystats-coverage-commune-2017-12-31-huyen-muong-cha"),
    ],
)
def test_the_exports_file_names_say_the_filters_applied(client, demo, filters, named):
    from units.models import Scheme, Unit

    district = Unit.objects.get(name="Huyện Mường Chà", scheme=Scheme.GSO2004)
    query = "?date=2017-12-31&group=commune" + filters.format(district=district.id)
    for output in ("csv", "xlsx", "json"):
        response = download(client, f"{query}&format={output}")
        assert _file_name(response) == f"{named}.{output}"
    meta = json.loads(download(client, query + "&format=csv&meta=1").content)
    assert meta["file"] == f"{named}.csv"


def test_the_json_opens_in_the_browser_with_its_file_name_for_saving(client, demo):
    response = download(client, "?date=2017-12-31&group=village&status=joined&format=json")
    disposition = response["Content-Disposition"]
    assert disposition == 'inline; filename="partystats-coverage-village-2017-12-31-joined.json"'


def test_a_long_search_makes_a_bounded_ascii_file_name(client, demo):
    search = "Thôn Đường Mới Quảng Trường Nghĩa Địa " * 3  # 114 characters, the most is 120
    response = download(client, f"?date=2017-12-31&group=village&q={search}&format=csv")
    name = _file_name(response)
    assert name.isascii() and " " not in name and len(name) <= 150 + len(".csv")
    assert name.startswith("partystats-coverage-village-2017-12-31-name-thon-duong-moi-quang")
    assert not name.removesuffix(".csv").endswith("-")
    assert len(name.removesuffix(".csv").split("-name-")[1]) <= 40


@pytest.mark.parametrize(
    ("language", "name", "code"),
    [
        ("vi", "Huyện, thị xã, thành phố", "Mã huyện, thị xã, thành phố"),
        ("en", "District, town, city", "Code of district, town, city"),
    ],
)
@pytest.mark.parametrize("group", ["village", "commune", "district"])
def test_the_district_columns_are_headed_by_the_kinds_of_the_level(
    client, demo, language, name, code, group
):
    """ "Huyện" headed the column of Thành phố Điện Biên Phủ and Thị xã Mường Lay."""
    query = f"?date=2017-12-31&group={group}"
    csv_header = first_row(download(client, query + "&format=csv", language))
    xlsx = download(client, query + "&format=xlsx", language)
    sheet = openpyxl.load_workbook(io.BytesIO(body(xlsx)))
    xlsx_header = list(next(sheet.active.iter_rows(min_row=3, max_row=3, values_only=True)))
    for header in (csv_header, xlsx_header):
        assert header[3:5] == [code, name]
    data = json.loads(body(download(client, query + "&format=json")))
    assert {"district_code", "district"} <= set(data["rows"][0])  # the keys unchanged
    html = download(client, query, language).content.decode()
    assert f">{name}</a></th>" in html  # the table's heading, a sort link
    table = pandas.read_csv(io.BytesIO(body(download(client, query + "&format=csv", language))))
    district_names = set(table[name].dropna())
    assert {"Thành phố Điện Biên Phủ", "Thị xã Mường Lay"} <= district_names
