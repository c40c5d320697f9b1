"""Read a workbook into plain rows of cell values: the first step of an import.

python-calamine reads the values (fast, and it gives merged ranges for .xlsx and .xls).

Everything that makes a file unreadable raises `UnreadableWorkbook` with the message for the user:
not a workbook (a renamed CSV, PDF or program), a corrupt or truncated zip, a password-protected
file, larger than IMPORT_MAX_UPLOAD_BYTES, expanding past IMPORT_MAX_UNZIPPED_BYTES, or holding
more than IMPORT_MAX_ROWS rows.

Uploads may be hostile (issue 5), so nothing is taken on trust: the zip is checked part by part
before anything unzips it (`zipcheck`), and python-calamine runs in a child process with a
memory and a CPU-time limit (`isolation`). Uncalculated formulas are found by `formulas`.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from .cells import HIDDEN, NOT_A_WORKSHEET, Sheet, SkippedSheet, Workbook
from .formulas import formulas_find, sheet_paths
from .isolation import isolated
from .issues import Issue
from .unreadable import (
    CORRUPT,
    EMPTY_FILE,
    NOT_A_WORKBOOK,
    PASSWORD,
    TOO_LARGE,
    TOO_LARGE_UNZIPPED,
    TOO_MANY_ROWS,
    UnreadableWorkbook,
    megabytes,
)
from .zipcheck import part_check

__all__ = ["TOO_LARGE", "UnreadableWorkbook", "workbook_read"]

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and Office files with a password
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class WorkbookReading:
    """A workbook being read: its size, SHA-256 and format known at once (the file is refused
    here when it is no workbook), its sheets handed over one by one as the child process reads
    them (`sheets`), each with its formulas without a value found. `skipped` (hidden sheets and
    chart sheets) is complete once the sheets have all been handed over."""

    def __init__(self, source: str | os.PathLike | IO[bytes], *, file_name: str = "") -> None:
        self.data = _read_bytes(source)
        self.file_name = file_name
        self.size = len(self.data)
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        self.skipped: list[SkippedSheet] = []
        self.format, self.archive, self.with_formulas = self._refusing(_sniff, self.data)

    @property
    def sheets(self) -> Iterator[Sheet]:
        items = isolated(_cells_read, self.data)
        paths = sheet_paths(self.archive) if self.archive is not None else {}
        while (item := self._refusing(next, items, None)) is not None:
            if item[0] == "skipped":
                _, name, hidden = item
                self.skipped.append(SkippedSheet(name, HIDDEN if hidden else NOT_A_WORKSHEET))
                continue
            kind, name, cells, height, merged = item
            merged = [tuple(corners) for corners in merged]
            if kind == "columns":
                sheet = Sheet.from_columns(name, cells, height, merged)
            else:
                sheet = Sheet(name, cells, merged)
            if self.archive is not None and self.format == "xlsx":
                formulas_find(self.archive, [sheet], paths, self.with_formulas)
            yield sheet

    def _refusing(self, call, *args):
        try:
            return call(*args)
        except UnreadableWorkbook as refusal:
            # The refusal describes the file it refused (issue 13: a 28-byte file was "0 bytes").
            refusal.size, refusal.sha256 = self.size, self.sha256
            raise


def workbook_read(source: str | os.PathLike | IO[bytes], *, file_name: str = "") -> Workbook:
    """Read every visible worksheet of the file. Raises `UnreadableWorkbook`."""
    reading = WorkbookReading(source, file_name=file_name)
    sheets = list(reading.sheets)
    return Workbook(
        file_name, reading.size, reading.sha256, reading.format, sheets, reading.skipped
    )


def _read_bytes(source: str | os.PathLike | IO[bytes]) -> bytes:
    """The file's bytes, refused before reading when it is over the upload limit."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if isinstance(source, str | os.PathLike):
        _check_size(Path(source).stat().st_size, limit)
        data = Path(source).read_bytes()
    else:
        size = getattr(source, "size", None)  # Django's UploadedFile knows its size
        if size is None and source.seekable():
            size = source.seek(0, io.SEEK_END)
        if size is not None:
            _check_size(size, limit)
        if source.seekable():
            source.seek(0)
        data = source.read(limit + 1)
    _check_size(len(data), limit)
    if not data:
        raise UnreadableWorkbook(Issue(EMPTY_FILE))
    return data


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise UnreadableWorkbook(
            Issue(TOO_LARGE, {"size": megabytes(size), "limit": megabytes(limit)}), size=size
        )


def _sniff(data: bytes) -> tuple[str, zipfile.ZipFile | None, set[str]]:
    """The file's format from its content, never from its name; the zip for .xlsx files, and
    the names of its parts holding a formula."""
    if data.startswith(OLE_SIGNATURE):
        # An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise UnreadableWorkbook(Issue(PASSWORD))
        return "xls", None, set()
    if not data.startswith(ZIP_SIGNATURES):
        raise UnreadableWorkbook(Issue(NOT_A_WORKBOOK))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": str(error)})) from error
    unzipped = sum(member.file_size for member in members)
    if unzipped > settings.IMPORT_MAX_UNZIPPED_BYTES:
        raise UnreadableWorkbook(
            Issue(
                TOO_LARGE_UNZIPPED,
                {
                    "size": megabytes(unzipped),
                    "limit": megabytes(settings.IMPORT_MAX_UNZIPPED_BYTES),
                },
            )
        )
    with_formulas = {member.filename for member in members if part_check(data, member)}
    names = {member.filename for member in members}
    if "xl/workbook.xml" in names:
        return "xlsx", archive, with_formulas
    if "xl/workbook.bin" in names:
        return "xlsb", None, set()
    if "content.xml" in names and _mimetype(archive) == ODS_MIMETYPE:
        return "ods", None, set()
    raise UnreadableWorkbook(Issue(NOT_A_WORKBOOK))


def _mimetype(archive: zipfile.ZipFile) -> bytes:
    try:
        return archive.read("mimetype").strip()
    except (KeyError, zipfile.BadZipFile):
        return b""


# ---------------------------------------------------------------------------- the cells


def _cells_read(data: bytes) -> Iterator[tuple]:
    """Every worksheet's cells, through python-calamine, one sheet at a time: ("columns" or
    "rows", name, cells, height, merged ranges) for a visible worksheet (`_sheet_item`),
    ("skipped", name, hidden: whether a worksheet) for the others. Runs in the child process;
    plain tuples and lists cross the pipe fastest."""
    try:
        calamine = CalamineWorkbook.from_object(io.BytesIO(data))
    except PasswordError as error:
        raise UnreadableWorkbook(Issue(PASSWORD)) from error
    except Exception as error:  # the Rust reader reports every damage as a generic error
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": str(error)})) from error
    with calamine:
        yield from _sheets_read(calamine)


def _sheets_read(calamine: CalamineWorkbook) -> Iterator[tuple]:
    rows_left = settings.IMPORT_MAX_ROWS
    for meta in calamine.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
            yield ("skipped", meta.name, meta.typ == SheetTypeEnum.WorkSheet)
            continue
        try:
            worksheet = calamine.get_sheet_by_name(meta.name)
            # total_height is the index of the last row: rows are read from row 1, empty or not
            rows_left -= worksheet.total_height + 1 if worksheet.height else 0
            if rows_left < 0:
                raise UnreadableWorkbook(
                    Issue(TOO_MANY_ROWS, {"limit": settings.IMPORT_MAX_ROWS}, sheet=meta.name)
                )
            rows = worksheet.to_python(skip_empty_area=False)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in worksheet.merged_cell_ranges or []]
        except UnreadableWorkbook:
            raise
        except Exception as error:  # damaged sheet data
            raise UnreadableWorkbook(
                Issue(CORRUPT, {"detail": str(error)}, sheet=meta.name)
            ) from error
        yield _sheet_item(meta.name, rows, merged)


def _sheet_item(name: str, rows: list[list], merged: list) -> tuple:
    """A sheet as it crosses the pipe: by columns when its rows are all as wide (as
    python-calamine gives them), turned here, in the child, which waits on the parent's checks
    anyway: the parent takes a column in about half the time of the rows (cells.ColumnRows)."""
    widths = set(map(len, rows))
    if len(widths) == 1:
        columns = [_shared(column) for column in zip(*rows, strict=True)]
        return ("columns", name, columns, len(rows), merged)
    return ("rows", name, rows, len(rows), merged)


def _shared(cells: tuple) -> list:
    """A column with each repeated value held once (a status, a count, a village kind): marshal
    then sends it once and refers to it after, so the parent, the slower of the two processes,
    makes, hashes and frees one object where it made one a cell. Only text and numbers, which
    are never equal to each other: True, 1 and 1.0 are equal, but not one cell."""
    if not set(map(type, cells)) <= {str, float}:
        return list(cells)
    first: dict = {}
    return list(map(first.setdefault, cells, cells))
