"""Counts typed as people of the page's language write them (the coverage table's members
filters, units.reads.filters.MembersFilter).

Vietnamese groups thousands with a dot and marks decimals with a comma: "1.000" is one thousand,
"1,5" one and a half. English does the opposite: "1,000", "1.5". Either may group with spaces
("1 000"), never a decimal mark. The marks are the language's number formats
(partystats/formats/), the ones the site writes its own figures in, so a figure copied from a
page reads back as itself.

A count is whole. A decimal part is taken when it is only zeros ("12,0" in Vietnamese, "12.0" in
English, as a spreadsheet may give them), except three zeros: "1,000" on the Vietnamese site is
one thousand to whoever writes English, and "1.000" on the English site one thousand to whoever
writes Vietnamese, so either is refused rather than read as 1. So is anything else: a group of
other than three digits ("1.00" in Vietnamese), a decimal ("1,5", "2.5"), two kinds of grouping.
"""

from __future__ import annotations

import functools
import re

from django.utils.formats import get_format

# A space, a no-break space and a narrow no-break space: what a copied number may hold.
SPACES = " \u00a0\u202f"
# Three zeros after the decimal mark read as a thousands group in the other language.
AMBIGUOUS_DECIMALS = 3


def count_read(text: str) -> int:
    """The whole number `text` writes in the active language, its sign kept (the field's minimum
    refuses a negative one with its own message). ValueError when it writes no whole number, or
    could mean two."""
    pattern = count_pattern(get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR"))
    match = pattern.fullmatch(text.strip())
    if match is None or len(match["zeros"] or "") == AMBIGUOUS_DECIMALS:
        raise ValueError(f"not a count in this language: {text!r}")
    return int(match["sign"] + re.sub("[^0-9]", "", match["whole"]))


@functools.cache
def count_pattern(thousands: str, decimal: str) -> re.Pattern:
    """Digits, or groups of three after the first with one mark between them throughout
    (`thousands` or a space), then possibly the decimal mark and zeros."""
    mark = f"[{re.escape(thousands + SPACES)}]"
    grouped = rf"[0-9]{{1,3}}(?P<mark>{mark})[0-9]{{3}}(?:(?P=mark)[0-9]{{3}})*"
    return re.compile(
        rf"(?P<sign>[-+]?)(?P<whole>[0-9]+|{grouped})(?:{re.escape(decimal)}(?P<zeros>0+))?"
    )
