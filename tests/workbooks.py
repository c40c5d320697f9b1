"""Report workbooks for the import tests, built in memory with openpyxl.

`village_report()` writes the canonical form of docs/import-format.md (title block, reference-date
line, two header rows with "Trong đó" merged over "Chính thức" / "Dự bị", column-number row);
every argument changes one thing, so each test shows the one variation it is about.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Sequence
from types import SimpleNamespace
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from imports.models import ImportRun
from imports.services import ImportRefused, report_import, report_preview
from units.domain.names import COMMUNE_KINDS, DISTRICT_KINDS, PROVINCE_KINDS, name_key, sort_key
from units.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    Coverage,
    Level,
    Period,
    Scheme,
    Unit,
    UnitFigure,
    Village,
    VillageFigure,
    VillagePlacement,
)

TITLE_LINES = (
    "BAN TỔ CHỨC TỈNH ỦY ĐIỆN BIÊN",
    "BIỂU THỐNG KÊ THÔN, BẢN, TỔ DÂN PHỐ CÓ ĐẢNG VIÊN, CÓ CHI BỘ",
)
DATE_LINE = "Số liệu tính đến ngày 31/12/2017"
HEADER = (
    "STT",
    "Thôn, bản, TDP",
    "Mã thôn",
    "Tổng số đảng viên",
    "Trong đó",
    None,
    "Tình trạng chi bộ",
    "Sinh hoạt ghép với",
    "Kết nạp mới trong kỳ",
    "Ghi chú",
)
SUBHEADER = (None, None, None, None, "Chính thức", "Dự bị", None, None, None, None)
NUMBERS = ("A", "B", "C", "1", "2", "3", "4", "5", "6", "7")

OWN = "Có chi bộ độc lập"
JOINED = "Sinh hoạt ghép"
NONE = "Chưa có đảng viên"


def village(
    number, name, members, full, probationary, status, host=None, admissions=0, code=None
) -> list:
    """A village row of the canonical layout."""
    return [number, name, code, members, full, probationary, status, host, admissions, None]


def section(number, name, members=None, full=None, probationary=None, admissions=None) -> list:
    """A section row ("I | Huyện Mường Chà", "1 | Xã Mường Tùng"), with subtotals if given."""
    return [number, name, None, members, full, probationary, None, None, admissions, None]


def mung_tung_rows() -> list[list]:
    """Xã Mường Tùng as in docs/import-format.md: three villages, the commune subtotal last."""
    return [
        section("I", "Huyện Mường Chà"),
        section("1", "Xã Mường Tùng"),
        village(1, "Bản Nậm Cang 1", 0, 0, 0, NONE),
        village(2, "Bản Huổi Lèng", 14, 12, 2, OWN, admissions=1),
        village(3, "Bản Nậm Piền", 2, 2, 0, JOINED, host="Bản Huổi Lèng"),
        [None, "Cộng xã", None, 16, 14, 2, None, None, 1, None],
    ]


def village_sheet(
    sheet: Worksheet,
    rows: Sequence[Sequence],
    *,
    title_lines: Sequence[str] = TITLE_LINES,
    date_line: str | None = DATE_LINE,
    header: Sequence | None = HEADER,
    subheader: Sequence | None = SUBHEADER,
    numbers: Sequence | None = NUMBERS,
    merge: bool = True,
    blank_lines: int = 1,
) -> int:
    """Write a report table into `sheet`; returns the Excel row of the first header row.

    By default: title lines in rows 1–2, the date line in row 3, row 4 blank, the header in
    rows 5–6, the column numbers in row 7 and the first row of `rows` in row 8.
    """
    lines = list(title_lines) + ([date_line] if date_line is not None else [])
    lines += [None] * blank_lines
    for number, line in enumerate(lines, start=1):
        sheet.cell(row=number, column=1, value=line)
    header_row = len(lines) + 1
    current = header_row
    if header is not None:
        _append_at(sheet, current, header)
        current += 1
    if subheader is not None:
        _append_at(sheet, current, subheader)
        if merge and header is not None:
            _merge_canonical(sheet, header_row, header)
        current += 1
    for values in ([numbers] if numbers is not None else []) + list(rows):
        _append_at(sheet, current, values)
        current += 1
    return header_row


def _append_at(sheet: Worksheet, row: int, values: Sequence) -> None:
    for column, value in enumerate(values, start=1):
        if value is not None:
            sheet.cell(row=row, column=column, value=value)


def _merge_canonical(sheet: Worksheet, row: int, header: Sequence) -> None:
    """ "Trong đó" over its two children; every other header cell merged down two rows."""
    for column, value in enumerate(header, start=1):
        if value == "Trong đó":
            sheet.merge_cells(
                start_row=row, start_column=column, end_row=row, end_column=column + 1
            )
        elif value is not None and (column < 2 or header[column - 2] != "Trong đó"):
            sheet.merge_cells(
                start_row=row, start_column=column, end_row=row + 1, end_column=column
            )


def village_report(
    rows: Sequence[Sequence] | None = None, *, sheet_name: str = "Mường Chà", **options
) -> Workbook:
    """A one-sheet village report (by default Xã Mường Tùng at 31/12/2017)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    village_sheet(sheet, mung_tung_rows() if rows is None else rows, **options)
    return workbook


def to_file(workbook: Workbook, name: str = "report.xlsx") -> io.BytesIO:
    """The workbook saved into memory, named like an upload."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def zip_rewrite(buffer: io.BytesIO, edit, name: str = "report.xlsx") -> io.BytesIO:
    """The workbook with `edit(path, data) -> data` applied to every member of its zip."""
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, edit(member.filename, source.read(member.filename)))
    out.seek(0)
    out.name = name
    return out


def with_cached_values(
    buffer: io.BytesIO, values: dict[str, object], result_type: str = ""
) -> io.BytesIO:
    """What Excel saves: each formula cell (by reference, "D9") with its calculated value.
    openpyxl writes formulas without one. `result_type="e"`: the values are errors Excel shows
    ("#REF!")."""
    typed = f' t="{result_type}"'.encode() if result_type else b""

    def edit(path: str, data: bytes) -> bytes:
        if not path.startswith("xl/worksheets/"):
            return data
        for ref, value in values.items():
            data = re.sub(
                rf'(<c r="{ref}")([^>]*>)(<f>.*?</f>)<v\s*/>'.encode(),
                lambda match, value=value: (
                    match.group(1)
                    + typed
                    + match.group(2)
                    + match.group(3)
                    + f"<v>{value}</v>".encode()
                ),
                data,
            )
        return data

    return zip_rewrite(buffer, edit)


def as_xlsm(buffer: io.BytesIO) -> io.BytesIO:
    """The same workbook declared macro-enabled, as Excel saves an .xlsm."""

    def edit(path: str, data: bytes) -> bytes:
        if path == "[Content_Types].xml":
            return data.replace(
                b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
            )
        return data

    return zip_rewrite(buffer, edit, name="report.xlsm")


# ---------------------------------------------------------------------------- the province


def unit(scheme, level, code, name, parent=None) -> Unit:
    """A unit of the scheme: from 2004 to 30/6/2025 (gso2004) or from 1/7/2025 (gso2025)."""
    kinds = {Level.PROVINCE: PROVINCE_KINDS, Level.DISTRICT: DISTRICT_KINDS}
    new = scheme == Scheme.GSO2025
    return Unit.objects.create(
        scheme=scheme,
        level=level,
        code=code,
        name=name,
        name_key=name_key(name, kinds.get(level, COMMUNE_KINDS)),
        sort_key=sort_key(name, kinds.get(level, COMMUNE_KINDS)),
        parent=parent,
        valid_from=REFORM_DATE if new else datetime.date(2004, 1, 1),
        valid_to=None if new else LAST_DAY_BEFORE_REFORM,
    )


def placed_village(name: str, commune: Unit, since: datetime.date) -> Village:
    """A village placed in `commune` from `since` (to the commune's end)."""
    created = Village.objects.create(
        name=name, name_key=name_key(name), sort_key=sort_key(name), valid_from=since
    )
    VillagePlacement.objects.create(
        village=created, commune=commune, valid_from=since, valid_to=commune.valid_to
    )
    return created


def small_province():
    """Điện Biên in miniature: two districts and three communes before 1/7/2025, two communes
    after, four villages in Xã Mường Tùng and one in Xã Quài Nưa. Returns a namespace."""
    old = Scheme.GSO2004
    province = unit(old, Level.PROVINCE, "11", "Tỉnh Điện Biên")
    muong_cha = unit(old, Level.DISTRICT, "100", "Huyện Mường Chà", province)
    tuan_giao = unit(old, Level.DISTRICT, "101", "Huyện Tuần Giáo", province)
    muong_tung = unit(old, Level.COMMUNE, "03200", "Xã Mường Tùng", muong_cha)
    huoi_leng = unit(old, Level.COMMUNE, "03201", "Xã Huổi Lèng", muong_cha)
    quai_nua = unit(old, Level.COMMUNE, "03300", "Xã Quài Nưa", tuan_giao)
    new = Scheme.GSO2025
    province_2025 = unit(new, Level.PROVINCE, "11", "Tỉnh Điện Biên")
    muong_tung_2025 = unit(new, Level.COMMUNE, "03202", "Xã Mường Tùng", province_2025)
    na_sang_2025 = unit(new, Level.COMMUNE, "03203", "Xã Na Sang", province_2025)

    def village(name, commune, commune_2025=None):
        placed = datetime.date(2015, 1, 1)
        created = Village.objects.create(
            name=name, name_key=name_key(name), sort_key=sort_key(name), valid_from=placed
        )
        VillagePlacement.objects.create(
            village=created, commune=commune, valid_from=placed, valid_to=LAST_DAY_BEFORE_REFORM
        )
        if commune_2025 is not None:
            VillagePlacement.objects.create(
                village=created, commune=commune_2025, valid_from=REFORM_DATE
            )
        return created

    villages = {
        name: village(name, muong_tung, muong_tung_2025)
        for name in ("Bản Nậm Cang 1", "Bản Huổi Lèng", "Bản Nậm Piền", "Bản Huổi Điết")
    }
    villages["Bản Co Củ"] = village("Bản Co Củ", quai_nua)
    return SimpleNamespace(
        province=province,
        muong_cha=muong_cha,
        tuan_giao=tuan_giao,
        muong_tung=muong_tung,
        huoi_leng=huoi_leng,
        quai_nua=quai_nua,
        province_2025=province_2025,
        muong_tung_2025=muong_tung_2025,
        na_sang_2025=na_sang_2025,
        villages=villages,
    )


# ---------------------------------------------------------------------------- assertions


def database_counts() -> dict[str, int]:
    """Everything an import may write: equal before and after each refusal."""
    return {
        "villages": Village.objects.count(),
        "placements": VillagePlacement.objects.count(),
        "village_figures": VillageFigure.objects.count(),
        "unit_figures": UnitFigure.objects.count(),
        "coverage": Coverage.objects.count(),
        "periods": Period.objects.count(),
        "runs_not_refused": ImportRun.objects.exclude(outcome=ImportRun.Outcome.REFUSED).count(),
    }


def import_refused(file, *, date: datetime.date | None = None, replace: bool = False) -> list[str]:
    """Preview and try to import `file`; assert it is refused with nothing written. Returns
    the errors as the command prints them: "sheet, row, column, value, message"."""
    before = database_counts()
    preview = report_preview(path_or_file=file, date=date)
    with pytest.raises(ImportRefused) as refusal:
        report_import(preview=preview, replace=replace)
    assert database_counts() == before
    return [issue.line() for issue in refusal.value.issues]


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:'
    'tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def as_ods(workbook: Workbook) -> io.BytesIO:
    """The workbook's values as an OpenDocument spreadsheet (LibreOffice's format; no merges)."""

    def cell(value) -> str:
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, int | float):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
            "</table:table-cell>"
        )

    tables = []
    for sheet in workbook.worksheets:
        rows = "".join(
            "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
            for row in sheet.iter_rows(values_only=True)
        )
        tables.append(f'<table:table table:name="{escape(sheet.title)}">{rows}</table:table>')
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES} '
        f'office:version="1.2"><office:body><office:spreadsheet>{"".join(tables)}'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    buffer.seek(0)
    buffer.name = "report.ods"
    return buffer
