"""Which reporting date a page shows for the date in its query string.

Figures exist only at reporting dates (quarter ends, year ends, the dates of published figures).
A permalink may name any day: the page then shows the nearest earlier reporting date and says so
(docs/domain.md §5: reports are "as at" a date, so the last report before a day is what held then).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connections, router
from django.utils.functional import Promise

from units.models import Coverage, Period, Unit


class BadDate(ValueError):
    """A date in the query string that is not YYYY-MM-DD."""


def parse_date(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise BadDate(text) from error


def periods_with_coverage() -> list[Period]:
    """The dates with village figures, oldest first, in plain SQL: every page reads them, and
    the ORM took longer to build the query than SQLite to run it (0.6 → 0.2 ms, issue 10)."""
    # EXISTS, one index probe per date: a DISTINCT over the join read every Coverage row, 0.2 s
    # of every page at national scale (417,280 rows; bench/README.md, issue 10).
    connection = connections[router.db_for_read(Period)]
    period, coverage, quote = Period._meta, Coverage._meta, connection.ops.quote_name
    fields = period.concrete_fields
    columns = ", ".join(f"p.{quote(field.column)}" for field in fields)
    sql = (
        f"SELECT {columns} FROM {quote(period.db_table)} p WHERE EXISTS (SELECT 1 FROM"
        f" {quote(coverage.db_table)} c WHERE c.{quote(coverage.get_field('period').column)}"
        f" = p.{quote(period.pk.column)}) ORDER BY p.{quote(period.get_field('date').column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    names = [field.attname for field in fields]
    return [Period.from_db(connection.alias, names, row) for row in rows]


def periods_within(unit: Unit, periods: list[Period]) -> list[Period]:
    return [p for p in periods if unit.is_valid_on(p.date)]


@dataclass(frozen=True)
class Baseline:
    """A date changes are also counted from (a resolution's starting point), with its name.

    Passed in by the caller: the generic unit page knows no province's resolution."""

    date: datetime.date
    label: str | Promise


@dataclass(frozen=True)
class DateChoice:
    """The period shown, and the date asked for when it was not a reporting date."""

    period: Period
    requested: datetime.date | None

    @property
    def is_nearest_earlier(self) -> bool:
        """True when the page shows an earlier date than the one asked for."""
        return self.requested is not None and self.requested != self.period.date


def period_choose(requested: datetime.date | None, periods: list[Period]) -> DateChoice | None:
    """The period for a requested date: itself when it is a reporting date (one with village
    figures, or one with published figures only), else the nearest earlier date with village
    figures; no date: the latest. None when nothing is on or before the date."""
    if requested is None:
        return DateChoice(periods[-1], None) if periods else None
    exact = next((p for p in periods if p.date == requested), None)
    if exact is None:
        exact = Period.objects.filter(date=requested).first()  # published figures only
    if exact is not None:
        return DateChoice(exact, requested)
    earlier = [p for p in periods if p.date < requested]
    return DateChoice(earlier[-1], requested) if earlier else None


def period_previous(period: Period, periods: list[Period]) -> Period | None:
    earlier = [p for p in periods if p.date < period.date]
    return earlier[-1] if earlier else None


def period_year_before(period: Period, periods: list[Period]) -> Period | None:
    try:
        target = period.date.replace(year=period.date.year - 1)
    except ValueError:  # 29 February
        return None
    return next((p for p in periods if p.date == target), None)
