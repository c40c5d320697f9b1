"""Formatting of figures: locale number grouping, qualifiers, statuses, dates, links.

A long table calls these thousands of times a page: the counts, statuses, dates and links of
rows are formatted with what the language needs looked up once per language, not per cell
(issue 10: `number_format` was 6 µs a number, a status label 11 µs, a date 17 µs, a `{% url %}`
21 µs; tests/units/web/test_formatting.py holds each to Django's own answer).
"""

import datetime
import functools
import html
from decimal import Decimal

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import date_format, get_format, number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from units.models import Qualifier, Status
from units.reads.village_lists import Risk
from units.reads.village_page import VillageHistoryRow

register = template.Library()

# How every page, public or staff, shows a value that is missing (a village not reported, a run
# without a scope): the em dash, never a 0 nor an en dash (docs/domain.md §1). Exports leave the
# cell empty or null instead (units/web/exports.py).
NO_VALUE = "—"


@register.filter
def or_no_value(value):
    """The value, or NO_VALUE when there is none: None, or the empty text a filter before it
    gives for None (`date`, `short_date`, `join`). A 0 is a value, shown as such."""
    if value is None or value == "":
        return NO_VALUE
    return value


@register.simple_tag
def no_value() -> str:
    """NO_VALUE where a template's `{% else %}` has nothing to show (a unit without a parent)."""
    return NO_VALUE


@register.filter
def count(value) -> str:
    """36894 → "36.894" in Vietnamese, "36,894" in English; None → NO_VALUE (never a zero)."""
    return count_in(value, get_language())


@register.filter
def village_totals(totals) -> str:
    """What the village table's totals row says under "Status": on the page
    (templates/units/coverage.html) and in its exports, one sentence."""
    return _(
        "%(total)s villages: %(own)s with their own cell, %(joined)s joined, "
        "%(white)s with no member, %(missing)s not reported"
    ) % {
        "total": count(totals.villages),
        "own": count(totals.own_cell),
        "joined": count(totals.joined),
        "white": count(totals.no_members),
        "missing": count(totals.not_reported),
    }


def count_in(value, language: str | None) -> str:
    """`count` in a language looked up once by the caller (a table's every cell)."""
    if value is None:
        return NO_VALUE
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    separator = _thousand_separator(language)
    if type(value) is int and separator is not None:
        return f"{value:,}".replace(",", separator)
    return number_format(value, force_grouping=True)


@functools.cache
def _thousand_separator(language: str | None) -> str | None:
    """The language's thousand separator when it groups by three (both of the site's do);
    None sends `count` to Django's `number_format`."""
    if language is None or get_format("NUMBER_GROUPING", language) != 3:
        return None
    return get_format("THOUSAND_SEPARATOR", language)


@register.filter
def published_value(figure) -> str:
    """A published figure with its qualifier: "> 45.000", "about 46.000"."""
    return qualified(figure.value, figure.qualifier)


@register.filter
def qualified(value, qualifier: str) -> str:
    """A number with how exact it is: "more than 45.000", "about 2.247", "650"."""
    text = count(value)
    if qualifier == Qualifier.AT_LEAST:
        return _("more than %(value)s") % {"value": text}
    if qualifier == Qualifier.ABOUT:
        return _("about %(value)s") % {"value": text}
    return text


@register.filter
def status_label(status: str) -> str:
    """The one label of a status, in the page's language (units.models.Status)."""
    return status_label_in(status, get_language())


def status_label_in(status: str, language: str | None) -> str:
    labels = _status_labels(language)
    return labels[status] if status in labels else Status(status).label


@functools.cache
def _status_labels(language: str | None) -> dict[str, str]:
    return {status.value: str(status.label) for status in Status}


@register.filter
def short_date(value: datetime.date | None) -> str:
    """`value|date:"SHORT_DATE_FORMAT"`, each date formatted once per language (a page shows
    the same 40 reporting dates in two pickers and a table)."""
    if not value:
        return ""
    return _short_date(value, get_language())


@functools.lru_cache(maxsize=2048)
def _short_date(value: datetime.date, language: str | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


@register.filter
def unit_url(unit_id: int) -> str:
    """`{% url 'unit' unit_id %}`, the pattern reversed once per script prefix."""
    return _path("unit", unit_id)


@register.filter
def village_url(village_id: int) -> str:
    """`{% url 'village' village_id %}`, the pattern reversed once per script prefix."""
    return _path("village", village_id)


PATH_MARK = 987654321  # an id no link has: where the id goes in the reversed pattern


def _path(name: str, object_id: int) -> str:
    head, tail = _path_around_id(name, get_script_prefix(), get_urlconf())
    return f"{head}{int(object_id)}{tail}"


@functools.cache
def _path_around_id(name: str, prefix: str, urlconf) -> tuple[str, str]:
    head, tail = reverse(name, args=[PATH_MARK], urlconf=urlconf).split(str(PATH_MARK))
    return head, tail


@register.simple_tag
def village_history_rows(rows: list[VillageHistoryRow]) -> SafeString:
    """The village page's history table, a `<tr>` per reporting date, written here with the
    filters above: through the template its 40 rows of 15 variables were half the page's time
    (issue 10). Every value is escaped, as the template did: names come from reports."""
    language = get_language()
    not_reported = _("Not reported")
    return mark_safe("".join(_history_row(row, language, not_reported) for row in rows))


DATE_CELL = '<th scope="row">{date}</th>'
FIGURE_CELLS = (
    '<td>{status_label}</td><td class="num">{members}</td><td class="num">{full}</td>'
    '<td class="num">{probationary}</td><td class="num">{admissions}</td>'
)
HOST_LINK = '<td><a href="{host_url}">{host}</a></td>'  # a village whose cell it attends
HOST_TEXT = "<td>{host}</td>"  # unknown: the name as written in the report
COMMUNE = '<td><a href="{commune_url}?date={iso}">{commune}</a>'
DISTRICT = ", {district}"


def _history_row(row: VillageHistoryRow, language: str | None, not_reported: str) -> str:
    """One row, its values escaped and formatted at once (a call per cell cost as much as the
    template's variables)."""
    date = _short_date(row.period.date, language)
    figure = row.figure
    if figure is None:
        return _escaped_format(
            '<tr class="status-not_reported">' + DATE_CELL + "<td>{not_reported}</td>"
            '<td colspan="6"></td></tr>',
            date=date,
            not_reported=not_reported,
        )
    return _escaped_format(
        '<tr class="status-{status}">'
        + DATE_CELL
        + FIGURE_CELLS
        + (HOST_LINK if figure.host_id else HOST_TEXT)
        + COMMUNE
        + (DISTRICT if figure.district_name else "")
        + "</td></tr>",
        status=figure.status,
        date=date,
        status_label=status_label_in(figure.status, language),
        members=count_in(figure.members, language),
        full=count_in(figure.full_members, language),
        probationary=count_in(figure.probationary_members, language),
        admissions=count_in(figure.admissions, language),
        host_url=village_url(figure.host_id) if figure.host_id else "",
        host=figure.host_name,
        commune_url=unit_url(figure.commune_id),
        iso=row.iso,
        commune=figure.commune_name,
        district=figure.district_name,
    )


def _escaped_format(template_text: str, **values) -> str:
    """`format_html` for plain values: each escaped as Django's `escape` does (`html.escape` of
    its text). `format_html`'s `conditional_escape`, with its checks for lazy and safe strings,
    was a third of the table's time; these values are never safe strings already."""
    return template_text.format_map({name: html.escape(str(v)) for name, v in values.items()})


RISK_LABELS = {
    Risk.FEW: gettext_lazy("one or two members"),
    Risk.WORSE: gettext_lazy("status got worse"),
    Risk.FALLING: gettext_lazy("lost a third of its members or more"),
}


@register.filter
def risk_labels(reasons: tuple[str, ...]) -> str:
    return "; ".join(str(RISK_LABELS[reason]) for reason in reasons)


@register.filter
def share_value(value: float | None) -> str:
    """A share in per cent with one decimal: "12,5%" in Vietnamese; NO_VALUE when unknown."""
    if value is None:
        return NO_VALUE
    return number_format(value, decimal_pos=1) + "%"


@register.filter
def change(now, before) -> str:
    """Signed difference, "+12" / "−3" / "0"; NO_VALUE when either side is unknown."""
    if now is None or before is None:
        return NO_VALUE
    diff = now - before
    if diff > 0:
        return "+" + count(diff)
    if diff < 0:
        return "−" + count(-diff)
    return "0"


@register.filter
def percent(part, whole) -> str:
    if not whole or part is None:
        return NO_VALUE
    return number_format(round(100 * part / whole, 1), decimal_pos=1) + " %"
