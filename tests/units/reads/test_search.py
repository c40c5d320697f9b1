"""The site search on the demo data: without diacritics, by code, escaped, capped, fixed queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.demo_snapshot import dien_bien
from units.domain.names import name_key, sort_key
from units.models import Level, Scheme, Unit, Village, VillagePlacement
from units.reads.search import QueryTooShort, search_keys, search_run

D = datetime.date
pytestmark = pytest.mark.django_db


def get(client, url: str, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def result_rows(html: str) -> list[str]:
    """Each result row as text: name, level, scheme and validity, parent, code."""
    rows = re.findall(r'<tr class="result-(?:unit|village)">(.*?)</tr>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_a_village_is_found_without_diacritics(client, demo):
    village = Village.objects.get(name="Bản Huổi Hạ")
    html = get(client, "/search/?q=huoi+ha", "vi")
    rows = result_rows(html)
    # The exact name first, then the names that only contain it ("Bản Huổi Háng").
    assert rows[0].startswith("Bản Huổi Hạ (")
    assert "Thôn, bản" in rows[0]  # the level, in Vietnamese
    assert "Xã Na Sang" in rows[0]  # the commune of its latest placement
    assert "03201-01" in rows[0]
    assert f'href="/v/{village.id}/"' in html
    assert all("Huổi H" in row for row in rows)


def test_diacritics_and_the_kind_prefix_are_both_optional(client, demo):
    plain = result_rows(get(client, "/search/?q=muong+cha"))
    written = result_rows(get(client, "/search/?q=Huy%E1%BB%87n+M%C6%B0%E1%BB%9Dng+Ch%C3%A0"))
    assert plain == written
    district, old_town, new_commune = plain
    assert district.startswith("Huyện Mường Chà District level")
    assert old_town.startswith("Thị trấn Mường Chà Commune level")
    assert new_commune.startswith("Xã Mường Chà Commune level")
    assert (
        "District" in district and "until 30/06/2025" in district and "Tỉnh Điện Biên" in district
    )
    assert "until 30/06/2025" in old_town and "Huyện Mường Chà" in old_town
    assert "from 01/07/2025" in new_commune and "Tỉnh Điện Biên" in new_commune


def test_a_units_level_is_named_as_a_level_not_as_a_kind_it_is_not(client, demo):
    """The "Level" column said "Huyện" of a town (thị xã) and "Xã" of a ward (phường): the kind
    of unit they are not. It says "Cấp huyện", "Cấp xã", as the unit's own page heads it."""
    town, ward = result_rows(get(client, "/search/?q=muong+lay", "vi"))
    assert town.startswith("Thị xã Mường Lay Cấp huyện ")
    assert ward.startswith("Phường Mường Lay Cấp xã ")


def test_units_are_found_by_their_exact_code_and_villages_by_code_prefix(client, demo):
    district = Unit.objects.get(scheme=Scheme.GSO2004, level=Level.DISTRICT, code="097")
    html = get(client, "/search/?q=097")
    assert f'href="/u/{district.id}/"' in html
    rows = result_rows(html)
    assert rows[0].startswith("Huyện Mường Chà") and rows[0].endswith("097")

    rows = result_rows(get(client, "/search/?q=03201"))
    assert rows[0].startswith("Xã Na Sang") and rows[0].endswith("03201")
    villages = Village.objects.filter(code__startswith="03201")
    assert len(rows) == 1 + villages.count() and villages.count() > 3
    assert all(row.split()[-1].startswith("03201") for row in rows)

    rows = result_rows(get(client, "/search/?q=03201-01"))
    assert len(rows) == 1 and rows[0].startswith("Bản Huổi Hạ")
    # A unit code matches exactly, a village code by its start: "0320" finds villages only.
    html = get(client, "/search/?q=0320")
    assert 'class="result-unit"' not in html and 'class="result-village"' in html


def test_a_province_code_finds_the_province_in_both_schemes(client, demo):
    rows = result_rows(get(client, "/search/?q=11"))
    provinces = [row for row in rows if row.startswith("Tỉnh Điện Biên")]
    assert len(provinces) == 2
    assert "until 30/06/2025" in provinces[0] and "from 01/07/2025" in provinces[1]
    assert rows[:2] == provinces  # an exact code ranks first


def test_a_script_name_is_shown_as_text(client, demo):
    name = "<script>alert(1)</script>"
    commune = Unit.objects.get(scheme=Scheme.GSO2025, level=Level.COMMUNE, name="Xã Na Sang")
    village = Village.objects.create(
        name=name, name_key=name_key(name), sort_key=sort_key(name), valid_from=D(2020, 1, 1)
    )
    VillagePlacement.objects.create(village=village, commune=commune, valid_from=D(2020, 1, 1))
    html = get(client, "/search/?q=alert")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The query itself is echoed in the header box and the count line, escaped too.
    html = get(client, "/search/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert len(result_rows(html)) == 1


def test_empty_short_and_unmatched_queries_say_so(client, demo):
    html = get(client, "/search/")
    assert "Type a name or a code in the search box" in html and "result-" not in html
    html = get(client, "/search/?q=+a+")
    assert "“a” is too short to search: type at least 2 letters or digits." in html
    assert "is too short" in get(client, "/search/?q=%C4%91")  # "đ" folds to one letter
    html = get(client, "/search/?q=zzqq")
    assert "Nothing found for “zzqq”." in html


def test_results_are_capped_with_the_full_count(client, demo):
    html = get(client, "/search/?q=huoi")
    units = Unit.objects.filter(name_key__contains="huoi").count()
    total = Village.objects.filter(name_key__contains="huoi").count() + units
    assert total > 50 and units > 0
    count_line = re.search(r'id="search-count"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert f"{total:,} results for “huoi”." in count_line
    assert "Showing the first 50" in count_line
    assert len(result_rows(html)) == 50
    assert html.count('class="result-unit"') == units  # units first, then villages


def test_every_page_has_the_search_box_and_links_in_its_header(client, demo):
    province = dien_bien()
    for url in ("/search/", f"/u/{province.id}/", "/targets/", "/coverage/"):
        html = get(client, url)
        header = html.split('<header class="site-header">')[1].split("</header>")[0]
        assert re.search(
            r'<form class="site-search" role="search" action="/search/" method="get">', header
        )
        assert 'name="q"' in header and 'for="site-search-q"' in header
        assert 'href="/targets/"' in header and 'href="/coverage/"' in header
        assert 'href="/language/vi/?next=' in header  # the language switch stays


def test_search_queries_are_fixed_whatever_the_number_of_villages(client, demo):
    commune = Unit.objects.get(scheme=Scheme.GSO2025, level=Level.COMMUNE, name="Xã Na Sang")

    def queries() -> int:
        client.cookies["django_language"] = "en"
        with CaptureQueriesContext(connection) as context:
            assert client.get("/search/?q=huoi+ha").status_code == 200
        return len(context.captured_queries)

    few = queries()
    for number in range(60):
        name = f"Bản Huổi Hạ {number}"
        village = Village.objects.create(
            name=name, name_key=name_key(name), sort_key=sort_key(name), valid_from=D(2020, 1, 1)
        )
        VillagePlacement.objects.create(village=village, commune=commune, valid_from=D(2020, 1, 1))
    assert queries() == few
    assert search_run(query="huoi ha").villages_total > 60


def test_search_keys_fold_and_drop_the_kind():
    assert search_keys("  Bản   HUỔI Hạ ") == ("ban huoi ha", "huoi ha")
    assert search_keys("Thành phố Điện Biên Phủ") == ("thanh pho dien bien phu", "dien bien phu")
    assert search_keys("tổ dân phố 3") == ("to dan pho 3", "3")
    with pytest.raises(QueryTooShort):
        search_keys(" h ")


# A missing space, a kind alone, a near spelling (issue 13) -------------------------------------


def test_a_missing_space_still_finds_the_village(client, demo):
    rows = result_rows(get(client, "/search/?q=namcang"))
    assert len(rows) == 2
    assert rows[0].startswith("Bản Nậm Cang 1 ") and rows[1].startswith("Bản Nậm Cang 2 ")


def test_a_near_spelling_finds_the_village_and_says_it_is_near(client, demo):
    html = get(client, "/search/?q=nam+kang")
    rows = result_rows(html)
    assert rows[0].startswith("Bản Nậm Cang 1") and rows[1].startswith("Bản Nậm Cang 2")
    count_line = re.search(r'id="search-count"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "Nothing is written exactly “nam kang”; these names are the nearest." in count_line
    # Nearest first: the two that differ only by c/k before those one letter away.
    assert all("Nậm Cang" not in row for row in rows[2:])
    results = search_run(query="nam kang")
    assert results.near and results.villages_total == len(rows)


def test_a_kind_alone_finds_the_names_of_that_kind_not_one_commune(client, demo):
    results = search_run(query="ban")
    assert results.villages_total > 1000  # every "Bản …" village, not only Xã Mường Báng
    assert [unit.name for unit in results.units] == ["Xã Mường Báng"]
    assert all(result.village.name.startswith("Bản ") for result in results.villages)


def test_exact_names_rank_before_words_and_parts_of_words(client, demo):
    results = search_run(query="muong nhe")
    names = [unit.name for unit in results.units]
    # "Mường Nhé" exactly (district, old and new communes) before names that only start so.
    exact = [name for name in names if name.endswith("Mường Nhé")]
    assert names[: len(exact)] == exact and len(exact) >= 2
    assert not search_run(query="zzqq").total  # nothing near either


def test_the_edit_distance_to_a_part_of_a_name():
    from units.domain.names import substring_distance

    assert substring_distance("namcang", "bannamcang1") == 0
    assert substring_distance("namkang", "namcang1") == 1
    assert substring_distance("muongcha", "xamuongnha") == 1
    assert substring_distance("abc", "xyz") == 3
