"""Name matching for units and villages, as people write them in reports.

"Bản Nậm Cang 1", "nậm  cang 1" and "NAM CANG 1" are the same village; so are "Hòa" and "Hoà"
(old and new tone placement) and names in NFC or NFD form.
"""

from __future__ import annotations

import difflib
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
    for kind in kinds:
        if folded.startswith(kind + " ") or folded.startswith(kind + "."):
            return folded[len(kind) + 1 :].strip(" .")
    return folded


def name_key(name: str, kinds: tuple[str, ...] = VILLAGE_KINDS) -> str:
    """The key two spellings of the same name share: folded, without its kind prefix."""
    return strip_kind(fold(name), kinds)


def tidy(name: str) -> str:
    """The name as it should be displayed: NFC, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(name))).strip()


def closest(key: str, candidates: dict[str, str], limit: int = 3) -> list[str]:
    """Display names whose keys are closest to `key` (candidates maps key → display name)."""
    matches = difflib.get_close_matches(key, list(candidates), n=limit, cutoff=0.6)
    return [candidates[match] for match in matches]
