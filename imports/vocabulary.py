"""The words reports use and what they name: the glossary the importer reads headers, statuses
and row labels by (docs/import-format.md, "Vocabulary").

A header or a status is read by what it says, not looked up in a list of exact forms: "Xã,
phường, đặc khu" and "Đơn vị hành chính cấp xã" both name the commune level, "Số lượng ĐV" names
the members, "Chưa có chi bộ (sinh hoạt ghép)" says the village attends a joined cell. What a
text cannot settle ("Chưa có chi bộ": joined, or no member at all?) is refused, never guessed.

Texts are compared word by word, in lower case, punctuation read as a space, abbreviations
written out, and with their diacritics: "bản" is a village and "bàn" ("Địa bàn") is not, "xã" is
a commune and "xa" is not, "phường" is a ward and "phương" ("phương án") is not. Only the place
of the tone mark is let go ("Hòa" = "Hoà"), and a text typed without any diacritic ("Xa,
phuong") is compared without them. "xã" is a whole word, never the end of "thị xã".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from units.domain.names import COMMUNE_KINDS, DISTRICT_KINDS, fold
from units.models import Status

# ---------------------------------------------------------------------------- abbreviations

# Written out before anything is read: "Số ĐV" is "số đảng viên", "Tình trạng CB" "tình trạng
# chi bộ". TT is left alone: alone it is the row number (thứ tự), after "Xã," it is thị trấn,
# and the commune is named by then.
ABBREVIATIONS = {
    "đv": "đảng viên",  # ĐV: party member(s)
    "dv": "đảng viên",
    "cb": "chi bộ",  # CB: party cell
    "tdp": "tổ dân phố",  # TDP: an urban village
    "kp": "khu phố",  # KP: an urban village
    "sl": "số lượng",  # SL: number of
    "tccsđ": "tổ chức cơ sở đảng",  # TCCSĐ: grassroots party organisation
    "tccsd": "tổ chức cơ sở đảng",
    "đvhc": "đơn vị hành chính",  # ĐVHC: administrative unit
    "sh": "sinh hoạt",  # SH: attending (a cell)
}

# ---------------------------------------------------------------------------- levels of unit

# The words that name a level, longest first where one begins another. A header naming several
# ("Huyện, thành phố, thị xã") is the level it names first.
COMMUNE_LEVEL = (
    "đơn vị hành chính cấp xã",  # the commune level, by its name
    "cấp xã",  # commune level
    "đặc khu",  # special zone: a commune-level unit from 1/7/2025
    "thị trấn",  # township (before 1/7/2025)
    "phường",  # urban ward
    "xã",  # rural commune
)
DISTRICT_LEVEL = (
    "cấp huyện",  # district level (before 1/7/2025)
    "thành phố",  # a city under the province
    "thị xã",  # district-level town
    "huyện",  # rural district
    "quận",  # urban district
)
VILLAGE_LEVEL = (
    "tổ dân phố",  # TDP: urban village
    "khu phố",  # urban village
    "tiểu khu",
    "thôn",  # village (lowlands)
    "bản",  # village (uplands: Thái, Mông, …)
    "khối",  # urban village
    "xóm",  # hamlet
    "ấp",  # hamlet (south)
    "làng",  # village
    "bon",  # village (Central Highlands, M'nông)
    "buôn",  # village (Central Highlands, Ê Đê)
    "plây",  # village (Central Highlands, Gia Rai); also written plei
    "plei",
    "đội",  # production team, a village in some communes
    "tổ",  # urban group
    "khu",  # area, a village in some towns
)
COMMUNE, DISTRICT, VILLAGE = "commune", "district", "village"
LEVELS = ((COMMUNE, COMMUNE_LEVEL), (DISTRICT, DISTRICT_LEVEL), (VILLAGE, VILLAGE_LEVEL))

# Section rows are named with their kind first: "Xã Mường Tùng", "Đặc khu Côn Đảo" open a
# commune, "Huyện Mường Chà", "Thành phố Điện Biên Phủ" a district (the prefixes of
# units.domain.names, which strips them to compare names, and compares them without diacritics).
COMMUNE_SECTION_KINDS = COMMUNE_KINDS
DISTRICT_SECTION_KINDS = DISTRICT_KINDS

# After the reform, staff head the place columns with the units "as now": "Xã, phường sau sắp
# xếp" (after the reorganisation), "Tên thôn, tổ dân phố sau sáp nhập" (after the merger), "Xã
# mới" (new). Read at the end of a header; "mới" only after the commune level: "Bản Mới" is a
# village's own name.
MERGER_QUALIFIERS = ("sau sắp xếp", "sau sáp nhập", "sau hợp nhất")
COMMUNE_QUALIFIERS = (*MERGER_QUALIFIERS, "mới")

# ---------------------------------------------------------------------------- other columns

ROW_NUMBER_FORMS = ("stt", "tt", "số tt", "số thứ tự", "thứ tự")  # STT: số thứ tự, row number
NAME_WORD = "tên"  # name ("Tên thôn", "Tên xã")
UNIT_WORDS = "đơn vị"  # unit: "Đơn vị" heads the name column of many forms
QUANTITY_WORDS = ("tổng số", "số lượng", "tổng", "số")  # number of
MEMBER_WORDS = "đảng viên"  # party member(s)
BARE_TOTALS = ("tổng số", "số lượng")  # "the total", alone: the members (not a bare "Số")
# Words that leave "số đảng viên" the total ("Tổng số đảng viên hiện có của thôn"); any other
# word makes it a part of the members ("Đảng viên nữ", "ĐV dân tộc thiểu số"), not the total.
NEUTRAL_WORDS = (
    ("của", "trong", "ở", "tại", "thuộc", "hiện", "có", "nay", "người", "đồng", "chí", "toàn")
    + VILLAGE_LEVEL
    + ("dân", "phố", "tiểu")
)
FULL_WORDS = "chính thức"  # full member(s)
PROBATIONARY_WORDS = "dự bị"  # probationary member(s), for 12 months
ADMISSION_WORDS = "kết nạp"  # admission of new members
NOTE_WORDS = "ghi chú"  # note
CODE_WORD = "mã"  # code ("Mã thôn"); the code of anything but a village is not read
# The cell a joined village attends: "Sinh hoạt ghép với", "Ghép với chi bộ", "Sinh hoạt cùng".
HOST_PHRASES = ("ghép với", "ghép cùng", "ghép vào", "sinh hoạt cùng", "sinh hoạt với")
# One text column saying each village's status: "Tình trạng chi bộ", "Trạng thái", "Hiện trạng".
STATUS_COLUMN_WORDS = ("tình trạng", "trạng thái", "hiện trạng", "tình hình")
# Unit summaries: grassroots organisations, and cells under a grassroots committee.
GRASSROOTS_WORDS = "tổ chức cơ sở đảng"  # TCCSĐ
CELL_WORDS = "chi bộ"  # party cell
CELLS_UNDER_WORDS = "chi bộ trực thuộc"  # (đảng ủy cơ sở)

# ---------------------------------------------------------------------------- statuses

# A status text states facts, each phrase one: whether the village has a cell of its own, and
# whether it has members. The facts make the status (docs/domain.md §1):
#   own cell: yes                 → own cell (có chi bộ độc lập)
#   own cell: no, members: yes    → joined (sinh hoạt ghép)
#   members: no                   → no members (chưa có đảng viên, "trắng")
# Too few facts (only "no own cell") or facts that disagree leave it unsettled: refused.
NO_OWN_CELL_PHRASES = ("chưa có chi bộ", "không có chi bộ", "chưa thành lập chi bộ")
# "Có chi bộ ghép" is a joined cell, not one of its own: read before "có chi bộ".
JOINED_CELL_PHRASES = ("có chi bộ ghép", "chi bộ ghép")
NO_MEMBER_PHRASES = ("chưa có đảng viên", "không có đảng viên")
JOINED_WORD = "ghép"  # joined (sinh hoạt ghép): no own cell, members
WHITE_WORD = "trắng"  # "white": no member (bản trắng, trắng đảng viên)
OWN_CELL_PHRASES = ("độc lập", "chi bộ riêng", "có chi bộ", "đã thành lập chi bộ")
HAS_MEMBER_PHRASES = ("có đảng viên",)
BARE_OWN_CELL = "chi bộ"  # a status reading just "Chi bộ": the village's own

# ---------------------------------------------------------------------------- row labels

# Compared without diacritics (fold), from the first two words of a row's label: "Tổng cộng",
# "Toàn tỉnh", "Toàn huyện", "Toàn thành phố" total a sheet (or a district); "Cộng", "Cộng xã",
# "Cộng (I)" are subtotals, at the end or at the top of what they sum.
TOTAL_LABEL = re.compile(r"^(tong cong|toan tinh|toan huyen|toan thanh|toan thi|tong so)\b")
SUBTOTAL_LABEL = re.compile(
    r"^cong\s*(?:$|[:(\[]|(?:xa|phuong|thi|huyen|thanh|toan|dac)\b|\(?[ivxlc]+\)?$|\d+$)"
)
DISTRICT_SUBTOTAL_LABEL = re.compile(r"^cong\s*(huyen|thanh|thi xa|\(?[ivxlc]+\)?$)")
COMMUNE_SUBTOTAL_LABEL = re.compile(r"^cong\s*(xa|phuong|thi tran|thi|dac khu)\b")
# Lines under the table that are no rows of it: the signature block, notes.
FOOTER_LABEL = re.compile(
    r"^(nguoi lap bieu|nguoi lap|lap bieu|t/m|tm\.?\s|k/t|kt\.?\s|ghi chu\s*:|noi nhan|"
    r"xac nhan|thu truong|truong ban|pho truong ban|ky ten)"
)

# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Words:
    """A text as the glossary compares it: its words, and whether it was typed without any
    diacritic (then the glossary's words are compared without theirs too)."""

    text: str  # the words, single-spaced, each in the form `_word_form` gives
    plain: bool

    def has(self, phrase: str) -> bool:
        """Whether `phrase` stands in the text as whole words."""
        return f" {form(phrase, self.plain)} " in f" {self.text} "

    def has_any(self, phrases: tuple[str, ...]) -> bool:
        return any(self.has(phrase) for phrase in phrases)

    def is_(self, phrase: str) -> bool:
        return self.text == form(phrase, self.plain)

    def starts(self, phrase: str) -> bool:
        return f"{self.text} ".startswith(f"{form(phrase, self.plain)} ")

    def without(self, phrase: str) -> Words:
        """The words after a leading `phrase` (which the caller checked is there)."""
        return Words(self.text[len(form(phrase, self.plain)) :].strip(), self.plain)

    def split(self) -> list[str]:
        return self.text.split()


def words_of(text: object, *, brackets: bool = False) -> Words:
    """The words of a text: lower case, punctuation as spaces, abbreviations written out,
    bracketed notes left out unless `brackets` ("Tổng số đảng viên (đồng chí)" is the members;
    "Chưa có chi bộ (sinh hoạt ghép)" says joined)."""
    return _words_of(str(text), brackets)


@functools.lru_cache(maxsize=8192)
def _words_of(text: str, brackets: bool) -> Words:
    """Cached: a report repeats a few dozen header and status texts over thousands of rows."""
    text = unicodedata.normalize("NFC", text).lower()
    plain = text.isascii()
    if not brackets:
        text = re.sub(r"\(.*?\)", " ", text)
    words = re.sub(r"[^\w]+|_", " ", text).split()
    expanded = " ".join(ABBREVIATIONS.get(word, word) for word in words)
    return Words(form(expanded, plain), plain)


@functools.lru_cache(maxsize=4096)
def form(phrase: str, plain: bool) -> str:
    """A phrase in the form texts are compared in: without diacritics for a plain text, else
    with them, the tone mark moved to the end of its word ("hòa" and "hoà" alike)."""
    if plain:
        return fold(phrase)
    return " ".join(_word_form(word) for word in phrase.lower().split())


TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng


def _word_form(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tone = "".join(mark for mark in decomposed if mark in TONE_MARKS)[:1]
    base = "".join(char for char in decomposed if char not in TONE_MARKS)
    return unicodedata.normalize("NFC", base + tone)


def level_named(words: Words) -> str | None:
    """The level of unit the words name first: COMMUNE, DISTRICT, VILLAGE or None."""
    tokens = words.split()
    by_first_word = _levels_by_first_word(words.plain)
    for at, token in enumerate(tokens):
        named = by_first_word.get(token)
        if named is None:
            continue  # no level's name begins with this word
        rest = Words(" ".join(tokens[at:]), words.plain)
        for level, phrases in named:
            if any(rest.starts(phrase) for phrase in phrases):
                return level
    return None


@functools.lru_cache(maxsize=2)
def _levels_by_first_word(plain: bool) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """First word of a level's name → LEVELS, in their order, narrowed to the names beginning
    with it: `level_named` then tries only the words that can begin one (the header search reads
    a thousand texts of a national report's first rows, most of them village names)."""
    firsts = {form(phrase, plain).split()[0] for _, phrases in LEVELS for phrase in phrases}
    return {
        first: tuple(
            (level, named)
            for level, phrases in LEVELS
            if (named := tuple(p for p in phrases if form(p, plain).split()[0] == first))
        )
        for first in firsts
    }


def quantity_stripped(words: Words) -> tuple[bool, Words]:
    """Whether the words begin with a quantity ("Số", "Tổng số", "SL"), and the rest."""
    for quantity in QUANTITY_WORDS:
        if words.starts(quantity):
            return True, words.without(quantity)
    return False, words


def names_members(words: Words) -> bool:
    """ "Tổng số đảng viên", "Số lượng ĐV", "Đảng viên", "Tổng số": the members in total; not
    "Đảng viên nữ" (a part of them) nor "Số hộ" (households)."""
    counted, rest = quantity_stripped(words)
    if counted and not rest.text:  # "Tổng số" alone: under a parent "Đảng viên", or the total
        return words.is_(BARE_TOTALS[0]) or words.is_(BARE_TOTALS[1])
    if not rest.starts(MEMBER_WORDS):
        return False
    neutral = {form(word, words.plain) for word in NEUTRAL_WORDS}
    return all(word in neutral for word in rest.without(MEMBER_WORDS).split())


@dataclass(frozen=True)
class StatusReading:
    """What a status text says: the status, or the statuses it could mean (none: unknown)."""

    status: str | None
    could_be: tuple[str, ...] = ()


def status_read(text: object) -> StatusReading:
    """The status a text states (a status cell, or the header of a mark column)."""
    return _status_read(words_of(text, brackets=True))


@functools.lru_cache(maxsize=1024)
def _status_read(words: Words) -> StatusReading:
    if not words.text:
        return StatusReading(None)
    own_cell, members = _facts(words)
    if "both" in (own_cell, members) or (own_cell is True and members is False):
        return StatusReading(None, (Status.OWN_CELL, Status.JOINED, Status.NO_MEMBERS))
    if own_cell is True:
        return StatusReading(Status.OWN_CELL)
    if members is False:
        return StatusReading(Status.NO_MEMBERS)
    if own_cell is False:
        if members is True:
            return StatusReading(Status.JOINED)
        return StatusReading(None, (Status.JOINED, Status.NO_MEMBERS))
    if members is True:
        return StatusReading(None, (Status.OWN_CELL, Status.JOINED))
    return StatusReading(None)


def _facts(words: Words) -> tuple[object, object]:
    """(own cell, members): True, False, None (not said) or "both" (said both ways)."""
    own_cell: set[bool] = set()
    members: set[bool] = set()
    # Negations and joined cells first, taken out so that their "có chi bộ" / "có đảng viên"
    # are not read again as the opposite.
    rest, no_cell = _taken(words, NO_OWN_CELL_PHRASES)
    rest, joined_cell = _taken(rest, JOINED_CELL_PHRASES)
    rest, no_member = _taken(rest, NO_MEMBER_PHRASES)
    rest, _ = _taken(rest, STATUS_COLUMN_WORDS)  # typed plain, "tinh trang" is no "trắng"
    if no_cell:
        own_cell.add(False)
    if no_member or rest.has(WHITE_WORD):
        members.add(False)
    if joined_cell or rest.has(JOINED_WORD):
        own_cell.add(False)
        members.add(True)
    if rest.has_any(OWN_CELL_PHRASES) or words.is_(BARE_OWN_CELL):
        own_cell.add(True)
    if rest.has_any(HAS_MEMBER_PHRASES):
        members.add(True)
    return _fact(own_cell), _fact(members)


def _taken(words: Words, phrases: tuple[str, ...]) -> tuple[Words, bool]:
    """The words without the phrases (a bar where each stood), and whether any was there."""
    text, found = f" {words.text} ", False
    for phrase in phrases:
        padded = f" {form(phrase, words.plain)} "
        if padded in text:
            found = True
            text = text.replace(padded, " | ")
    return Words(" ".join(text.split()), words.plain), found


def _fact(said: set[bool]) -> object:
    if len(said) > 1:
        return "both"
    return next(iter(said)) if said else None
