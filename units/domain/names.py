"""Name matching for units and villages, as people write them in reports.

"Bản Nậm Cang 1", "nậm  cang 1" and "NAM CANG 1" are the same village; so are "Hòa" and "Hoà"
(old and new tone placement) and names in NFC or NFD form.

Names are listed in Vietnamese alphabetical order (`sort_key`, docs/names.md).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

# Kind prefixes, longest first so "tổ dân phố" wins over "tổ". Compared without diacritics.
# "Khu phố" and "Ấp" are the urban and southern villages (issue 9: "Khu phố 3" = "3").
VILLAGE_KINDS = (
    "to dan pho",
    "tieu khu",
    "khu pho",
    "thon",
    "ban",
    "khoi",
    "xom",
    "doi",
    "tdp",
    "kp",
    "ap",
    "to",
)
COMMUNE_KINDS = ("thi tran", "phuong", "dac khu", "xa")
DISTRICT_KINDS = ("thanh pho", "thi xa", "huyen", "quan", "tp", "tx")
PROVINCE_KINDS = ("thanh pho", "tinh")
# The kinds each level of administrative unit is written with ("Xã", "Huyện", "Tỉnh" …).
LEVEL_KINDS = {"province": PROVINCE_KINDS, "district": DISTRICT_KINDS, "commune": COMMUNE_KINDS}
# How each kind is written at the start of a name, for finding names by their kind alone.
KIND_SPELLINGS = {
    "to dan pho": ("Tổ dân phố",), "tieu khu": ("Tiểu khu",), "thon": ("Thôn",),
    "ban": ("Bản",), "khoi": ("Khối",), "xom": ("Xóm",), "doi": ("Đội",), "tdp": ("TDP",),
    "to": ("Tổ",), "thi tran": ("Thị trấn",), "phuong": ("Phường",), "dac khu": ("Đặc khu",),
    "xa": ("Xã",), "thanh pho": ("Thành phố", "TP."), "thi xa": ("Thị xã", "TX."),
    "huyen": ("Huyện",), "quan": ("Quận",), "tp": ("TP.", "TP"), "tx": ("TX.", "TX"),
    "tinh": ("Tỉnh",),
}  # fmt: skip

_SPACES = re.compile(r"\s+")


class _Unmarked(dict):
    """`str.translate` table: combining marks (category Mn) dropped, đ → d, the rest kept.

    Filled as characters are met: a report uses a few dozen, and a table of every code point
    would cost more to build than a national report costs to fold."""

    def __missing__(self, code_point: int) -> str | None:
        char = chr(code_point)
        self[code_point] = None if unicodedata.category(char) == "Mn" else char
        return self[code_point]


_UNMARKED = _Unmarked({ord("đ"): "d", ord("Đ"): "D"})


def fold(text: str) -> str:
    """Lower-case, no diacritics, đ → d, single spaces: the form used for all matching."""
    text = str(text)
    if not text.isascii():  # most rows of a report have a Vietnamese name; codes are ASCII
        text = unicodedata.normalize("NFD", text).translate(_UNMARKED)
    return " ".join(text.split()).lower()


def strip_kind(folded: str, kinds: tuple[str, ...]) -> str:
    for prefixes, _ in _kind_prefixes(tuple(kinds)):
        if folded.startswith(prefixes):
            return folded[len(prefixes[0]) :].strip(" .")
    return folded


def name_key(name: str, kinds: tuple[str, ...] = VILLAGE_KINDS) -> str:
    """The key two spellings of the same name share: folded, without its kind prefix."""
    return strip_kind(fold(name), kinds)


def tidy(name: str) -> str:
    """The name as it should be displayed: NFC, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(name))).strip()


def substring_distance(query: str, text: str) -> int:
    """The fewest edits (insert, delete, change a letter) that make `query` appear in `text`:
    "namkang" is 1 from "namcang1" (Sellers' algorithm: the match may start anywhere)."""
    previous = [0] * (len(text) + 1)
    for i, wanted in enumerate(query, 1):
        current = [i] + [0] * len(text)
        for j, found in enumerate(text, 1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (wanted != found)
            )
        previous = current
    return min(previous)


def closest(key: str, candidates: dict[str, str], limit: int = 3) -> list[str]:
    """Display names whose keys are closest to `key` (candidates maps key → display name)."""
    matches = difflib.get_close_matches(key, list(candidates), n=limit, cutoff=0.6)
    return [candidates[match] for match in matches]


# ---------------------------------------------------------------------------------- sort order

# The Vietnamese alphabet (with f, j, w, z for names from other languages): ă after a, â after
# ă, đ after d, ê after e, ô and ơ after o, ư after u (docs/names.md).
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODES = {letter: f"{10 + index:02d}" for index, letter in enumerate(_ALPHABET)}
# Marks that make another letter (breve, circumflex, horn) and the five tones, in dictionary
# order: none, huyền, hỏi, ngã, sắc, nặng.
_SHAPED = {
    ("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư",
}  # fmt: skip
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_END, _WORD_BREAK, _NUMBER = "00", "01", "02"
SORT_KEY_LENGTH = 400


def _words(text: str, tone: str = "0") -> tuple[list[tuple[list[str], str]], str]:
    """Each word of a lower-case NFD text as its letters and digit runs, with its tone ("0"
    for none); and the tone a mark with no letter to sit on carries over to what follows."""
    words: list[tuple[list[str], str]] = []
    items: list[str] = []
    for char in text:
        if unicodedata.category(char) == "Mn":
            if items and (items[-1], char) in _SHAPED:
                items[-1] = _SHAPED[(items[-1], char)]
            elif char in _TONES and tone == "0":
                tone = _TONES[char]
        elif char in "0123456789":
            if items and items[-1][0] in "0123456789":
                items[-1] += char
            else:
                items.append(char)
        elif char.isalpha():
            items.append(char)
        elif items:  # a space, a hyphen, a dot: the word ends
            words.append((items, tone))
            items, tone = [], "0"
    if items:
        words.append((items, tone))
        tone = "0"
    return words, tone


def _item_code(item: str) -> str:
    if item[0] in "0123456789":  # a number: by its length, then its digits (2 < 10)
        digits = item.lstrip("0") or "0"
        return f"{_NUMBER}{len(digits):02d}{digits}"
    return _LETTER_CODES.get(item) or f"99{ord(item):07d}"


def _collation(text: str) -> str:
    """Letters and numbers first, then the tones word by word: tones decide only between
    names whose letters are the same ("Cha" < "Chà" < "Chả" < "Chá" < "Chai")."""
    letters: list[str] = []
    tones: list[str] = []
    carried = "0"
    # A space ends a word and nothing else crosses it (NFD leaves it and what follows it
    # alone), bar the tone of a stray mark: the pieces between spaces are coded once each.
    for piece in unicodedata.normalize("NFD", text.lower()).split(" "):
        coded, carried = _piece_coded(piece) if carried == "0" else _coded(piece, carried)
        for code, tone in coded:
            letters.append(code)
            tones.append(tone)
    return _WORD_BREAK.join(letters) + _END + "".join(tones) + _END


def _coded(piece: str, tone: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """The words of a piece of text as their letters' codes and tones, and the tone carried."""
    words, carried = _words(piece, tone)
    return tuple(("".join(map(_item_code, items)), tone) for items, tone in words), carried


@functools.lru_cache(maxsize=1 << 16)
def _piece_coded(piece: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """`_coded` for a piece no tone comes into, remembered: names share their words ("Bản",
    "Thôn", "Nậm", "1"), and coding a word letter by letter was most of a sort key's 12 µs."""
    return _coded(piece, "0")


@functools.lru_cache(maxsize=64)
def _kind_prefixes(kinds: tuple[str, ...]) -> tuple[tuple[tuple[str, str], int], ...]:
    """Each kind's two ways to start a folded name ("xa ", "xa."), with its number of words."""
    return tuple(((kind + " ", kind + "."), len(kind.split(" "))) for kind in kinds)


def sort_key(name: str, kinds: tuple[str, ...] = VILLAGE_KINDS) -> str:
    """The key that orders names in Vietnamese alphabetical order, numbers in natural order.

    Digits only, so that SQL orders it the same on SQLite and PostgreSQL whatever the
    database's collation ("C" or a language's): stored beside each name (`Unit.sort_key`,
    `Village.sort_key`) for lists that are paged in SQL, and used as is in Python.
    Compared on the name without its kind ("Xã", "Bản"), then on the kind.
    """
    words = tidy(name).split(" ")
    folded = fold(name)
    kind_words = 0
    for prefixes, length in _kind_prefixes(tuple(kinds)):
        if folded.startswith(prefixes):
            kind_words = length
            break
    if kind_words >= len(words):
        kind_words = 0
    rest, kind = " ".join(words[kind_words:]), " ".join(words[:kind_words])
    return (_collation(rest) + _collation(kind))[:SORT_KEY_LENGTH]


def unit_sort_key(name: str, level: str) -> str:
    return sort_key(name, LEVEL_KINDS[level])
