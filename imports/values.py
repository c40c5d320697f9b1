"""Cell values as reports write them: counts, statuses and marks.

Each parser of one cell returns the value or raises `BadValue` with the message for the user;
`counts_read` reads a whole column at once (numbers as numpy does, text one distinct value at a
time), for the column-wise validation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

from units.models import Status

from .issues import Phrases
from .vocabulary import status_read

NOT_A_NUMBER = _("This is not a number.")
NEGATIVE = _("A count cannot be negative.")
FRACTIONAL = _("A count must be a whole number.")
# Above the party's whole membership (about 5.5 million): a typo, or a number from another
# column (a code, a phone number), never a count of any row. It also keeps every count, and the
# sums of a sheet's counts, within the integers the database and numpy hold (a cell of 10**20
# summed into a subtotal came out as a negative number in the message).
MAX_COUNT = 10_000_000
TOO_LARGE_COUNT = _("A count cannot be larger than 10,000,000.")
UNKNOWN_STATUS = _(
    'Unknown status: write "Có chi bộ độc lập", "Sinh hoạt ghép" or "Chưa có đảng viên".'
)
AMBIGUOUS_STATUS = _(
    'This status could mean %(could_be)s: write "Có chi bộ độc lập", "Sinh hoạt ghép" or '
    '"Chưa có đảng viên".'
)
OR = _("%(first)s or %(second)s")
NOT_A_MARK = _("Mark a status column with x, X, ✓ or 1, and leave the others empty.")
STATUS_TEXT = {  # how a status is written, as the messages quote it
    Status.OWN_CELL: "“Có chi bộ độc lập”",
    Status.JOINED: "“Sinh hoạt ghép”",
    Status.NO_MEMBERS: "“Chưa có đảng viên”",
}


class BadValue(Exception):
    """A cell that cannot be read; `text` says why (None: already said)."""

    def __init__(self, text, params: dict | None = None) -> None:
        super().__init__(str(text))
        self.text = text
        self.params = params or {}


# Vietnamese thousands separators: "1.234", "12.345.678" (a comma is the decimal mark).
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_WHOLE = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^\d+([.,]\d+)?$")


def _refusal(value: object) -> tuple[object, dict]:
    """Why `count_parse` refuses a cell known to be no count: its message and parameters."""
    try:
        count_parse(value)
    except BadValue as error:
        return error.text, error.params
    raise ValueError(f"{value!r} is a count")


def count_parse(value: object) -> int | None:
    """A count cell: None when empty. Numbers, text numbers and "1.234" are accepted."""
    if type(value) is float and 0 <= value <= MAX_COUNT and value.is_integer():
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
        return _not_too_large(int(value))
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
    return _not_too_large(number)


def _not_too_large(count: int) -> int:
    if count > MAX_COUNT:
        raise BadValue(TOO_LARGE_COUNT)
    return count


def status_parse(value: object) -> str | None:
    """A status text cell: None when empty. Read by what it says (imports.vocabulary); a text
    that could mean two statuses is refused with both named, never guessed."""
    if value is None or value == "":
        return None
    return _status_of(str(value))


@functools.lru_cache(maxsize=512)
def _status_of(text: str) -> str | None:
    """Reports repeat a handful of status texts: each is read once. (BadValue is raised anew
    on every call: lru_cache does not keep exceptions.)"""
    if not text.strip():
        return None
    reading = status_read(text)
    if reading.status is not None:
        return reading.status
    if reading.could_be:
        raise BadValue(AMBIGUOUS_STATUS, {"could_be": _either(reading.could_be)})
    raise BadValue(UNKNOWN_STATUS)


def _either(statuses: tuple[str, ...]) -> Phrases:
    """ "“Sinh hoạt ghép” or “Chưa có đảng viên”", put into words when the message is shown."""
    quoted = [STATUS_TEXT[status] for status in statuses]
    return Phrases([(OR, {"first": ", ".join(quoted[:-1]), "second": quoted[-1]})])


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


# ---------------------------------------------------------------------------- whole columns


@dataclass
class CountColumn:
    """A count column read at once: the numbers (NaN where empty or unreadable), and the
    message of each unreadable cell by its position in the column."""

    numbers: np.ndarray
    errors: dict[int, tuple[object, dict]]


def counts_read(values: list) -> CountColumn:
    """Every cell of a count column. Numbers (what calamine gives for almost every count) are
    checked as an array; text ("12", " 12 ", "1.234") is read one distinct value at a time."""
    size = len(values)
    # float.__instancecheck__ by map: half the time of a generator of `type(value) is float`
    is_float = np.fromiter(map(float.__instancecheck__, values), bool, size)
    numbers = np.full(size, np.nan)
    floats = np.array(values, dtype=object)[is_float].astype(float) if is_float.any() else None
    errors: dict[int, tuple[object, dict]] = {}
    if floats is not None:
        numbers[is_float] = floats
        bad = is_float.copy()
        bad[is_float] = (floats < 0) | (floats != np.floor(floats)) | (floats > MAX_COUNT)
        for at in np.flatnonzero(bad):  # few: count_parse says why, as for a text cell
            errors[int(at)] = _refusal(values[at])
            numbers[at] = np.nan
    others = np.flatnonzero(~is_float)
    parsed: dict = {}
    for at in others:
        value = values[at]
        if value is None or value == "":
            continue
        key = (type(value), value)
        if key not in parsed:
            try:
                parsed[key] = count_parse(value)
            except BadValue as error:
                parsed[key] = error
        found = parsed[key]
        if isinstance(found, BadValue):
            errors[int(at)] = (found.text, found.params)
        elif found is not None:
            numbers[at] = found
    return CountColumn(numbers, errors)
