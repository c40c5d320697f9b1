"""Formula cells saved without a calculated value, found in an .xlsx's sheet XML.

python-calamine reads an uncalculated formula as an empty cell: what it cannot say is that the
cell is a formula Excel never calculated (openpyxl-written files and files produced by scripts
are like that until opened and saved in Excel). The sheet XML is scanned for `<f>` elements
without a cached `<v>`, so that such a cell gets "open and save the file in Excel first", not a
message about an empty cell.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from .cells import Sheet, column_index

# A cell element with its body: <c r="F4" t="n"><f>D4*2</f><v/></c>, with or without a prefix.
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_STRING_RESULT = re.compile(rb'\bt="str"')
_ERROR_RESULT = re.compile(rb'\bt="e"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)


def formulas_find(
    archive: zipfile.ZipFile,
    sheets: list[Sheet],
    paths: dict[str, str] | None = None,
    with_formulas: set[str] | None = None,
) -> None:
    """Record the formula cells saved without a calculated value, per sheet. `paths` (from
    `sheet_paths`) spares parsing the workbook's XML again for each sheet of a large one;
    `with_formulas`, the parts known to hold a formula (`zipcheck.part_check` saw them), spares
    inflating the others again."""
    paths = sheet_paths(archive) if paths is None else paths
    for sheet in sheets:
        path = paths.get(sheet.name)
        if path is None or (with_formulas is not None and path not in with_formulas):
            continue
        try:
            xml = archive.read(path)
        except (KeyError, zipfile.BadZipFile, OSError):
            continue
        if not has_formula(xml):
            continue  # no regex over megabytes of XML without a formula
        cells = list(_cells_without_value(xml))
        sheet.formulas_without_value = {(row, column) for row, column, _error in cells}
        sheet.formula_errors = {(row, column): error for row, column, error in cells if error}


def has_formula(xml: bytes) -> bool:
    """Whether the XML holds a formula element: <f>, <f …>, <f/>, or the same with a namespace
    prefix. One scan for the letter f (rare in sheet XML; Vietnamese has none), then a look at
    its neighbours: a scan per spelling of the tag costs ten times as much."""
    at = xml.find(b"f")
    while at != -1:
        if xml[at - 1 : at] in (b"<", b":") and xml[at + 1 : at + 2] in (b">", b" ", b"/"):
            return True
        at = xml.find(b"f", at + 1)
    return False


def _cells_without_value(xml: bytes) -> Iterator[tuple[int, int, str]]:
    """(row, column, error) of each formula cell without a value: none calculated (error ""),
    or an error Excel shows in its place ("#REF!", "#VALUE!"), which python-calamine reads as
    an empty cell."""
    for match in _CELL.finditer(xml):
        attributes, body = match.group(1), match.group(2) or b""
        if not _FORMULA.search(body):
            continue
        value = _VALUE.search(body)
        error = value.group(1) if value and _ERROR_RESULT.search(attributes) else b""
        # An empty <v></v> is a cached empty text only when the result type is a string.
        if not error and value and (value.group(1) or _STRING_RESULT.search(attributes)):
            continue
        ref = _REF.search(attributes)
        if ref:
            row, column = int(ref.group(2)) - 1, column_index(ref.group(1).decode())
            yield row, column, error.decode(errors="replace").strip()


def sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
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
