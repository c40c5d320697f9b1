"""The columns a report may have, and which one a header names: one definition used by the
header finder, the column-mapping step, the messages and the template.

A header is read by what it says (the rules below, in the words of `imports.vocabulary`), not
matched against a list: each field's `examples` are forms seen in practice, there for the
template, the documentation and the tests, and to say which field an unknown header is closest
to. docs/import-format.md ("Fields", "Vocabulary") describes both.
"""

from __future__ import annotations

import datetime
import difflib
import functools
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from units.domain.names import fold
from units.models import REFORM_DATE, Status

from . import vocabulary as v
from .models import ImportRun

Shape = ImportRun.Shape  # the report shapes are the shapes an import run records


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"  # a whole number, never negative
    STATUS = "status"  # one text column: "Có chi bộ độc lập" / "Sinh hoạt ghép" / ...
    MARK = "mark"  # one of three columns marked x, X, ✓ or 1


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # the canonical header, as the template writes it
    examples: tuple[str, ...]  # header forms seen in practice, the label first
    kind: Kind
    required: bool = False
    template_parent: str = ""  # merged parent header in the template ("Trong đó")
    in_template: bool = True
    label_after_reform: str = ""  # the label in the units of a report from 1/7/2025
    # The label when the report's date is not known: true on both sides of the reform.
    label_undated: Promise | str = ""

    def label_on(self, date: datetime.date | None) -> Promise | str:
        """The label in the units of the report's date: no "thị trấn" after the reform, and
        neither side's names when the date is not known (no date in the file, none given)."""
        if date is None and self.label_undated:
            return self.label_undated
        if date is not None and date >= REFORM_DATE and self.label_after_reform:
            return self.label_after_reform
        return self.label


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
MARK_OF_STATUS = {
    Status.OWN_CELL: MARK_OWN_CELL,
    Status.JOINED: MARK_JOINED,
    Status.NO_MEMBERS: MARK_NO_MEMBERS,
}
VILLAGES_OF_STATUS = {
    Status.OWN_CELL: VILLAGES_OWN_CELL,
    Status.JOINED: VILLAGES_JOINED,
    Status.NO_MEMBERS: VILLAGES_NO_MEMBERS,
}

ROW_NUMBER_FIELD = Field(ROW_NUMBER, "STT", ("STT", "TT", "Số TT", "Số thứ tự"), Kind.TEXT)
NOTE_FIELD = Field(NOTE, "Ghi chú", ("Ghi chú",), Kind.TEXT)
ADMISSIONS_FIELD = Field(
    ADMISSIONS,
    "Kết nạp mới trong kỳ",
    ("Kết nạp mới trong kỳ", "Kết nạp mới", "Kết nạp trong kỳ", "Kết nạp đảng viên mới"),
    Kind.COUNT,
)
MEMBER_EXAMPLES = ("Tổng số đảng viên", "Số đảng viên", "Số lượng đảng viên", "Đảng viên", "SL ĐV")

VILLAGE_FIELDS: tuple[Field, ...] = (
    ROW_NUMBER_FIELD,
    Field(
        VILLAGE,
        "Thôn, bản, TDP",
        (
            "Thôn, bản, TDP",
            "Thôn, bản, tổ dân phố",
            "Tên thôn, tổ dân phố",
            "Thôn, bản, tổ dân phố, khu phố",
            "Tên thôn/bản",
            "Thôn/bản",
            "Đơn vị",
        ),
        Kind.TEXT,
        required=True,
    ),
    Field(VILLAGE_CODE, "Mã thôn", ("Mã thôn", "Mã bản", "Mã"), Kind.TEXT),
    Field(
        COMMUNE,
        "Xã, phường, thị trấn",
        ("Xã, phường, thị trấn", "Xã, phường, đặc khu", "Đơn vị hành chính cấp xã", "Xã", "Tên xã"),
        Kind.TEXT,
        in_template=False,  # the template gives communes in section rows
        label_after_reform="Xã, phường, đặc khu",
        label_undated=_("Commune level (xã, phường …)"),
    ),
    Field(
        DISTRICT,
        "Huyện, thành phố, thị xã",
        ("Huyện, thành phố, thị xã", "Huyện", "Tên huyện"),
        Kind.TEXT,
        in_template=False,
        label_undated=_("District level (before 1/7/2025)"),
    ),
    Field(MEMBERS, "Tổng số đảng viên", (*MEMBER_EXAMPLES, "Tổng số"), Kind.COUNT, required=True),
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
        ("Có chi bộ độc lập", "Chi bộ độc lập", "Có chi bộ", "Đã có chi bộ", "Độc lập"),
        Kind.MARK,
        in_template=False,
    ),
    Field(
        MARK_JOINED,
        "Sinh hoạt ghép",
        ("Sinh hoạt ghép", "Chi bộ ghép", "Ghép", "Chưa có chi bộ (sinh hoạt ghép)"),
        Kind.MARK,
        in_template=False,
    ),
    Field(
        MARK_NO_MEMBERS,
        "Chưa có đảng viên",
        ("Chưa có đảng viên", "Trắng đảng viên", "Bản trắng", "Trắng", "Chưa có ĐV"),
        Kind.MARK,
        in_template=False,
    ),
    Field(
        HOST,
        "Sinh hoạt ghép với",
        ("Sinh hoạt ghép với", "Sinh hoạt ghép với chi bộ", "Ghép với"),
        Kind.TEXT,
    ),
    ADMISSIONS_FIELD,
    NOTE_FIELD,
)

UNIT_FIELDS: tuple[Field, ...] = (
    ROW_NUMBER_FIELD,
    Field(
        UNIT,
        "Đơn vị",
        ("Đơn vị", "Tên đơn vị", "Xã, phường, thị trấn", "Huyện, thành phố, thị xã", "Xã"),
        Kind.TEXT,
        required=True,
    ),
    Field(
        VILLAGES_TOTAL,
        "Tổng số thôn, bản, TDP",
        ("Tổng số thôn, bản, TDP", "Tổng số thôn, bản", "Số thôn, bản", "Tổng số thôn"),
        Kind.COUNT,
        required=True,
    ),
    Field(
        VILLAGES_OWN_CELL,
        "Có chi bộ độc lập",
        ("Có chi bộ độc lập", "Thôn, bản có chi bộ", "Số thôn có chi bộ", "Có chi bộ"),
        Kind.COUNT,
    ),
    Field(VILLAGES_JOINED, "Sinh hoạt ghép", ("Sinh hoạt ghép", "Chi bộ ghép", "Ghép"), Kind.COUNT),
    Field(
        VILLAGES_NO_MEMBERS,
        "Chưa có đảng viên",
        ("Chưa có đảng viên", "Trắng đảng viên", "Bản trắng"),
        Kind.COUNT,
    ),
    Field(MEMBERS, "Tổng số đảng viên", MEMBER_EXAMPLES, Kind.COUNT),
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
    ADMISSIONS_FIELD,
    NOTE_FIELD,
)

FIELDS_BY_SHAPE: dict[str, tuple[Field, ...]] = {
    Shape.VILLAGE_REPORT: VILLAGE_FIELDS,
    Shape.UNIT_SUMMARY: UNIT_FIELDS,
}

# Headers that only a unit summary has: they tell the shapes apart.
UNIT_SUMMARY_SIGNS = frozenset({VILLAGES_TOTAL, GRASSROOTS_ORGS, CELLS})


def field_for(shape: str, key: str) -> Field:
    return _fields_by_key(shape)[key]


@functools.cache
def _fields_by_key(shape: str) -> dict[str, Field]:
    return {field.key: field for field in FIELDS_BY_SHAPE[shape]}


# ---------------------------------------------------------------------------- reading headers


def header_field(shape: str, text: str) -> str | None:
    """The field a header names in a report of `shape`, or None: not one the importer reads."""
    return _header_field(shape, text)


@functools.lru_cache(maxsize=8192)
def _header_field(shape: str, text: str) -> str | None:
    """Cached: the header finder tries every block of the first rows of every sheet, and a
    workbook of 63 sheets repeats the same few dozen header texts."""
    words = v.words_of(text)
    if not words.text:
        return None
    if shape == Shape.UNIT_SUMMARY:
        return _summary_field(words, text)
    return _village_field(words, text)


def _common_field(words: v.Words) -> str | None:
    """Row number, note and admissions: the same in both shapes."""
    if any(words.is_(row_number) for row_number in v.ROW_NUMBER_FORMS):
        return ROW_NUMBER
    if words.starts(v.NOTE_WORDS):
        return NOTE
    if words.has(v.ADMISSION_WORDS):
        return ADMISSIONS
    return None


def _village_field(words: v.Words, text: str) -> str | None:
    """A village report's columns, in the order that settles overlaps: the host before the
    marks ("Sinh hoạt ghép với" is no mark), the marks before the members ("Chưa có đảng viên"
    is no count), full and probationary before the members."""
    common = _common_field(words)
    if common:
        return common
    if words.has_any(v.HOST_PHRASES):
        return HOST
    if words.has(v.FULL_WORDS):
        return FULL_MEMBERS
    if words.has(v.PROBATIONARY_WORDS):
        return PROBATIONARY_MEMBERS
    if words.starts(v.CODE_WORD):
        return VILLAGE_CODE if _names_only(words.without(v.CODE_WORD), v.VILLAGE) else None
    if words.has_any(v.STATUS_COLUMN_WORDS):
        return STATUS
    status = v.status_read(text).status
    if status is not None:
        return MARK_OF_STATUS[status]
    if v.names_members(words):
        return MEMBERS
    levels = {v.VILLAGE: VILLAGE, v.COMMUNE: COMMUNE, v.DISTRICT: DISTRICT}
    return _unit_column(words, levels, named=VILLAGE)


def _summary_field(words: v.Words, text: str) -> str | None:
    """A unit summary's columns: counts of villages (in all, or by status), of members, of
    grassroots organisations and cells, and the unit's name."""
    common = _common_field(words)
    if common:
        return common
    counted, rest = v.quantity_stripped(words)
    if rest.has(v.GRASSROOTS_WORDS):
        return GRASSROOTS_ORGS
    if rest.starts(v.CELLS_UNDER_WORDS) or (counted and rest.is_(v.CELL_WORDS)):
        return CELLS
    status = v.status_read(text).status
    if status is not None:
        return VILLAGES_OF_STATUS[status]
    if rest.text and v.names_members(words):  # "Tổng số" alone may count the villages
        return MEMBERS
    if counted and rest.text and _names_only(rest, v.VILLAGE):
        return VILLAGES_TOTAL
    if counted:
        return None  # a count of something else: households, people
    return _unit_column(words, {v.COMMUNE: UNIT, v.DISTRICT: UNIT}, named=UNIT)


# Words a header may have beside the levels it names: "Tên thôn, bản", "Đơn vị hành chính cấp
# xã", "Xã và thị trấn". Any other word and the header names something else ("Địa bàn", a
# village's own name "Bản Nậm Cang 1"), not the column.
NAME_LINKS = (v.NAME_WORD, v.UNIT_WORDS, "hành chính", "cấp", "và", "hoặc")


def _unit_column(words: v.Words, fields: dict[str, str], *, named: str) -> str | None:
    """The column naming the villages or units of the rows: by the level its header names,
    or `named` for a bare "Đơn vị" / "Tên đơn vị" (the unit each row is about)."""
    if words.is_(v.UNIT_WORDS) or words.is_(f"{v.NAME_WORD} {v.UNIT_WORDS}"):
        return named
    unqualified = _qualifier_stripped(words, v.COMMUNE_QUALIFIERS)
    if unqualified and unqualified.text and _names_only(unqualified, v.COMMUNE):
        return fields.get(v.COMMUNE)
    words = _qualifier_stripped(words, v.MERGER_QUALIFIERS) or words
    level = v.level_named(words)
    if level is None or not _names_only(words, level):
        return None
    return fields.get(level)


def _qualifier_stripped(words: v.Words, qualifiers: tuple[str, ...]) -> v.Words | None:
    """The words before a qualifier ending them ("Xã, phường sau sắp xếp" → "xã phường"), or
    None when none ends them (docs/import-format.md, "Fields")."""
    for qualifier in qualifiers:
        ending = f" {v.form(qualifier, words.plain)}"
        if f" {words.text}".endswith(ending):
            return v.Words(words.text[: -len(ending)].strip(), words.plain)
    return None


def _names_only(words: v.Words, level: str) -> bool:
    """Whether the words are only names of levels (the first one `level`) and linking words:
    "Thôn, bản, tổ dân phố, khu phố", "Tên xã", "" (a bare "Mã")."""
    rest = f" {words.text} "
    for phrase_form in _name_forms(words.plain):
        rest = rest.replace(f" {phrase_form} ", " ").replace(f" {phrase_form} ", " ")
    if rest.strip():
        return False
    return not words.text or v.level_named(words) == level


@functools.lru_cache(maxsize=2)
def _name_forms(plain: bool) -> tuple[str, ...]:
    """The level names and linking words `_names_only` takes away, longest first. Made once a
    form (with or without diacritics), not once a header text: the header search reads every
    text of each sheet's first rows, and a national report's names make a thousand new ones."""
    phrases = [phrase for _, level_phrases in v.LEVELS for phrase in level_phrases]
    phrases += list(NAME_LINKS)
    return tuple(sorted((v.form(phrase, plain) for phrase in phrases), key=len, reverse=True))


# ---------------------------------------------------------------------------- unknown headers


# Words too common to make two headers alike ("Số hộ" is not the row number "Số TT"; "Cán bộ
# phụ trách", a cadre, is no "chi bộ").
COMMON_WORDS = frozenset(
    {"so", "tong", "luong", "co", "chua", "cua", "va", "trong", "do", "ten", "tinh", "bo"}
)


def closest_field(shape: str, text: str) -> Field | None:
    """The field an unrecognised header looks most like (for the message that lists it): the
    one with a form seen in practice whose words it has most of, then most alike letter by
    letter; None when it has none of any form's words and none is close. Words are compared
    as the glossary compares them, with their diacritics: "Địa bàn" is not like "Mã bản"."""
    words = v.words_of(text)
    key = words.text
    best, best_score = None, (0.0, 0.6)
    for known in FIELDS_BY_SHAPE[shape]:
        for example in known.examples:
            example_key = _example_form(example, words.plain)
            example_words = _compared_words(example_key) or {example_key}
            shared = len(_compared_words(key) & example_words) / len(example_words)
            score = (shared, difflib.SequenceMatcher(None, key, example_key).ratio())
            if score > best_score:
                best, best_score = known, score
    return best


@functools.lru_cache(maxsize=512)
def _example_form(example: str, plain: bool) -> str:
    """An example header in the form a header typed with (or without) diacritics is compared."""
    words = v.words_of(example)
    return v.form(words.text, plain) if plain else words.text


def _compared_words(text: str) -> set[str]:
    return {word for word in text.split() if fold(word) not in COMMON_WORDS}
