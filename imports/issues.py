"""Errors and warnings found in a report, each pointing at the cell it is about.

Messages are English msgids marked for translation; they are rendered in the active language
when shown (`Issue.message`), so a preview built in one request can be read in another language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise

from .cells import Column, Sheet, cell_text


@dataclass
class Issue:
    """One error or warning: the sheet, Excel row, column (letter and header), value, and what.

    Not frozen, though never changed once made: a frozen dataclass sets each field through
    object.__setattr__, three times the cost, and a national report makes 100,000 warnings."""

    text: Promise | str  # a gettext_lazy msgid with %(name)s placeholders
    params: dict[str, Any] = field(default_factory=dict)
    sheet: str = ""
    row: int | None = None  # Excel row number, 1-based
    column: str = ""  # column letter
    header: str = ""  # the column's header as written in the file
    value: str = ""
    warning: bool = False
    link: str = ""  # a page the message is about (the village it names)

    @property
    def message(self) -> str:
        # `text % params` also picks the plural form of an ngettext_lazy message.
        return str(self.text % self.params) if self.params else str(self.text)

    @property
    def column_label(self) -> str:
        if self.column and self.header:
            return f"{self.column} ({self.header})"
        return self.column or self.header

    def line(self) -> str:
        """The issue as one line: "sheet, row, column, value, message" (the command's stderr),
        with only the parts of its place that it has: "message" for the whole file, "sheet, row,
        message" for a row. A cell's value is always given, empty when the cell is."""
        row = str(self.row) if self.row else ""
        place = [part for part in (self.sheet, row, self.column_label) if part]
        if self.column_label or self.value:
            place.append(self.value)
        message = f"{self.message} {self.link}" if self.link else self.message
        return ", ".join([*place, message])


class Phrases:
    """A list of translatable phrases as one message parameter, put into words only when the
    message is rendered: in the language of the page that shows it, not of the run that found it.
    """

    def __init__(
        self, phrases: Iterable[tuple[Promise | str, dict]], separator: str = "; "
    ) -> None:
        self.phrases = list(phrases)
        self.separator = separator

    def __str__(self) -> str:
        return self.separator.join(str(text % params) for text, params in self.phrases)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrases) and self.phrases == other.phrases

    __hash__ = None


def grouped(number: int) -> str:
    """A count with the active language's thousands separator, as the site's pages show them:
    "1.527" in Vietnamese, "1,527" in English."""
    return number_format(number, force_grouping=True)


class Grouped(int):
    """A count as a message parameter, written with the thousands separator of the language the
    message is rendered in ("1.406" in Vietnamese, "1,406" in English), as the pages write
    counts and as the cell's own value reads: a bare 1406 beside "1.406" looks like another
    number. Still an int for anything that computes with it."""

    __slots__ = ()

    def __str__(self) -> str:
        return grouped(int(self))


NAMES_SHOWN = 20  # names a warning lists, then "…"


def names_listed(names: list[str]) -> str:
    """Names as a warning lists them: the first NAMES_SHOWN, then "…" if there are more."""
    return ", ".join(names[:NAMES_SHOWN]) + (" …" if len(names) > NAMES_SHOWN else "")


def issue_at(
    sheet: Sheet,
    index: int | None,
    column: Column | None,
    text,
    params: dict | None = None,
    *,
    warning: bool = False,
    value: object = None,
) -> Issue:
    """An issue about a cell (or a row, when `column` is None) of a sheet; `index` is 0-based.
    The value is the cell's unless given."""
    if value is None and column is not None and index is not None:
        value = sheet.cell(index, column.index)
    return Issue(
        text,
        params or {},
        sheet=sheet.name,
        row=index + 1 if index is not None else None,
        column=column.letter if column else "",
        header=column.header if column else "",
        value=cell_text(value),
        warning=warning,
    )


class Findings:
    """The errors and warnings of one run, in the order they were found."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def add(self, issue: Issue) -> None:
        (self.warnings if issue.warning else self.errors).append(issue)

    def at(self, sheet: Sheet, index: int | None, column: Column | None, text, params=None, **kw):
        """An issue about a cell (or a row, when `column` is None) of a sheet."""
        self.add(issue_at(sheet, index, column, text, params, **kw))
