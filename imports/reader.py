"""Read a workbook into plain rows of cell values: the first step of an import.

python-calamine reads the values (fast, and it gives merged ranges for .xlsx and .xls). What it
cannot say is whether an empty cell is a formula Excel never calculated: for .xlsx/.xlsm the sheet
XML is scanned for `<f>` elements without a cached `<v>` (openpyxl-written files and files
produced by scripts are like that until opened and saved in Excel).

Everything that makes a file unreadable raises `UnreadableWorkbook` with the message for the user:
not a workbook (a renamed CSV, PDF or program), a corrupt or truncated zip, a password-protected
file, larger than IMPORT_MAX_UPLOAD_BYTES, expanding past IMPORT_MAX_UNZIPPED_BYTES, or holding
more than IMPORT_MAX_ROWS rows.

Uploads may be hostile (issue 5), so nothing is taken on trust:
- a zip's parts are inflated once, counting, before anything reads them: a part expanding past
  the size the zip directory declares for it is refused, so the declared sizes, which are
  checked against IMPORT_MAX_UNZIPPED_BYTES, bound what any reader unzips;
- an XML part declaring entities ("billion laughs", external entities) is refused unread;
- python-calamine runs in a child process with a memory and a CPU-time limit
  (IMPORT_MAX_READ_MEMORY, IMPORT_MAX_READ_SECONDS): one value in cell XFD1048576, or an .ods
  row of a thousand values repeated 100,000 times, makes it allocate for every cell of the
  claim, and a failed allocation in Rust aborts the whole process. The child dies, the server
  does not.
"""

from __future__ import annotations

import faulthandler
import hashlib
import io
import os
import pickle
import posixpath
import re
import resource
import signal
import struct
import traceback
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NoReturn, TypeVar
from xml.etree import ElementTree

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from .issues import Issue

T = TypeVar("T")

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

# Entity declarations, in the encodings an XML part may use. Spreadsheet programs never write
# them (ECMA-376 Part 2 forbids DTDs in a package); they are how "billion laughs" and external
# entity attacks begin. Only .xml and .rels parts: an SVG picture may declare entities.
ENTITY_DECLARATION = b"<!ENTITY"
ENTITY_DECLARATIONS_UTF16 = ("<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))
XML_PARTS = (".xml", ".rels")
INFLATE_CHUNK = 64 * 1024
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra field length


class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; `issue` says why, for the user. `size` and
    `sha256` describe the file when it got as far as being measured (0 and "" before)."""

    def __init__(self, issue: Issue, *, size: int = 0) -> None:
        super().__init__(issue.message)
        self.issue = issue
        self.size = size
        self.sha256 = ""


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
    try:
        file_format, archive = _sniff(data)
        sheets, skipped = _isolated(_cells_read, data)
    except UnreadableWorkbook as refusal:
        # The refusal describes the file it refused (issue 13: a 28-byte file was "0 bytes").
        refusal.size, refusal.sha256 = len(data), digest
        raise
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
            Issue(TOO_LARGE, {"size": _megabytes(size), "limit": _megabytes(limit)}), size=size
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
    for member in members:
        _part_check(data, member)
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


def _part_check(data: bytes, member: zipfile.ZipInfo) -> None:
    """Inflate one part of the zip, counting, and stop as soon as it expands past its declared
    size: the sizes were checked, not yet the data. XML parts must declare no entity."""
    xml = member.filename.lower().endswith(XML_PARTS)
    size, tail, entities = 0, b"", None
    for chunk in _inflated(data, member):
        size += len(chunk)
        if size > member.file_size:
            params = {"part": member.filename, "size": filesizeformat(member.file_size)}
            raise UnreadableWorkbook(Issue(SIZE_UNDERSTATED, params))
        if xml:
            entities = entities or _entity_declarations(chunk)
            window = tail + chunk  # a declaration may straddle two chunks
            if any(entity in window for entity in entities):
                raise UnreadableWorkbook(Issue(XML_ENTITIES, {"part": member.filename}))
            tail = chunk[-32:]


def _entity_declarations(start: bytes) -> tuple[bytes, ...]:
    """The spellings to look for in an XML part beginning with `start`: UTF-16 XML begins with
    a byte order mark or has a zero byte in "<?"; anything else is read as UTF-8."""
    if start[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in start[:4]:
        return ENTITY_DECLARATIONS_UTF16
    return (ENTITY_DECLARATION,)


def _inflated(data: bytes, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes as they unzip, at most INFLATE_CHUNK at a time, whatever its declared
    size. (zipfile trusts it: its read() inflates all the data in one piece, then cuts it to
    the declared size, so it is used only on parts checked here.)"""
    raw = memoryview(data)[_data_start(data, member) :][: member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(raw), INFLATE_CHUNK):
            yield bytes(raw[at : at + INFLATE_CHUNK])
        return
    if member.compress_type != zipfile.ZIP_DEFLATED:  # the only method spreadsheets use
        detail = f"{member.filename}: compression method {member.compress_type}"
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": detail}))
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for at in range(0, len(raw), INFLATE_CHUNK):
            pending = raw[at : at + INFLATE_CHUNK]
            while pending:  # a 64 KB input chunk may hold gigabytes: out INFLATE_CHUNK at a time
                yield inflater.decompress(pending, INFLATE_CHUNK)
                pending = inflater.unconsumed_tail
        while not inflater.eof and (chunk := inflater.decompress(b"", INFLATE_CHUNK)):
            yield chunk
    except zlib.error as error:
        detail = f"{member.filename}: {error}"
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": detail})) from error


def _data_start(data: bytes, member: zipfile.ZipInfo) -> int:
    """Where the part's compressed data begins: after its local header, name and extra field."""
    try:
        signature, name_length, extra_length = LOCAL_HEADER.unpack_from(data, member.header_offset)
    except struct.error:
        signature = b""
    if signature != b"PK\x03\x04":
        detail = f"{member.filename}: no local header"
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": detail}))
    return member.header_offset + LOCAL_HEADER.size + name_length + extra_length


# ---------------------------------------------------------------------------- the cells


def _cells_read(data: bytes) -> tuple[list[Sheet], list[str]]:
    """Every visible worksheet's cells, through python-calamine. Runs in the child process."""
    try:
        calamine = CalamineWorkbook.from_object(io.BytesIO(data))
    except PasswordError as error:
        raise UnreadableWorkbook(Issue(PASSWORD)) from error
    except Exception as error:  # the Rust reader reports every damage as a generic error
        raise UnreadableWorkbook(Issue(CORRUPT, {"detail": str(error)})) from error
    with calamine:
        return _sheets_read(calamine)


def _sheets_read(calamine: CalamineWorkbook) -> tuple[list[Sheet], list[str]]:
    sheets, skipped = [], []
    rows_left = settings.IMPORT_MAX_ROWS
    for meta in calamine.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
            skipped.append(meta.name)
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
        sheets.append(Sheet(meta.name, rows, merged))
    return sheets, skipped


# ---------------------------------------------------------------------------- the child process


def _isolated(read: Callable[[bytes], T], data: bytes) -> T:
    """`read(data)` in a child process under memory and CPU-time limits: its result, or the
    refusal it raised, or a refusal saying which limit stopped it.

    A fork, so the child starts with the file and the code, and has only a pipe to answer on.
    It never returns into the caller (os._exit): a request or a test goes on in the parent only.
    """
    if not hasattr(os, "fork"):  # not POSIX: no isolation
        return read(data)
    pipe_out, pipe_in = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(pipe_out)
        os.close(pipe_in)
        raise
    if pid == 0:
        os.close(pipe_out)
        _child_run(read, data, pipe_in)
    os.close(pipe_in)
    with os.fdopen(pipe_out, "rb") as pipe:
        payload = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    return _child_outcome(status, usage.ru_utime + usage.ru_stime, payload)


def _child_run(read: Callable[[bytes], Any], data: bytes, pipe_in: int) -> NoReturn:
    try:
        _child_limits_set()
        try:
            payload = pickle.dumps(("read", read(data)), pickle.HIGHEST_PROTOCOL)
        except UnreadableWorkbook as refusal:
            payload = pickle.dumps(("refused", refusal.issue))
        except MemoryError:  # Python's allocations fail softly, Rust's abort the child
            payload = pickle.dumps(("memory", None))
        except Exception:
            payload = pickle.dumps(("failed", traceback.format_exc()))
        with os.fdopen(pipe_in, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(0)


def _child_limits_set() -> None:
    """The child's limits: memory beyond what it shares with the parent at the fork, CPU time
    (SIGXCPU when it runs out), no core file when it is stopped. Its stderr is silenced: the
    reason goes to the user, not a Rust backtrace to the server's log."""
    memory = settings.IMPORT_MAX_READ_MEMORY
    seconds = settings.IMPORT_MAX_READ_SECONDS
    _limit_set(resource.RLIMIT_CORE, 0, 0)
    _limit_set(resource.RLIMIT_CPU, seconds, seconds + 5)
    address_space = _address_space()
    if address_space:  # Linux; elsewhere the fork still keeps a crash away from the server
        _limit_set(resource.RLIMIT_AS, address_space + memory, address_space + memory)
    silence = os.open(os.devnull, os.O_WRONLY)
    os.dup2(silence, 2)
    faulthandler.disable()  # its dump of an abort may go to a copy of stderr (pytest's does)


def _limit_set(kind: int, soft: int, hard: int) -> None:
    _, ceiling = resource.getrlimit(kind)
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(kind, (soft, hard))


def _address_space() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _child_outcome(status: int, cpu_seconds: float, payload: bytes) -> Any:
    if os.WIFSIGNALED(status):
        raise UnreadableWorkbook(_stopped_by(os.WTERMSIG(status), cpu_seconds))
    if not payload:
        raise RuntimeError("The workbook reader ended without an answer.")
    kind, value = pickle.loads(payload)  # from our own child
    if kind == "read":
        return value
    if kind == "refused":
        raise UnreadableWorkbook(value)
    if kind == "memory":
        raise UnreadableWorkbook(_out_of_memory())
    raise RuntimeError(f"The workbook reader failed in its child process:\n{value}")


def _stopped_by(signal_number: int, cpu_seconds: float) -> Issue:
    seconds = settings.IMPORT_MAX_READ_SECONDS
    if signal_number == signal.SIGXCPU or cpu_seconds >= seconds:  # SIGKILL at the hard limit
        return Issue(READ_TIME, {"seconds": seconds})
    if signal_number in (signal.SIGABRT, signal.SIGKILL):  # Rust's failed allocation; OOM killer
        return _out_of_memory()
    detail = f"the reader stopped on {signal.Signals(signal_number).name}"
    return Issue(CORRUPT, {"detail": detail})


def _out_of_memory() -> Issue:
    memory = settings.IMPORT_MAX_READ_MEMORY
    return Issue(READ_MEMORY, {"limit": filesizeformat(memory)})


# ---------------------------------------------------------------------------- formulas


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
