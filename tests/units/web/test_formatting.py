"""The table cells' formatting (units/templatetags/coverage.py) gives Django's own answers,
only sooner: numbers, statuses, dates and links, in both languages; and a missing value shows as
the same mark on every page."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation
from django.utils.formats import date_format, number_format

from imports.models import ImportRun
from tests.gate import logged_in, staff_make
from units.models import Status
from units.templatetags.coverage import (
    count,
    or_no_value,
    short_date,
    status_label,
    unit_url,
    village_url,
)

NUMBERS = [0, 7, 999, 1000, 36894, -1234, 1234567, Decimal("4500"), Decimal("12.5"), 12.5]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_count_groups_as_number_format_does(language):
    with translation.override(language):
        for value in NUMBERS:
            integral = isinstance(value, Decimal) and value == value.to_integral_value()
            expected = number_format(int(value) if integral else value, force_grouping=True)
            assert count(value) == expected, value
        assert count(None) == "—"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_status_labels_and_dates_in_the_page_language(language):
    with translation.override(language):
        for status in Status:
            assert status_label(status.value) == str(status.label)
        for day in (datetime.date(2017, 12, 31), datetime.date(2025, 6, 30)):
            assert short_date(day) == date_format(day, "SHORT_DATE_FORMAT")
        assert short_date(None) == ""
    with pytest.raises(ValueError):
        status_label("no such status")


def test_links_are_the_reversed_patterns_under_any_script_prefix():
    for prefix in ("/", "/partystats/"):
        set_script_prefix(prefix)
        try:
            for object_id in (1, 999, 30246, 987654320):
                assert unit_url(object_id) == reverse("unit", args=[object_id])
                assert village_url(object_id) == reverse("village", args=[object_id])
        finally:
            clear_script_prefix()


def test_the_village_history_rows_escape_the_names_from_reports():
    from django.utils.html import escape

    from units.models import Period
    from units.reads.village_page import HistoryFigure, VillageHistoryRow
    from units.templatetags.coverage import village_history_rows

    name = """Bản <b>"Nà" & 'Lũng'</b>"""
    figure = HistoryFigure("joined", 3, 2, 1, 0, None, name, 7, name, name)
    period = Period(id=1, date=datetime.date(2017, 12, 31))
    with translation.override("en"):
        rows = village_history_rows([VillageHistoryRow(period, figure)])
    assert name not in rows and rows.count(escape(name)) == 3, rows
    assert f'<td><a href="{unit_url(7)}?date=2017-12-31">{escape(name)}</a>, ' in rows


def test_a_zero_is_a_value_none_and_empty_text_are_not():
    """`or_no_value`, unlike Django's `default`, keeps a 0 (an admission count, a village's
    members): only None, or the "" a `date` filter makes of it, is missing."""
    values = [0, Decimal(0), "0", None, ""]
    assert [or_no_value(value) for value in values] == [0, Decimal(0), "0", "—", "—"]


def cell_texts(html: str, row: str) -> list[str]:
    """The cells of the table row whose opening tag matches `row`, as text."""
    found = re.search(row + r"(.*?)</tr>", html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", found, re.S)
    ]


@pytest.mark.django_db
def test_a_missing_value_shows_the_same_mark_on_a_public_and_a_staff_page(client, province):
    """The search (public) and the import history (staff) show what is missing as "—": a
    province has no parent, a refused run no scope, date nor shape."""
    search = client.get("/search/?q=dien+bien").content.decode()
    _, _, belongs_to, _ = cell_texts(search, r'<tr class="result-unit">')
    staff = staff_make("anh")
    run = ImportRun.objects.create(
        file_name="unreadable.xlsx",
        sha256="0" * 64,
        size=1,
        user=staff,
        outcome=ImportRun.Outcome.REFUSED,
    )
    history = logged_in(client, staff).get(reverse("imports:history")).content.decode()
    date, scope, shape = cell_texts(history, f'<tr id="run-{run.id}"[^>]*>')[6:9]
    assert belongs_to == date == scope == shape == "—"


# A dash of a template's own for a missing value: `default:"–"`, `{% else %}—{% endif %}`.
OWN_DASH = re.compile(r'default(?:_if_none)?:"[-–—]"|%}\s*[-–—]\s*{%')


def test_no_template_writes_its_own_mark_for_a_missing_value():
    """Every template shows a missing value through `or_no_value` or `{% no_value %}`, so no
    page drifts to another dash."""
    templates = Path(settings.BASE_DIR) / "templates"
    found = [
        f"{path.relative_to(templates)}: {match.group()}"
        for path in sorted(templates.rglob("*.html"))
        for match in OWN_DASH.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
