"""Formatting of figures: locale number grouping, qualifiers, statuses, dates, links.

A long table calls these thousands of times a page: the counts, statuses, dates and links of
rows are formatted with what the language needs looked up once per language, not per cell
(issue 10: `number_format` was 6 µs a number, a status label 11 µs, a date 17 µs, a `{% url %}`
21 µs; tests/units/web/test_formatting.py holds each to Django's own answer).
"""

from __future__ import annotations

import datetime
import functools
import html
from dataclasses import dataclass
from decimal import Decimal

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import date_format, get_format, number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from units.models import Qualifier, Status, commune_headings
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
def known(coverage, key: str):
    """`Coverage.known`: a unit's count by status, None (shown NO_VALUE) when no village of it
    was reported, so a headline never says "own cell 0" of villages nobody counted."""
    return coverage.known(key)


@register.filter
def commune_heading(date: datetime.date) -> str:
    """The heading of a column of communes at the date: "Xã, phường, đặc khu" from 1/7/2025."""
    return str(commune_headings(date).name)


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
    """The village page's history table, a `<tr>` per reporting date, written here: through the
    template its 40 rows of 15 variables were half the page's time (issue 10).

    What can hold markup is escaped: the names, which come from reports, and the translated
    words. What cannot is written as it is: counts (digits and the language's separator), dates
    (digits and slashes), statuses (a `Status` value, or the row fails) and the links' paths
    (escaped once, around an id that is an int). tests/units/web/test_village_page.py checks
    a name with markup on every cell that shows one."""
    shared = RowsShared.now()
    return mark_safe("".join([_history_row(row, shared) for row in rows]))


@dataclass(frozen=True, slots=True)
class RowsShared:
    """What every row of one table takes from the request's language and script prefix, looked
    up once a table (each lookup reads an asgiref local, a few µs)."""

    language: str | None
    status_labels: dict[str, str]  # escaped, by status
    not_reported: str  # escaped
    unit_path: tuple[str, str]  # escaped, before and after the id
    village_path: tuple[str, str]

    @classmethod
    def now(cls) -> RowsShared:
        language, prefix, urlconf = get_language(), get_script_prefix(), get_urlconf()
        return cls(
            language,
            _escaped_status_labels(language),
            html.escape(_("Not reported")),
            _escaped_path_around_id("unit", prefix, urlconf),
            _escaped_path_around_id("village", prefix, urlconf),
        )


@functools.cache
def _escaped_status_labels(language: str | None) -> dict[str, str]:
    return {status: html.escape(label) for status, label in _status_labels(language).items()}


@functools.cache
def _escaped_path_around_id(name: str, prefix: str, urlconf) -> tuple[str, str]:
    head, tail = _path_around_id(name, prefix, urlconf)
    return html.escape(head), html.escape(tail)


# A not-reported row's members, full, probationary, admissions, host and commune: a missing
# value is "—" on every page (docs/domain.md §1); no host is an empty cell, as in other rows.
NOT_REPORTED_CELLS = f'<td class="num">{NO_VALUE}</td>' * 4 + f"<td></td><td>{NO_VALUE}</td>"


def _history_row(row: VillageHistoryRow, shared: RowsShared) -> str:
    """One row as one f-string (a call per cell cost as much as the template's variables)."""
    language, escape = shared.language, html.escape
    date = _short_date(row.period.date, language)
    figure = row.figure
    if figure is None:  # nothing reported: every figure missing, no host, no commune known
        return (
            f'<tr class="status-not_reported"><th scope="row">{date}</th>'
            f"<td>{shared.not_reported}</td>{NOT_REPORTED_CELLS}</tr>"
        )
    status_label = shared.status_labels[figure.status]  # a KeyError for anything else
    host = escape(figure.host_name)
    if figure.host_id:  # a village whose cell it attends; else the name as written in the report
        head, tail = shared.village_path
        host = f'<a href="{head}{int(figure.host_id)}{tail}">{host}</a>'
    head, tail = shared.unit_path
    commune = f'<a href="{head}{int(figure.commune_id)}{tail}?date={row.iso}">'
    commune += escape(figure.commune_name) + "</a>"
    if figure.district_name:
        commune += ", " + escape(figure.district_name)
    return (
        f'<tr class="status-{figure.status}"><th scope="row">{date}</th>'
        f"<td>{status_label}</td>"
        f'<td class="num">{count_in(figure.members, language)}</td>'
        f'<td class="num">{count_in(figure.full_members, language)}</td>'
        f'<td class="num">{count_in(figure.probationary_members, language)}</td>'
        f'<td class="num">{count_in(figure.admissions, language)}</td>'
        f"<td>{host}</td><td>{commune}</td></tr>"
    )


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
