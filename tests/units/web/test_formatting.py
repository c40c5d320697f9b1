"""The table cells' formatting (units/templatetags/coverage.py) gives Django's own answers,
only sooner: numbers, statuses, dates and links, in both languages."""

import datetime
from decimal import Decimal

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation
from django.utils.formats import date_format, number_format

from units.models import Status
from units.templatetags.coverage import count, short_date, status_label, unit_url, village_url

NUMBERS = [0, 7, 999, 1000, 36894, -1234, 1234567, Decimal("4500"), Decimal("12.5"), 12.5]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_count_groups_as_number_format_does(language):
    with translation.override(language):
        for value in NUMBERS:
            integral = isinstance(value, Decimal) and value == value.to_integral_value()
            expected = number_format(int(value) if integral else value, force_grouping=True)
            assert count(value) == expected, value
        assert count(None) == "–"


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
