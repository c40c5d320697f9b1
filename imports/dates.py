"""A report's reference date: the "Số liệu tính đến ngày 31/12/2017" line above its table, and
the date given on upload or on the command line, which must agree with it (docs/import-format.md,
"Must refuse": a reference date that differs from the date given; a date in the future).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.domain.names import fold

from .cells import Column, Sheet, cell_text
from .issues import Findings, Issue

NO_DATE = _(
    "The file has no reference date line (“Số liệu tính đến ngày …”) and no date was "
    "given: give the date of the report."
)
NO_DATE_PERIOD = _(
    "The file has no reference date line (“Số liệu tính đến ngày …”) and no date was given. "
    "Its title says “%(title)s”: if the figures are those at the end of that period, give "
    "%(date)s as the date of the report."
)
NO_DATE_PERIOD_OPEN = _(
    "The file has no reference date line (“Số liệu tính đến ngày …”) and no date was given. "
    "Its title says “%(title)s”, a period that ends on %(date)s, after today: give the date "
    "the figures are at."
)
BAD_DATE = _("This reference date cannot be read: write it as dd/mm/yyyy.")
DATE_DIFFERS = _("The file is for %(file_date)s, not for %(date)s as given.")
DATE_DIFFERS_SHEETS = _("This sheet is for %(file_date)s, another sheet for %(date)s.")
FUTURE_DATE = _("The reference date %(date)s is in the future.")


def date_text(date: datetime.date) -> str:
    return date.strftime("%d/%m/%Y")


@dataclass
class ReferenceDate:
    """The "Số liệu tính đến ngày 31/12/2017" line: the date, or the text that failed to parse."""

    date: datetime.date | None
    row: int  # 0-based
    column: int
    text: str


# "Số liệu tính đến ngày 31/12/2017", "Tính đến thời điểm 31-12-2017", "ngày 31 tháng 12 năm 2017"
_DATE_WORDS = ("tinh den", "den ngay", "thoi diem", "so lieu")
_NUMERIC_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_WORDED_DATE = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
# A title naming a period instead of a date: "Báo cáo quý III năm 2026", "6 tháng đầu năm
# 2026". Never read as the date (the figures may be at another day of it): only offered.
_QUARTER = re.compile(r"\bquy\s*(iv|iii|ii|i|[1-4])\b\D{0,12}?(\d{4})")
_MONTHS = re.compile(r"\b(3|6|9)\s*thang\s*(?:dau\s*)?nam\s*(\d{4})")
_QUARTER_NUMBER = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
TITLE_ROWS = 10  # where a title stands, above any header


def reference_date_find(sheet: Sheet, header_top: int) -> ReferenceDate | None:
    """The reference date from the lines above the header, if one is written there."""
    for index in range(min(header_top, len(sheet.rows))):
        row = sheet.rows[index]
        line = fold(" ".join(cell_text(value) for value in row))
        if not any(word in line for word in _DATE_WORDS):
            continue
        for column, value in enumerate(row):
            found = _date_in(value)
            if found is not None:
                date, text = found
                return ReferenceDate(date, index, column, text)
    return None


def _date_in(value: object) -> tuple[datetime.date | None, str] | None:
    if isinstance(value, datetime.datetime):
        return value.date(), value.strftime("%d/%m/%Y")
    if isinstance(value, datetime.date):
        return value, value.strftime("%d/%m/%Y")
    if not isinstance(value, str):
        return None
    match = _NUMERIC_DATE.search(value) or _WORDED_DATE.search(fold(value))
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day), value.strip()
    except ValueError:
        return None, value.strip()


# Each sheet read as a table, with the reference-date line above its table (None: none).
SheetDates = list[tuple[Sheet, ReferenceDate | None]]


def report_date_find(
    sheets: SheetDates, given: datetime.date | None, findings: Findings
) -> datetime.date | None:
    """The report's date: the one given, which the file's reference-date lines must agree with;
    else the file's own. Refused when missing, unreadable, contradictory or in the future."""
    date = given
    for sheet, reference in sheets:
        if reference is None:
            continue
        column = Column(reference.column, "")
        if reference.date is None:
            findings.at(sheet, reference.row, column, BAD_DATE, value=reference.text)
        elif date is None:
            date = reference.date
        elif reference.date != date:
            text = DATE_DIFFERS if given else DATE_DIFFERS_SHEETS
            params = {"file_date": date_text(reference.date), "date": date_text(date)}
            findings.at(sheet, reference.row, column, text, params, value=reference.text)
    if date is None:
        if not any(reference for _, reference in sheets):
            findings.add(_no_date_issue([sheet for sheet, _ in sheets]))
        return None
    if date > timezone.localdate():
        _future_refuse(sheets, date, given, findings)
    return date


def _no_date_issue(sheets: list[Sheet]) -> Issue:
    """NO_DATE; with the last day of the period a title names, when one does, to offer."""
    for sheet in sheets:
        for row in sheet.rows[:TITLE_ROWS]:
            for value in row:
                end = period_end(cell_text(value))
                if end is not None:
                    title = " ".join(cell_text(value).split())
                    # A period not yet over: its last day would be refused as in the future.
                    text = NO_DATE_PERIOD_OPEN if end > timezone.localdate() else NO_DATE_PERIOD
                    return Issue(text, {"title": title, "date": date_text(end)})
    return Issue(NO_DATE)


def period_end(text: str) -> datetime.date | None:
    """The last day of the quarter or of the first 3, 6 or 9 months a text names ("quý III năm
    2026", "Quý 4/2025", "6 tháng đầu năm 2026"); None when it names none."""
    folded = fold(text)
    if match := _QUARTER.search(folded):
        month, year = 3 * _QUARTER_NUMBER[match[1]], int(match[2])
    elif match := _MONTHS.search(folded):
        month, year = int(match[1]), int(match[2])
    else:
        return None
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def _future_refuse(sheets: SheetDates, date, given, findings: Findings) -> None:
    """The future date, at the line that says it (or without a place, when it was given)."""
    params = {"date": date_text(date)}
    for sheet, reference in sheets:
        if reference and reference.date == date and not given:
            findings.at(sheet, reference.row, Column(reference.column, ""), FUTURE_DATE, params)
            return
    findings.add(Issue(FUTURE_DATE, params))
