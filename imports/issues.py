"""Errors and warnings found in a report, each pointing at the cell it is about.

Messages are English msgids marked for translation; they are rendered in the active language
when shown (`Issue.message`), so a preview built in one request can be read in another language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from .layout import Column, Table


@dataclass(frozen=True)
class Issue:
    """One error or warning: the sheet, Excel row, column (letter and header), value, and what."""

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
        """The issue as one line: "sheet, row, column, value, message" (the command's stderr)."""
        row = str(self.row) if self.row else ""
        message = f"{self.message} {self.link}" if self.link else self.message
        return ", ".join([self.sheet, row, self.column_label, self.value, message])


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_text(value: object) -> str:
    """A cell value as the user would read it back in an error message."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class Findings:
    """The errors and warnings of one run, in the order they were found."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def add(self, issue: Issue) -> None:
        (self.warnings if issue.warning else self.errors).append(issue)

    def at(
        self,
        table: Table,
        index: int | None,
        column: Column | None,
        text,
        params: dict | None = None,
        *,
        warning: bool = False,
        value: object = None,
    ) -> None:
        """An issue about a cell (or a row, when `column` is None) of a table."""
        if value is None and column is not None and index is not None:
            value = table.sheet.cell(index, column.index)
        self.add(
            Issue(
                text,
                params or {},
                sheet=table.sheet.name,
                row=index + 1 if index is not None else None,
                column=column.letter if column else "",
                header=column.header if column else "",
                value=cell_text(value),
                warning=warning,
            )
        )
