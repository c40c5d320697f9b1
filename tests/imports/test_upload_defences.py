"""Upload defences (issue 5): a file too large, a zip bomb (honest, and one whose zip directory
lies about the sizes), XML entity expansion, a renamed program, a sheet claiming a billion rows.
Each is refused with a clear message, writes nothing but the record of the refused run, and
leaves the server within bounds; through `manage.py import_report` and the staff upload alike.

The hostile files are built here with zipfile. The bounds are measured on the command run in a
subprocess: os.wait4 gives its peak memory and CPU time, including those of the child process
in which imports.reader runs python-calamine.
"""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from imports.models import ImportRun
from imports.reader import workbook_read
from tests.gate import draft_publish, logged_in
from tests.workbooks import (
    database_counts,
    to_file,
    village_report,
    zip_rewrite,
)
from units.models import VillageFigure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
PROJECT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
GB = 1024 * MB
SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"

NOT_A_WORKBOOK = (
    "This file is not a workbook that can be read (.xlsx, .xlsm, .xls or .ods): "
    "it may be a renamed CSV or PDF file."
)
ENTITIES = (
    "Part {part} of this workbook declares XML entities, which spreadsheet programs "
    "never write: the file was not read, for safety."
)
FAR_CELL = (
    "Reading this workbook would need more than {limit} of memory: it claims far more "
    "cells than it holds, for instance a value far below or to the right of the table."
)


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path / "staging"
    return settings.IMPORT_STAGING_DIR


# ---------------------------------------------------------------------------- hostile files


def report_bytes() -> bytes:
    """The default village report (Xã Mường Tùng, 31/12/2017, three villages) as .xlsx bytes."""
    return to_file(village_report()).getvalue()


def deflated_copies(prefix: bytes, chunk: bytes, copies: int, suffix: bytes) -> bytes:
    """prefix + chunk × copies + suffix, deflated, without compressing the chunk `copies` times:
    after a full flush the compressor starts afresh, so each copy deflates to the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + block * copies + compressor.compress(suffix) + compressor.flush()


def with_raw_part(base: bytes, name: str, deflated: bytes, *, crc: int, size: int) -> bytes:
    """The zip `base` with its part `name` replaced by `deflated`, written as it is and declared
    as unzipping to `size` bytes with checksum `crc`: whatever a hostile tool chooses to say."""
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != name:
                target.writestr(member.filename, source.read(member))
                continue
            part = zipfile.ZipInfo(name, member.date_time)  # stored: zipfile writes it as is
            with target.open(part, "w") as stream:
                stream.write(deflated)
            # What the central directory, written on close, says about the part.
            part.compress_type, part.CRC, part.file_size = zipfile.ZIP_DEFLATED, crc, size
    data = bytearray(out.getvalue())
    header = part.header_offset  # the local header says the same
    data[header + 8 : header + 10] = zipfile.ZIP_DEFLATED.to_bytes(2, "little")
    data[header + 14 : header + 26] = b"".join(
        value.to_bytes(4, "little") for value in (crc, len(deflated), size)
    )
    return bytes(data)


SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"
ROW = '<row><c t="inlineStr"><is><t>Bản Nậm Cang</t></is></c></row>'.encode()


@dataclass(frozen=True)
class Bomb:
    deflated: bytes  # a 1 GB sheet of rows, deflated to about 3 MB
    size: int
    crc: int

    def first_crc(self, size: int) -> int:
        return zlib.crc32(zlib.decompressobj(-zlib.MAX_WBITS).decompress(self.deflated, size))


@pytest.fixture(scope="module")
def bomb() -> Bomb:
    chunk = ROW * (MB // len(ROW))
    copies = GB // len(chunk)
    crc = zlib.crc32(SHEET_START)
    for _ in range(copies):
        crc = zlib.crc32(chunk, crc)
    size = len(SHEET_START) + len(chunk) * copies + len(SHEET_END)
    deflated = deflated_copies(SHEET_START, chunk, copies, SHEET_END)
    return Bomb(deflated, size, zlib.crc32(SHEET_END, crc))


def zip_bomb(bomb: Bomb) -> bytes:
    """A report whose sheet unzips to 1 GB, as its zip directory says."""
    return with_raw_part(report_bytes(), SHEET, bomb.deflated, crc=bomb.crc, size=bomb.size)


LIE = 4096


def lying_zip_bomb(bomb: Bomb) -> bytes:
    """The same, but the zip directory says 4 KB, with the checksum of the first 4 KB: a reader
    that trusts the directory stops there and finds nothing wrong; one that does not, inflates
    on to 1 GB."""
    crc = bomb.first_crc(LIE)
    return with_raw_part(report_bytes(), SHEET, bomb.deflated, crc=crc, size=LIE)


LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]>"
)


def with_doctype_in_sheet(doctype: bytes, reference: bytes) -> bytes:
    """The report with `doctype` at the start of its sheet and `reference` as cell A1's text."""

    def edit(path: str, data: bytes) -> bytes:
        if path != SHEET:
            return data
        start = data.index(b"<t>") + len(b"<t>")
        return doctype + data[:start] + reference + data[data.index(b"</t>", start) :]

    return zip_rewrite(to_file(village_report()), edit).getvalue()


SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SHARED_STRINGS_RELATIONSHIP = (
    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)


def with_shared_strings(doctype: bytes, text: bytes) -> bytes:
    """The report with cell A1 taken from a shared strings part (openpyxl writes its strings
    inline) whose only string is `text`, with `doctype` after its XML declaration."""
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + b'<sst xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        + text
        + b"</t></si></sst>"
    )
    edits = {
        "[Content_Types].xml": lambda data: data.replace(
            b"</Types>", SHARED_STRINGS_TYPE + b"</Types>"
        ),
        "xl/_rels/workbook.xml.rels": lambda data: data.replace(
            b"</Relationships>", SHARED_STRINGS_RELATIONSHIP + b"</Relationships>"
        ),
        SHEET: lambda data: re.sub(
            rb'(<c r="A1") t="inlineStr"><is><t>.*?</t></is>', rb'\1 t="s"><v>0</v>', data, count=1
        ),
    }
    report = zip_rewrite(
        to_file(village_report()), lambda path, data: edits.get(path, lambda d: d)(data)
    )
    with zipfile.ZipFile(report, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(SHARED_STRINGS, strings)
    return report.getvalue()


def billion_laughs_in_sheet() -> bytes:
    return with_doctype_in_sheet(LAUGHS, b"&lol9;")


def billion_laughs_in_shared_strings() -> bytes:
    return with_shared_strings(LAUGHS, b"&lol9;")


def external_entity() -> bytes:
    doctype = b'<!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    return with_shared_strings(doctype, b"&secret;")


def elf_program() -> bytes:
    true = Path("/bin/true")
    if true.is_file():
        return true.read_bytes()
    return b"\x7fELF\x02\x01\x01" + bytes(57)  # an ELF header, for systems without /bin/true


def windows_program_with_a_workbook() -> bytes:
    """An .exe with a report appended, as self-extracting archives are: zipfile finds the zip
    at the end and would open it; the file is still a program."""
    stub = (
        b"MZ\x90\x00" + bytes(56) + b"This program cannot be run in DOS mode.\r\n$" + b"PE\x00\x00"
    )
    return stub + bytes(512 - len(stub)) + report_bytes()


def java_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Report\n")
        archive.writestr("Report.class", b"\xca\xfe\xba\xbe" + bytes(60))
    return buffer.getvalue()


def cell_at_xfd1048576() -> bytes:
    """A report with one more value, in the last cell Excel has (XFD1048576): python-calamine
    would allocate every cell of A1:XFD1048576, 17 billion of them."""

    def edit(path: str, data: bytes) -> bytes:
        if path != SHEET:
            return data
        far = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'
        return data.replace(b"</sheetData>", far + b"</sheetData>")

    return zip_rewrite(to_file(village_report()), edit).getvalue()


@dataclass(frozen=True)
class Hostile:
    data: bytes
    error: str  # the line the command prints and the preview lists


@pytest.fixture(scope="module")
def hostile(bomb) -> dict[str, Hostile]:
    return {
        "zip bomb": Hostile(
            zip_bomb(bomb),
            "This workbook expands to 1024.0 MB when unzipped, more than the limit of 400.0 MB.",
        ),
        "zip bomb, sizes understated": Hostile(
            lying_zip_bomb(bomb),
            f"Part {SHEET} of this workbook expands to more than the 4.0\xa0KB its zip "
            "directory declares: the file is damaged or made to overload the server, and was "
            "not read.",
        ),
        "billion laughs in the sheet": Hostile(
            billion_laughs_in_sheet(), ENTITIES.format(part=SHEET)
        ),
        "billion laughs in the shared strings": Hostile(
            billion_laughs_in_shared_strings(), ENTITIES.format(part=SHARED_STRINGS)
        ),
        "external entity": Hostile(external_entity(), ENTITIES.format(part=SHARED_STRINGS)),
        "Linux program": Hostile(elf_program(), NOT_A_WORKBOOK),
        "Windows program holding a workbook": Hostile(
            windows_program_with_a_workbook(), NOT_A_WORKBOOK
        ),
        "Java archive": Hostile(java_archive(), NOT_A_WORKBOOK),
        "a value in cell XFD1048576": Hostile(
            cell_at_xfd1048576(), FAR_CELL.format(limit="1.0\xa0GB")
        ),
    }


CASES = [
    "zip bomb",
    "zip bomb, sizes understated",
    "billion laughs in the sheet",
    "billion laughs in the shared strings",
    "external entity",
    "Linux program",
    "Windows program holding a workbook",
    "Java archive",
    "a value in cell XFD1048576",
]


def test_deflated_copies_unzip_to_the_copies():
    deflated = deflated_copies(b"<a>", ROW * 1000, 5, b"</a>")
    assert zlib.decompress(deflated, -zlib.MAX_WBITS) == b"<a>" + ROW * 5000 + b"</a>"


def test_the_bombs_are_what_they_claim(bomb, hostile):
    """The honest bomb declares its gigabyte and checksum, in 3 MB; the lying one declares 4 KB,
    and zipfile, trusting the directory, reads those 4 KB without noticing anything."""
    honest = zipfile.ZipFile(io.BytesIO(hostile["zip bomb"].data)).getinfo(SHEET)
    assert (honest.file_size, honest.CRC) == (bomb.size, bomb.crc)
    assert bomb.size > GB and len(hostile["zip bomb"].data) < 4 * MB
    lying = zipfile.ZipFile(io.BytesIO(hostile["zip bomb, sizes understated"].data))
    with lying.open(SHEET) as sheet:  # read(), without a size, would inflate the gigabyte
        assert len(sheet.read(LIE + 1)) == LIE


def test_the_shared_strings_part_is_read_when_it_declares_nothing():
    """The entity cases differ from a readable workbook by their DOCTYPE only."""
    title = "BAN TỔ CHỨC TỈNH ỦY ĐIỆN BIÊN".encode()
    for data in (with_shared_strings(b"", title), with_doctype_in_sheet(b"", title)):
        assert workbook_read(named(data)).sheets[0].rows[0][0] == title.decode()


# ---------------------------------------------------------------------------- command line


def command_refused(path: Path) -> str:
    """Run `import_report PATH`, expecting exit status 1; returns what it wrote on stderr."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("import_report", str(path), stdout=out, stderr=err)
    assert refusal.value.returncode == 1
    assert str(refusal.value) == "Refused: 1 error."
    return err.getvalue()


def refused_run_only(before: dict, message: str) -> None:
    """Nothing was written but the record of the refused run, which says why."""
    assert database_counts() == before
    run = ImportRun.objects.get()
    assert (run.outcome, run.message, run.rows) == (ImportRun.Outcome.REFUSED, message, 0)


@pytest.mark.parametrize("case", CASES)
def test_command_line_refuses(case, hostile, province, tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(hostile[case].data)
    before = database_counts()
    assert command_refused(path) == hostile[case].error + "\n"
    refused_run_only(before, hostile[case].error)


def test_command_line_refuses_a_file_over_the_size_limit_unread(province, tmp_path):
    path = tmp_path / "report.xlsx"
    with path.open("wb") as file:
        file.truncate(GB)  # 1 GB on paper, no disk used
    before = database_counts()
    error = "This file is 1024.0 MB, more than the limit of 20.0 MB."
    assert command_refused(path) == error + "\n"
    refused_run_only(before, error)


def test_command_line_refuses_a_damaged_xls(province, tmp_path):
    """.xls is the old binary format (an OLE2 compound file): read when it is a workbook."""
    path = tmp_path / "report.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    [line] = command_refused(path).splitlines()
    assert line.startswith("This workbook is damaged or incomplete (")
    assert line.endswith("): open it in Excel and save again.")


# ---------------------------------------------------------------------------- bounds


ENGLISH_COMMAND = (
    "import sys, django; django.setup(); from django.utils import translation; "
    "translation.activate('en'); from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', *sys.argv[1:]])"
)
READ_ONLY = (
    "import sys, django; django.setup(); from imports.reader import workbook_read; "
    "print(sum(len(sheet.rows) for sheet in workbook_read(sys.argv[1]).sheets))"
)


REFUSED = "Refused: 1 error.\n"  # how manage.py ends, with exit status 1


@dataclass(frozen=True)
class Run:
    status: int
    stdout: str
    stderr: str
    peak_mb: float  # the largest resident set of the process and of its children
    cpu_seconds: float  # theirs together
    seconds: float


def measured(tmp_path: Path, script: str, *args: str, **env: str) -> Run:
    """`python -c script ARGS` in a subprocess on the test settings, measured. No database is
    touched: the command runs with --dry-run on files it refuses before any query."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partystats.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        **env,
    }
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    started = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            cwd=PROJECT,
            env=environment,
            stdout=stdout,
            stderr=stderr,
        )
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        process.returncode,
        out.read_text(),
        err.read_text(),
        usage.ru_maxrss / 1024,
        usage.ru_utime + usage.ru_stime,
        time.monotonic() - started,
    )


def command_measured(tmp_path: Path, data: bytes, **env: str) -> Run:
    path = tmp_path / "report.xlsx"
    path.write_bytes(data)
    return measured(tmp_path, ENGLISH_COMMAND, "import_report", str(path), "--dry-run", **env)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Run:
    """The command refusing an empty file: Django, the project and python-calamine loaded."""
    run = command_measured(tmp_path_factory.mktemp("baseline"), b"")
    assert (run.status, run.stderr) == (1, "This file is empty.\n" + REFUSED)
    return run


# The cases where reading could cost something (a subprocess each, a few seconds).
BOUNDED_CASES = [
    "zip bomb",
    "zip bomb, sizes understated",
    "billion laughs in the sheet",
    "billion laughs in the shared strings",
    "Windows program holding a workbook",
    "a value in cell XFD1048576",
]
# What a refusal may cost beyond the baseline. Inflating the bomb's gigabyte alone would take
# seconds of CPU, allocating python-calamine's cells tens of gigabytes.
EXTRA_MB = 64
EXTRA_CPU_SECONDS = 1.0


@pytest.mark.slow
@pytest.mark.parametrize("case", BOUNDED_CASES)
def test_command_line_refusal_is_bounded(case, hostile, baseline, tmp_path):
    run = command_measured(tmp_path, hostile[case].data)
    assert (run.status, run.stderr) == (1, hostile[case].error + "\n" + REFUSED)
    assert run.peak_mb < baseline.peak_mb + EXTRA_MB
    assert run.cpu_seconds < baseline.cpu_seconds + EXTRA_CPU_SECONDS
    assert run.seconds < 60


@pytest.mark.slow
def test_a_file_over_the_size_limit_is_not_read(baseline, tmp_path):
    path = tmp_path / "report.xlsx"
    with path.open("wb") as file:
        file.truncate(GB)
    run = measured(tmp_path, ENGLISH_COMMAND, "import_report", str(path), "--dry-run")
    assert (run.status, run.stderr) == (
        1,
        "This file is 1024.0 MB, more than the limit of 20.0 MB.\n" + REFUSED,
    )
    assert run.peak_mb < baseline.peak_mb + EXTRA_MB
    assert run.cpu_seconds < baseline.cpu_seconds + EXTRA_CPU_SECONDS


# ---------------------------------------------------------------------------- a billion rows


def with_dimension(claim: str) -> bytes:
    """The report with its sheet's <dimension> claiming `claim`: three villages in fact."""

    def edit(path: str, data: bytes) -> bytes:
        if path != SHEET:
            return data
        assert b'<dimension ref="' in data
        start = data.index(b'<dimension ref="') + len(b'<dimension ref="')
        return data[:start] + claim.encode() + data[data.index(b'"', start) :]

    return zip_rewrite(to_file(village_report()), edit).getvalue()


BILLION_ROWS = "A1:Z1000000000"


@pytest.mark.parametrize("claim", [BILLION_ROWS, "A1:XFD1048576"])
def test_a_dimension_claiming_a_billion_rows_is_not_believed(claim, province, tmp_path):
    """<dimension> is only a claim: the rows are read as they are, and imported."""
    path = tmp_path / "report.xlsx"
    path.write_bytes(with_dimension(claim))
    out = io.StringIO()
    call_command("import_report", str(path), "--publish", stdout=out, stderr=io.StringIO())
    assert "Villages: 3 rows, 0 new, 3 changed, 0 unchanged, 1 not reported" in out.getvalue()
    assert VillageFigure.objects.count() == 3


def test_reading_a_dimension_claim_is_bounded(tmp_path):
    honest = tmp_path / "honest.xlsx"
    honest.write_bytes(report_bytes())
    claiming = tmp_path / "claiming.xlsx"
    claiming.write_bytes(with_dimension(BILLION_ROWS))
    expected = measured(tmp_path, READ_ONLY, str(honest))
    run = measured(tmp_path, READ_ONLY, str(claiming))
    assert (run.status, run.stdout) == (expected.status, expected.stdout) == (0, "13\n")
    assert run.peak_mb < expected.peak_mb + EXTRA_MB
    assert run.cpu_seconds < expected.cpu_seconds + EXTRA_CPU_SECONDS


def ods_row_repeated(times: int) -> bytes:
    """An OpenDocument sheet of one row of 1,000 values, repeated `times` times: a few hundred
    bytes claiming `times` thousand cells."""
    namespaces = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    row = (
        f'<table:table-row table:number-rows-repeated="{times}"><table:table-cell '
        'office:value-type="float" office:value="1" table:number-columns-repeated="1000">'
        "<text:p>1</text:p></table:table-cell></table:table-row>"
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces} '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Bom">'
        f"{row}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type'
        '="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@override_settings(IMPORT_MAX_READ_MEMORY=128 * MB)
def test_an_ods_row_repeated_100000_times_is_stopped_at_the_memory_limit(province, tmp_path):
    """100 million cells claimed in 1 KB (python-calamine refuses more repeats itself): the
    reading child stops at IMPORT_MAX_READ_MEMORY."""
    path = tmp_path / "report.ods"
    path.write_bytes(ods_row_repeated(100_000))
    assert len(path.read_bytes()) < 2048
    before = database_counts()
    error = FAR_CELL.format(limit="128.0\xa0MB")
    assert command_refused(path) == error + "\n"
    refused_run_only(before, error)


def rows_sheet(megabytes: int) -> bytes:
    """A report whose sheet is `megabytes` MB of one-number rows (30,000 a megabyte), its sizes
    declared honestly: within the unzipped limit, but seconds of work for python-calamine."""
    row = b'<row><c t="n"><v>1</v></c></row>'
    chunk = row * (MB // len(row))
    crc = zlib.crc32(SHEET_START)
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    size = len(SHEET_START) + len(chunk) * megabytes + len(SHEET_END)
    deflated = deflated_copies(SHEET_START, chunk, megabytes, SHEET_END)
    return with_raw_part(report_bytes(), SHEET, deflated, crc=zlib.crc32(SHEET_END, crc), size=size)


@override_settings(IMPORT_MAX_READ_SECONDS=1)
def test_a_sheet_taking_too_long_to_read_is_stopped_at_the_cpu_limit(province, tmp_path):
    """4.5 million rows: about 4 seconds of CPU to read here, stopped after one."""
    path = tmp_path / "report.xlsx"
    path.write_bytes(rows_sheet(150))
    before = database_counts()
    error = "Reading this workbook took more than 1 second of processing and was stopped."
    assert command_refused(path) == error + "\n"
    refused_run_only(before, error)


@override_settings(IMPORT_MAX_ROWS=13)
def test_a_report_of_as_many_rows_as_the_limit_is_read(province, tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(report_bytes())  # 13 rows: title, date, header, villages, subtotal
    call_command(
        "import_report", str(path), "--publish", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert VillageFigure.objects.count() == 3


@override_settings(IMPORT_MAX_ROWS=12)
def test_a_report_of_more_rows_than_the_limit_is_refused(province, tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(report_bytes())
    before = database_counts()
    error = "Mường Chà, This workbook has more than 12 rows."
    assert command_refused(path) == error + "\n"
    refused_run_only(before, error)


# ---------------------------------------------------------------------------- staff upload


def named(data: bytes, name: str = "report.xlsx") -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def preview_errors(client: Client, data: bytes) -> tuple[str, list[str]]:
    """Upload `data`; returns the preview's token and the rows of its errors table, as the
    command line writes them: "sheet, row, column, value, message", the parts of the place
    the row has (`Issue.line`)."""
    response = client.post(reverse("imports:upload"), {"file": named(data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = client.get(response["Location"]).content.decode()
    table = re.search(r'<table class="issues errors" id="errors">(.*?)</table>', page, re.S)
    if table is None:
        return token, []
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1], re.S)
    return token, [_as_line(re.findall(r"<td[^>]*>(.*?)</td>", row)) for row in rows]


def _as_line(cells: list[str]) -> str:
    sheet, row, column, value, message = (html.unescape(cell).strip() for cell in cells)
    place = [part for part in (sheet, row, column) if part]
    return ", ".join([*place, *([value] if column or value else []), message])


def upload_error(response) -> str:
    """The error under the upload form's file field."""
    content = response.content.decode()
    match = re.search(r'id="error-file"[^>]*>(.*?)</', content, re.S)
    assert match, "no error under the file field"
    return html.unescape(match.group(1)).strip()


@pytest.mark.parametrize("case", CASES)
def test_staff_upload_refuses(case, hostile, staff_client, province, staging):
    before = database_counts()
    token, errors = preview_errors(staff_client, hostile[case].data)
    assert errors == [hostile[case].error]
    confirmed = staff_client.post(reverse("imports:confirm", args=[token]))
    assert confirmed.status_code == 400
    refused_run_only(before, hostile[case].error)


def test_staff_upload_of_a_billion_row_dimension_claim_previews_the_real_rows(
    staff_client, province
):
    token, errors = preview_errors(staff_client, with_dimension(BILLION_ROWS))
    assert errors == []
    response = staff_client.post(reverse("imports:confirm", args=[token]))
    assert response.status_code == 302
    draft_publish()  # the kept file read again, its claim as little believed
    assert VillageFigure.objects.count() == 3


@override_settings(IMPORT_MAX_ROWS=12)
def test_staff_upload_over_the_row_limit_is_refused(staff_client, province):
    before = database_counts()
    token, errors = preview_errors(staff_client, report_bytes())
    assert errors == ["Mường Chà, This workbook has more than 12 rows."]
    assert staff_client.post(reverse("imports:confirm", args=[token])).status_code == 400
    assert database_counts() == before


# ---------------------------------------------------------------------------- upload size


BOUNDARY = "UploadDefencesBoundary"


class MadeUpload:
    """A multipart upload of one `size`-byte file, made as it is read, counting what is read:
    a request of a gigabyte without a gigabyte in memory."""

    def __init__(self, size: int, fields: dict[str, str] | None = None) -> None:
        head = "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in (fields or {}).items()
        )
        head += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="report.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        self.parts = [head.encode(), size, f"\r\n--{BOUNDARY}--\r\n".encode()]
        self.length = len(self.parts[0]) + size + len(self.parts[2])
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        return self._bytes(size, line=False)

    def readline(self, size: int = -1) -> bytes:
        """Django drains what it does not keep line by line (io.IOBase iteration)."""
        return self._bytes(size, line=True)

    def _bytes(self, size: int, *, line: bool) -> bytes:
        left = self.length - self.position if size < 0 else size
        out = []
        while left > 0 and self.position < self.length:
            piece = self._piece(left)
            end = piece.find(b"\n") + 1 if line else 0
            piece = piece[:end] if end else piece
            out.append(piece)
            self.position += len(piece)
            left -= len(piece)
            if end:
                break
        return b"".join(out)

    def _piece(self, size: int) -> bytes:
        head, body, tail = self.parts
        at = self.position
        if at < len(head):
            return head[at : at + size]
        at -= len(head)
        if at < body:
            return b"\0" * min(size, body - at, MB)
        at -= body
        return tail[at : at + size]

    def environ(self) -> dict:
        return {
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(self.length),
            "wsgi.input": self,
        }


@override_settings(IMPORT_MAX_UPLOAD_BYTES=MB)
def test_an_upload_of_a_gigabyte_is_stopped_past_the_limit(staff_client, staging):
    """Reading stops one chunk past the limit: nothing of the rest is read or kept, and the
    connection is cut (DRAIN_BYTES), so the form's answer may not reach a browser."""
    upload = MadeUpload(GB)
    tracemalloc.start()
    try:
        response = staff_client.generic("POST", reverse("imports:upload"), **upload.environ())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    assert upload_error(response) == "This file is 1.0\xa0GB, more than the limit of 1.0\xa0MB."
    assert upload.position < MB + 512 * 1024
    assert peak < 16 * MB
    assert not staging.exists()
    assert ImportRun.objects.count() == 0


@override_settings(IMPORT_MAX_UPLOAD_BYTES=MB)
def test_an_upload_a_little_over_the_limit_is_read_to_the_end_and_thrown_away(
    staff_client, staging
):
    """Past the limit nothing is kept, but the rest is read, so that the browser, done sending,
    shows the answer."""
    upload = MadeUpload(2 * MB)
    response = staff_client.generic("POST", reverse("imports:upload"), **upload.environ())
    assert upload_error(response) == "This file is 2.0\xa0MB, more than the limit of 1.0\xa0MB."
    assert upload.position == upload.length
    assert not staging.exists()


@override_settings(IMPORT_MAX_UPLOAD_BYTES=MB)
def test_two_files_together_over_the_limit_are_refused(staff_client, staging):
    """The limit is on the request's files together, not on each."""
    half = named(bytes(MB // 2 + 1))
    response = staff_client.post(
        reverse("imports:upload"), {"file": [half, named(bytes(MB // 2 + 1))]}
    )
    assert upload_error(response).endswith(", more than the limit of 1.0\xa0MB.")
    assert not staging.exists()


def test_the_upload_form_still_checks_the_csrf_token(staff, province, staging):
    """The upload view makes Django's CSRF check itself, after putting the limit in place."""
    client = logged_in(Client(enforce_csrf_checks=True), staff)
    page = client.get(reverse("imports:upload"))
    token = page.cookies[django_settings.CSRF_COOKIE_NAME].value
    refused = client.post(reverse("imports:upload"), {"file": named(report_bytes())})
    assert refused.status_code == 403
    assert not staging.exists()
    accepted = client.post(
        reverse("imports:upload"),
        {"csrfmiddlewaretoken": token, "file": named(report_bytes())},
    )
    assert accepted.status_code == 302


@override_settings(IMPORT_MAX_UPLOAD_BYTES=MB)
def test_an_oversize_upload_with_the_csrf_token_gets_the_size_message(staff, staging):
    client = logged_in(Client(enforce_csrf_checks=True), staff)
    token = client.get(reverse("imports:upload")).cookies[django_settings.CSRF_COOKIE_NAME].value
    upload = MadeUpload(GB, fields={"csrfmiddlewaretoken": token})
    response = client.generic("POST", reverse("imports:upload"), **upload.environ())
    assert response.status_code == 200
    assert upload_error(response) == "This file is 1.0\xa0GB, more than the limit of 1.0\xa0MB."
    assert upload.position < MB + 512 * 1024


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<c r='A1'><v>1</v></c>", False),
        (b"<c r='A1'><f>B1*2</f><v/></c>", True),
        (b"<x:c r='A1'><x:f/></x:c>", True),
    ],
)
@pytest.mark.parametrize("chunk", [0, 1, 3])  # the tag's letter first in the nth 64 KiB chunk
def test_the_zip_check_notes_which_parts_hold_a_formula(body, expected, chunk):
    """A sheet with no formula is not inflated a second time to look for formulas without a
    value; one with a formula anywhere, even split across two inflated chunks, is."""
    from imports.zipcheck import INFLATE_CHUNK, part_check

    start = b"<worksheet>"
    letter = max(body.find(b"f>"), body.find(b"f/"), 0)  # "<f" | ">": split between chunks
    padding = max(chunk * INFLATE_CHUNK - len(start) - letter, 0)
    xml = start + b" " * padding + body + b"</worksheet>"
    assert not expected or chunk == 0 or xml[chunk * INFLATE_CHUNK] == ord("f")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    data = buffer.getvalue()
    member = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert part_check(data, member) is expected
