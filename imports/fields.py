"""The columns a report may have: one definition used by the header matcher and the template.

Headers are compared in their `header_key` form (docs/import-format.md, "Fields"): without regard to
case, diacritics, spacing, line breaks or punctuation, and without a trailing explanation in
brackets ("Tổng số đảng viên (đồng chí)" = "Tổng số đảng viên").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from units.domain.names import fold


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"  # a whole number, never negative
    STATUS = "status"  # one text column: "Có chi bộ độc lập" / "Sinh hoạt ghép" / ...
    MARK = "mark"  # one of three columns marked x, X, ✓ or 1


class Shape(StrEnum):
    """The two report shapes (docs/import-format.md): values match `ImportRun.Shape`."""

    VILLAGE_REPORT = "village_report"
    UNIT_SUMMARY = "unit_summary"


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # the canonical header, as the template writes it
    synonyms: tuple[str, ...]  # every header form seen in practice, the label included
    kind: Kind
    required: bool = False
    template_parent: str = ""  # merged parent header in the template ("Trong đó")
    in_template: bool = True


def header_key(text: object) -> str:
    """The form headers are compared in: folded, punctuation and bracketed notes removed."""
    return _header_key(str(text))


@functools.lru_cache(maxsize=4096)
def _header_key(text: str) -> str:
    """Cached: the header finder tries every block of the first rows of every sheet, and a
    workbook of 63 sheets repeats the same few dozen header texts."""
    folded = fold(text)
    folded = re.sub(r"\(.*?\)", " ", folded)
    folded = re.sub(r"[^a-z0-9]+", " ", folded)
    return folded.strip()


# The field keys the rest of the package refers to.
ROW_NUMBER = "row_number"
VILLAGE = "village"
VILLAGE_CODE = "village_code"
COMMUNE = "commune"
DISTRICT = "district"
MEMBERS = "members"
FULL_MEMBERS = "full_members"
PROBATIONARY_MEMBERS = "probationary_members"
STATUS = "status"
MARK_OWN_CELL = "mark_own_cell"
MARK_JOINED = "mark_joined"
MARK_NO_MEMBERS = "mark_no_members"
HOST = "host"
ADMISSIONS = "admissions"
NOTE = "note"
UNIT = "unit"
VILLAGES_TOTAL = "villages_total"
VILLAGES_OWN_CELL = "villages_own_cell"
VILLAGES_JOINED = "villages_joined"
VILLAGES_NO_MEMBERS = "villages_no_members"
GRASSROOTS_ORGS = "grassroots_orgs"
CELLS = "cells"

MARKS = (MARK_OWN_CELL, MARK_JOINED, MARK_NO_MEMBERS)

VILLAGE_FIELDS: tuple[Field, ...] = (
    Field(ROW_NUMBER, "STT", ("STT", "TT", "Số TT"), Kind.TEXT),
    Field(
        VILLAGE,
        "Thôn, bản, TDP",
        (
            "Thôn, bản, TDP",
            "Thôn, bản, tổ dân phố",
            "Tên thôn, bản, tổ dân phố",
            "Tên thôn/bản",
            "Tên thôn, bản",
            "Thôn/bản",
            "Thôn, bản",
            "Đơn vị",
        ),
        Kind.TEXT,
        required=True,
    ),
    Field(
        VILLAGE_CODE,
        "Mã thôn",
        ("Mã thôn", "Mã bản", "Mã"),
        Kind.TEXT,
    ),
    Field(
        COMMUNE,
        "Xã, phường, thị trấn",
        ("Xã, phường, thị trấn", "Xã", "Tên xã"),
        Kind.TEXT,
        in_template=False,  # the template gives communes in section rows,
    ),
    Field(
        DISTRICT,
        "Huyện, thành phố, thị xã",
        ("Huyện, thành phố, thị xã", "Huyện", "Tên huyện"),
        Kind.TEXT,
        in_template=False,
    ),
    Field(
        MEMBERS,
        "Tổng số đảng viên",
        ("Tổng số đảng viên", "Số đảng viên", "Đảng viên", "Tổng số"),
        Kind.COUNT,
        required=True,
    ),
    Field(
        FULL_MEMBERS,
        "Chính thức",
        ("Chính thức", "Đảng viên chính thức", "Trong đó chính thức"),
        Kind.COUNT,
        template_parent="Trong đó",
    ),
    Field(
        PROBATIONARY_MEMBERS,
        "Dự bị",
        ("Dự bị", "Đảng viên dự bị", "Trong đó dự bị"),
        Kind.COUNT,
        template_parent="Trong đó",
    ),
    Field(
        STATUS,
        "Tình trạng chi bộ",
        ("Tình trạng chi bộ", "Tình trạng", "Trạng thái", "Hiện trạng chi bộ"),
        Kind.STATUS,
    ),
    Field(
        MARK_OWN_CELL,
        "Có chi bộ độc lập",
        ("Có chi bộ độc lập", "Chi bộ độc lập", "Có chi bộ", "Độc lập"),
        Kind.MARK,
        in_template=False,
    ),
    Field(
        MARK_JOINED,
        "Sinh hoạt ghép",
        ("Sinh hoạt ghép", "Chi bộ ghép", "Ghép"),
        Kind.MARK,
        in_template=False,
    ),
    Field(
        MARK_NO_MEMBERS,
        "Chưa có đảng viên",
        ("Chưa có đảng viên", "Trắng đảng viên", "Bản trắng", "Trắng"),
        Kind.MARK,
        in_template=False,
    ),
    Field(
        HOST,
        "Sinh hoạt ghép với",
        ("Sinh hoạt ghép với", "Sinh hoạt ghép với chi bộ", "Ghép với"),
        Kind.TEXT,
    ),
    Field(
        ADMISSIONS,
        "Kết nạp mới trong kỳ",
        ("Kết nạp mới trong kỳ", "Kết nạp mới", "Kết nạp trong kỳ", "Kết nạp đảng viên mới"),
        Kind.COUNT,
    ),
    Field(NOTE, "Ghi chú", ("Ghi chú",), Kind.TEXT),
)

UNIT_FIELDS: tuple[Field, ...] = (
    VILLAGE_FIELDS[0],
    Field(
        UNIT,
        "Đơn vị",
        ("Đơn vị", "Tên đơn vị", "Xã, phường, thị trấn", "Huyện, thành phố, thị xã", "Xã", "Huyện"),
        Kind.TEXT,
        required=True,
    ),
    Field(
        VILLAGES_TOTAL,
        "Tổng số thôn, bản, TDP",
        (
            "Tổng số thôn, bản, TDP",
            "Tổng số thôn, bản, tổ dân phố",
            "Tổng số thôn, bản",
            "Tổng số thôn",
            "Số thôn, bản, TDP",
            "Số thôn, bản",
        ),
        Kind.COUNT,
        required=True,
    ),
    Field(
        VILLAGES_OWN_CELL,
        "Có chi bộ độc lập",
        ("Có chi bộ độc lập", "Thôn, bản có chi bộ", "Số thôn có chi bộ", "Có chi bộ"),
        Kind.COUNT,
    ),
    Field(
        VILLAGES_JOINED,
        "Sinh hoạt ghép",
        ("Sinh hoạt ghép", "Chi bộ ghép", "Ghép"),
        Kind.COUNT,
    ),
    Field(
        VILLAGES_NO_MEMBERS,
        "Chưa có đảng viên",
        ("Chưa có đảng viên", "Trắng đảng viên", "Bản trắng"),
        Kind.COUNT,
    ),
    Field(
        MEMBERS,
        "Tổng số đảng viên",
        ("Tổng số đảng viên", "Số đảng viên", "Đảng viên"),
        Kind.COUNT,
    ),
    Field(
        GRASSROOTS_ORGS,
        "Tổ chức cơ sở đảng",
        ("Tổ chức cơ sở đảng", "TCCSĐ", "Số TCCSĐ", "Số tổ chức cơ sở đảng"),
        Kind.COUNT,
    ),
    Field(
        CELLS,
        "Chi bộ trực thuộc",
        ("Chi bộ trực thuộc", "Chi bộ trực thuộc đảng ủy cơ sở", "Số chi bộ"),
        Kind.COUNT,
    ),
    Field(
        ADMISSIONS,
        "Kết nạp mới trong kỳ",
        ("Kết nạp mới trong kỳ", "Kết nạp mới", "Kết nạp trong kỳ", "Kết nạp đảng viên mới"),
        Kind.COUNT,
    ),
    VILLAGE_FIELDS[-1],
)

FIELDS_BY_SHAPE: dict[Shape, tuple[Field, ...]] = {
    Shape.VILLAGE_REPORT: VILLAGE_FIELDS,
    Shape.UNIT_SUMMARY: UNIT_FIELDS,
}

# Headers that only a unit summary has: they tell the shapes apart.
UNIT_SUMMARY_SIGNS = frozenset({VILLAGES_TOTAL, GRASSROOTS_ORGS, CELLS})


def synonym_index(fields: tuple[Field, ...]) -> dict[str, str]:
    """header_key of every header form → field key."""
    index: dict[str, str] = {}
    for field in fields:
        for synonym in field.synonyms:
            index.setdefault(header_key(synonym), field.key)
    return index


SYNONYMS: dict[Shape, dict[str, str]] = {
    shape: synonym_index(fields) for shape, fields in FIELDS_BY_SHAPE.items()
}


def field_for(shape: Shape, key: str) -> Field:
    return next(field for field in FIELDS_BY_SHAPE[shape] if field.key == key)
