"""Why a file cannot be read as a workbook: the refusal every reading step raises, and its
messages (docs/import-format.md, "Must refuse": not a readable workbook, too large)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .issues import Issue

NOT_A_WORKBOOK = _(
    "This file is not a workbook that can be read (.xlsx, .xlsm, .xls or .ods): "
    "it may be a renamed CSV or PDF file."
)
CORRUPT = _("This workbook is damaged or incomplete (%(detail)s): open it in Excel and save again.")
PASSWORD = _("This workbook is protected by a password: remove the password and upload it again.")
TOO_LARGE = _("This file is %(size)s, more than the limit of %(limit)s.")
TOO_LARGE_UNZIPPED = _(
    "This workbook expands to %(size)s when unzipped, more than the limit of %(limit)s."
)
TOO_MANY_ROWS = _("This workbook has more than %(limit)s rows.")
EMPTY_FILE = _("This file is empty.")
SIZE_UNDERSTATED = _(
    "Part %(part)s of this workbook expands to more than the %(size)s its zip directory "
    "declares: the file is damaged or made to overload the server, and was not read."
)
XML_ENTITIES = _(
    "Part %(part)s of this workbook declares XML entities, which spreadsheet programs never "
    "write: the file was not read, for safety."
)
READ_MEMORY = _(
    "Reading this workbook would need more than %(limit)s of memory: it claims far more cells "
    "than it holds, for instance a value far below or to the right of the table."
)
READ_TIME = ngettext_lazy(
    "Reading this workbook took more than %(seconds)s second of processing and was stopped.",
    "Reading this workbook took more than %(seconds)s seconds of processing and was stopped.",
    "seconds",
)


class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; `issue` says why, for the user. `size` and
    `sha256` describe the file when it got as far as being measured (0 and "" before)."""

    def __init__(self, issue: Issue, *, size: int = 0) -> None:
        super().__init__(issue.message)
        self.issue = issue
        self.size = size
        self.sha256 = ""


def megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"
