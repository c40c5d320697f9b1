"""Read a workbook into plain rows of cell values: the first step of an import.

python-calamine reads the values (fast, and it gives merged ranges for .xlsx and .xls). What it
cannot say is whether an empty cell is a formula Excel never calculated: for .xlsx/.xlsm the sheet
XML is scanned for `<f>` elements without a cached `<v>` (openpyxl-written files and files
produced by scripts are like that until opened and saved in Excel).

Everything that makes a file unreadable raises `UnreadableWorkbook` with the message for the user:
not a workbook (a renamed CSV or PDF), a corrupt or truncated zip, a password-protected file,
larger than IMPORT_MAX_UPLOAD_BYTES, expanding past IMPORT_MAX_UNZIPPED_BYTES, or holding more
than IMPORT_MAX_ROWS rows.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from .issues import Issue

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and Office files with a password
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

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


class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; `issue` says why, for the user."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


@dataclass
class Sheet:
    """One worksheet's cells. `rows[0]` is Excel row 1, `rows[r][0]` is column A."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)  # (row, col)

    def cell(self, row: int, column: int) -> Any:
        cells = self.rows[row] if row < len(self.rows) else ()
        return cells[column] if column < len(cells) else ""


@dataclass
class Workbook:
    file_name: str
    size: int
    sha256: str
    format: str  # xlsx, xls, ods, xlsb
    sheets: list[Sheet]
    skipped: list[str] = field(default_factory=list)  # hidden sheets and chart sheets


def workbook_read(source: str | os.PathLike | IO[bytes], *, file_name: str = "") -> Workbook:
    """Read every visible worksheet of the file. Raises `UnreadableWorkbook`."""
    data = _read_bytes(source)
    digest = hashlib.sha256(data).hexdigest()
    file_format, archive = _sniff(data)
    try:
        calamine = CalamineWorkbook.from_object(io.BytesIO(data))
    except PasswordError as error:
        raise UnreadableWorkbook(Issue(PASSWORD)) from error
    except Exception as error:  # the Rust reader reports every damage as a generic error
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": str(error)})) from error
    with calamine:
        sheets, skipped = _sheets_read(calamine)
    if archive is not None and file_format == "xlsx":
        _formulas_find(archive, sheets)
    return Workbook(file_name, len(data), digest, file_format, sheets, skipped)


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
            Issue(TOO_LARGE, {"size": _megabytes(size), "limit": _megabytes(limit)})
        )


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


def _sniff(data: bytes) -> tuple[str, zipfile.ZipFile | None]:
    """The file's format from its content, never from its name; the zip for .xlsx files."""
    if data.startswith(OLE_SIGNATURE):
        # An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise UnreadableWorkbook(Issue(PASSWORD))
        return "xls", None
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
                    "size": _megabytes(unzipped),
                    "limit": _megabytes(settings.IMPORT_MAX_UNZIPPED_BYTES),
                },
            )
        )
    names = {member.filename for member in members}
    if "xl/workbook.xml" in names:
        return "xlsx", archive
    if "xl/workbook.bin" in names:
        return "xlsb", None
    if "content.xml" in names and _mimetype(archive) == ODS_MIMETYPE:
        return "ods", None
    raise UnreadableWorkbook(Issue(NOT_A_WORKBOOK))


def _mimetype(archive: zipfile.ZipFile) -> bytes:
    try:
        return archive.read("mimetype").strip()
    except (KeyError, zipfile.BadZipFile):
        return b""


def _sheets_read(calamine: CalamineWorkbook) -> tuple[list[Sheet], list[str]]:
    sheets, skipped = [], []
    rows_left = settings.IMPORT_MAX_ROWS
    for meta in calamine.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
            skipped.append(meta.name)
            continue
        try:
            worksheet = calamine.get_sheet_by_name(meta.name)
            rows_left -= worksheet.total_height
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
        sheets.append(Sheet(meta.name, rows, merged))
    return sheets, skipped


# A cell element with its body: <c r="F4" t="n"><f>D4*2</f><v/></c>, with or without a prefix.
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_STRING_RESULT = re.compile(rb'\bt="str"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)


def _formulas_find(archive: zipfile.ZipFile, sheets: list[Sheet]) -> None:
    """Record the formula cells saved without a calculated value, per sheet."""
    paths = _sheet_paths(archive)
    for sheet in sheets:
        path = paths.get(sheet.name)
        if path is None:
            continue
        try:
            xml = archive.read(path)
        except (KeyError, zipfile.BadZipFile, OSError):
            continue
        if not _has_formula(xml):
            continue  # no regex over megabytes of XML without a formula
        sheet.formulas_without_value = set(_cells_without_value(xml))


def _has_formula(xml: bytes) -> bool:
    """Whether the XML holds a formula element: <f>, <f …>, <f/>, or the same with a namespace
    prefix. One scan for the letter f (rare in sheet XML; Vietnamese has none), then a look at
    its neighbours: a scan per spelling of the tag costs ten times as much."""
    at = xml.find(b"f")
    while at != -1:
        if xml[at - 1 : at] in (b"<", b":") and xml[at + 1 : at + 2] in (b">", b" ", b"/"):
            return True
        at = xml.find(b"f", at + 1)
    return False


def _cells_without_value(xml: bytes) -> Iterator[tuple[int, int]]:
    for match in _CELL.finditer(xml):
        attributes, body = match.group(1), match.group(2) or b""
        if not _FORMULA.search(body):
            continue
        value = _VALUE.search(body)
        # An empty <v></v> is a cached empty text only when the result type is a string.
        if value and (value.group(1) or _STRING_RESULT.search(attributes)):
            continue
        ref = _REF.search(attributes)
        if ref:
            yield int(ref.group(2)) - 1, _column_index(ref.group(1).decode())


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML inside the zip, through workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iterfind(".//{*}Relationship")}
    paths = {}
    for element in workbook.iterfind(".//{*}sheet"):
        rel_id = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rel_id, "")
        if target:
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            paths[element.get("name", "")] = posixpath.normpath(path)
    return paths
