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
            findings.add(Issue(NO_DATE))
        return None
    if date > timezone.localdate():
        _future_refuse(sheets, date, given, findings)
    return date


def _future_refuse(sheets: SheetDates, date, given, findings: Findings) -> None:
    """The future date, at the line that says it (or without a place, when it was given)."""
    params = {"date": date_text(date)}
    for sheet, reference in sheets:
        if reference and reference.date == date and not given:
            findings.at(sheet, reference.row, Column(reference.column, ""), FUTURE_DATE, params)
            return
    findings.add(Issue(FUTURE_DATE, params))
