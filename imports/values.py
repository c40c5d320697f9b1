"""Cell values as reports write them: counts, statuses and marks.

Each parser returns the value or raises `BadValue` with the message for the user.
"""

from __future__ import annotations

import functools
import re

from django.utils.translation import gettext_lazy as _

from units.models import Status

from .fields import header_key

NOT_A_NUMBER = _("This is not a number.")
NEGATIVE = _("A count cannot be negative.")
FRACTIONAL = _("A count must be a whole number.")
UNKNOWN_STATUS = _(
    'Unknown status: write "Có chi bộ độc lập", "Sinh hoạt ghép" or "Chưa có đảng viên".'
)
NOT_A_MARK = _("Mark a status column with x, X, ✓ or 1, and leave the others empty.")


class BadValue(Exception):
    """A cell that cannot be read; `text` says why (None: already said)."""

    def __init__(self, text) -> None:
        super().__init__(str(text))
        self.text = text


# Vietnamese thousands separators: "1.234", "12.345.678" (a comma is the decimal mark).
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_WHOLE = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^\d+([.,]\d+)?$")


def count_parse(value: object) -> int | None:
    """A count cell: None when empty. Numbers, text numbers and "1.234" are accepted."""
    if type(value) is float and value >= 0 and value.is_integer():
        return int(value)  # what calamine gives for almost every count
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue(NOT_A_NUMBER)
    if isinstance(value, int | float):
        if value < 0:
            raise BadValue(NEGATIVE)
        if not float(value).is_integer():
            raise BadValue(FRACTIONAL)
        return int(value)
    if not isinstance(value, str):
        raise BadValue(NOT_A_NUMBER)
    text = value.replace("\u00a0", " ").replace(" ", "").strip()
    if not text:
        return None
    negative = text.startswith(("-", "−"))
    digits = text.lstrip("-−")
    if _WHOLE.match(digits) or _THOUSANDS.match(digits):
        number = int(digits.replace(".", ""))
    elif _DECIMAL.match(digits):
        number = float(digits.replace(",", "."))
        if not number.is_integer():
            raise BadValue(NEGATIVE if negative else FRACTIONAL)
        number = int(number)
    else:
        raise BadValue(NOT_A_NUMBER)
    if negative and number:
        raise BadValue(NEGATIVE)
    return number


STATUS_WORDS: dict[str, str] = {
    header_key(text): status
    for status, texts in {
        Status.OWN_CELL: ("Có chi bộ độc lập", "Chi bộ độc lập", "Độc lập", "Chi bộ", "Có chi bộ"),
        Status.JOINED: ("Sinh hoạt ghép", "Ghép", "Chi bộ ghép", "Sinh hoạt chi bộ ghép"),
        Status.NO_MEMBERS: (
            "Chưa có đảng viên",
            "Trắng",
            "Bản trắng",
            "Trắng đảng viên",
            "Không có đảng viên",
        ),
    }.items()
    for text in texts
}


def status_parse(value: object) -> str | None:
    """A status text cell: None when empty."""
    if value is None or value == "":
        return None
    status = _status_of(str(value))
    if status is _UNKNOWN:
        raise BadValue(UNKNOWN_STATUS)
    return status


_UNKNOWN = "?"


@functools.lru_cache(maxsize=512)
def _status_of(text: str) -> str | None:
    """Reports repeat a handful of status texts: each is folded once."""
    key = header_key(text)
    return STATUS_WORDS.get(key, _UNKNOWN) if key else None


MARKED = {"x", "✓", "✔", "1"}
UNMARKED = {"", "0"}


def mark_parse(value: object) -> bool:
    """A status mark cell: x, X, ✓ or 1 marks it; empty (or 0) leaves it unmarked."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else str(value)
    else:
        text = str(value or "").strip().lower()
    if text in MARKED:
        return True
    if text in UNMARKED:
        return False
    raise BadValue(NOT_A_MARK)


def looks_like_count(value: object) -> bool:
    try:
        return count_parse(value) is not None
    except BadValue as error:
        return error.text is not NOT_A_NUMBER


def looks_like_status(value: object) -> bool:
    try:
        return status_parse(value) is not None
    except BadValue:
        return False


def looks_like_mark(value: object) -> bool:
    try:
        return mark_parse(value)
    except BadValue:
        return False
