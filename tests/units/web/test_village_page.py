"""The village page (/v/<id>/) on the demo data, and what makes it quick: its queries prepared
once (units/reads/prepared.py), its history rows written in Python (coverage.py) and its
headings kept per language (language_text.py), each held to what the page showed before."""

import datetime
import re

import pytest
from django.db import connection
from django.template import Context, Template, TemplateSyntaxError
from django.test.utils import CaptureQueriesContext
from django.urls import clear_script_prefix, set_script_prefix
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape

from tests.demo_snapshot import dien_bien
from tests.workbooks import placed_village
from units.models import (
    Level,
    Period,
    Scheme,
    Status,
    Unit,
    Village,
    VillageFigure,
    VillageSuccession,
)
from units.reads import village_page
from units.reads.dates import periods_with_coverage
from units.reads.prepared import PreparedQuery
from units.reads.village_page import village_read

D = datetime.date
pytestmark = pytest.mark.django_db
REFORM = D(2025, 7, 1)  # no districts from this day
MARKUP = """<script>alert(1)</script> Bản "Nà" & 'Lũng'"""


def get(client, url: str, language: str = "vi") -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def a_new_commune() -> Unit:
    """A commune of today's Điện Biên (from 1/7/2025: no district above it)."""
    return Unit.objects.filter(
        scheme=Scheme.GSO2025, level=Level.COMMUNE, parent=dien_bien(Scheme.GSO2025)
    ).first()


def demo_villages() -> list[Village]:
    """Villages of every kind the page shows: moved across the reform, merged both ways,
    attending another village's cell."""
    merged = Village.objects.filter(predecessions__isnull=False).first()
    joined = VillageFigure.objects.filter(joined_with__isnull=False).first()
    return [
        Village.objects.get(name="Bản Nậm Cang 1"),
        merged,
        merged.predecessions.first().predecessor,
        joined.village,
    ]


def test_the_prepared_queries_answer_what_the_orm_does(demo):
    for village in demo_villages():
        queries = {
            village_page.FIGURES: VillageFigure.objects.filter(village=village).values_list(
                *village_page.FIGURE_VALUES
            ),
            village_page.PLACEMENTS: village.placements.order_by("valid_from").values_list(
                *village_page.PLACEMENT_VALUES
            ),
            village_page.SUCCESSIONS: VillageSuccession.objects.filter(
                successor=village
            ).values_list(*village_page.SUCCESSION_VALUES)
            | VillageSuccession.objects.filter(predecessor=village).values_list(
                *village_page.SUCCESSION_VALUES
            ),
        }
        for prepared, queryset in queries.items():
            assert sorted(prepared.rows(village.id), key=repr) == sorted(queryset, key=repr)
        read = village_read(village.id)
        fields = [field.attname for field in Village._meta.concrete_fields]
        for field in fields:  # the same values, of the same types (dates, booleans)
            value, expected = getattr(read, field), getattr(village, field)
            assert value == expected and type(value) is type(expected), field
        assert read._state.db == village._state.db and not read._state.adding
    assert village_read(999_999_999) is None


def test_a_prepared_query_runs_one_query_and_takes_only_the_id(demo):
    village = Village.objects.get(name="Bản Nậm Cang 1")
    with CaptureQueriesContext(connection) as queries:
        village_page.FIGURES.rows(village.id)
        village_page.FIGURES.rows(village.id)
    assert len(queries.captured_queries) == 2
    other = PreparedQuery(
        Village, lambda pk: Village.objects.filter(pk=pk, name="Bản").values_list("id")
    )
    with pytest.raises(ValueError, match="the id and nothing else"):
        other.rows(village.id)
    with pytest.raises(ValueError, match="the id and nothing else"):
        PreparedQuery(Village, lambda pk: Village.objects.values_list("id")).rows(village.id)


def test_names_with_markup_are_escaped_everywhere_on_the_page(client, demo):
    commune = a_new_commune()
    Unit.objects.filter(pk=commune.pk).update(name=MARKUP)
    Unit.objects.filter(pk=commune.parent_id).update(name=MARKUP)
    village = placed_village(MARKUP, commune, REFORM)
    host = placed_village(MARKUP + " host", commune, REFORM)
    before = placed_village(MARKUP + " before", commune, D(2020, 1, 1))
    VillageSuccession.objects.create(predecessor=before, successor=village, date=REFORM)
    period = Period.objects.get(date=D(2025, 9, 30))
    joined = {"status": Status.JOINED, "members": 2, "full_members": 2}
    VillageFigure.objects.create(
        village=village, period=period, commune=commune, joined_with=host, **joined
    )
    html = get(client, f"/v/{village.id}/")
    assert "<script" not in html and MARKUP not in html
    name = escape(MARKUP)
    assert f"<h1>{name}</h1>" in html and f"<title>{name} · partystats</title>" in html
    assert f'<a href="/v/{before.id}/">{name} before</a>' in html  # merged from
    assert f'<td><a href="/v/{host.id}/">{name} host</a></td>' in html  # attends its cell
    assert f'<a href="/u/{commune.id}/?date=2025-09-30">{name}</a></td></tr>' in html
    assert f'<a href="/u/{commune.id}/">{name}</a></th>' in html  # placements
    assert f"<td>{name}</td>" in html  # the province, in the placements
    # The title, the breadcrumb's three, the heading, the merge, the placement's two (commune,
    # province), the history row's two (host, commune): all escaped.
    assert html.count(name) == 10
    VillageFigure.objects.filter(village=village).update(joined_with=None, joined_with_name=MARKUP)
    html = get(client, f"/v/{village.id}/")  # the host's name as written in the report
    assert "<script" not in html and f"<td>{name}</td><td><a " in html


def test_the_page_in_both_languages_one_after_the_other(client, demo):
    village = Village.objects.get(name="Bản Nậm Cang 1")
    words = {
        "vi": ["Lịch sử", "Báo cáo thuộc", "Hình thức"],
        "en": ["History", "Reported under", "Communes it belonged to"],
    }
    with translation.override("vi"):
        words["vi"][2] = translation.gettext("Communes it belonged to")
    for language in ("vi", "en", "vi", "en"):  # the headings kept per language stay apart
        html = get(client, f"/v/{village.id}/", language)
        other = "en" if language == "vi" else "vi"
        assert all(f">{word}<" in html for word in words[language]), language
        assert not any(f">{word}<" in html for word in words[other]), language
        with translation.override(language):
            date = date_format(D(2017, 12, 31), "SHORT_DATE_FORMAT")
        assert f'<th scope="row">{date}</th>' in html


def test_a_village_without_figures_shows_every_date_of_its_life_as_not_reported(client, demo):
    village = placed_village("Bản Không Số", a_new_commune(), REFORM)
    lifetime = [p for p in periods_with_coverage() if p.date >= village.valid_from]
    html = get(client, f"/v/{village.id}/", "en")
    rows = re.findall(r'<tr class="status-([a-z_]+)">', html)
    assert rows == ["not_reported"] * len(lifetime) and lifetime
    # Its figures and commune missing, shown as every page shows a missing value; no host.
    missing = '<td class="num">—</td>' * 4 + "<td></td><td>—</td>"
    assert html.count(f"<td>Not reported</td>{missing}</tr>") == len(lifetime)


def test_a_merged_village_links_both_ways(client, demo):
    merged = Village.objects.filter(predecessions__isnull=False).first()
    before = list(Village.objects.filter(successions__successor=merged))  # Village's ordering
    html = get(client, f"/v/{merged.id}/")
    links = re.findall(r'<a href="/v/(\d+)/">', html.split('id="merged-from"')[1].split("</p>")[0])
    assert [int(link) for link in links] == [v.id for v in before]
    html = get(client, f"/v/{before[0].id}/")
    assert f'<a href="/v/{merged.id}/">{escape(merged.name)}</a>' in html
    assert 'id="merged-into"' in html


def test_a_village_placed_after_2025_has_no_district(client, demo):
    commune = a_new_commune()
    village = placed_village("Bản Mới", commune, REFORM)
    html = get(client, f"/v/{village.id}/")
    province = dien_bien(Scheme.GSO2025)
    assert "<td>(không còn cấp huyện từ 1/7/2025)</td>" in html
    assert f"<td>{escape(province.name)}</td>" in html
    crumbs = re.findall(r'<li><a href="/u/(\d+)/">', html)
    assert [int(c) for c in crumbs] == [province.id, commune.id]  # province, then the commune


def test_an_unknown_village_is_not_found_in_the_visitors_language(client, demo):
    client.cookies["django_language"] = "vi"
    response = client.get("/v/999999999/")
    assert response.status_code == 404
    assert "Không có thôn, bản nào mang số này." in response.content.decode()


def kept_once(inside: str) -> Template:
    return Template(
        "{% load i18n language_text %}{% once_per_language %}"
        + inside
        + "{% endonce_per_language %}"
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_once_per_language_renders_what_its_tags_do_in_each_language_and_prefix(language):
    inside = (
        '<th>{% translate "History" %}</th>{% translate "Reported under" noop %}'
        "<a href=\"{% url 'search' %}\">{% translate 'Search' %}</a>"
    )
    kept, plain = kept_once(inside), Template("{% load i18n %}" + inside)
    other = "en" if language == "vi" else "vi"
    for current, prefix in [(language, "/"), (other, "/"), (language, "/ps/"), (language, "/")]:
        set_script_prefix(prefix)
        try:
            with translation.override(current):
                assert kept.render(Context()) == plain.render(Context()), (current, prefix)
        finally:
            clear_script_prefix()
    with translation.override(language):
        autoescaped = plain.render(Context(autoescape=False))
        assert kept.render(Context(autoescape=False)) == autoescaped


@pytest.mark.parametrize(
    "inside",
    [
        "{{ village.name }}",
        "{% translate name %}",
        '{% translate "History" as heading %}',
        '{% translate "History"|upper %}',
        '{% translate "May" context "month" %}',
        "{% if x %}{% endif %}",
        "{% blocktranslate %}History{% endblocktranslate %}",
        "{% url 'unit' 5 %}",
        "{% url 'search' as link %}",
        "{% url name %}",
        "{% url 'imports:upload' %}",  # reversed under the request's current app
    ],
)
def test_once_per_language_refuses_what_could_change_between_pages(inside):
    with pytest.raises(TemplateSyntaxError, match="holds only text"):
        kept_once(inside)
