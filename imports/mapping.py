"""The column-mapping step (issue 9): where a header is not recognised, staff say which column is
which ("this column is the commune, that one the members"), on the preview page or with the
command line's `--column commune=B`. Choices made on the preview are remembered in the database
(`ColumnMapping`) for the next file with the same headers.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from . import fields as f
from .cells import column_index, column_letter
from .header import ColumnChoices
from .layout import SheetHeader
from .models import ColumnMapping

UNKNOWN_FIELD = _("%(field)s is not a column the importer reads: use one of %(fields)s.")
BAD_LETTER = _("%(letter)s is not a column letter (A, B, … AA).")
BAD_SPEC = _("Write the column as FIELD=LETTER, for instance commune=B, not %(spec)s.")
FIELD_TWICE = _("%(field)s is given two columns: %(columns)s.")
# `--column none=C`: column C is left out, as "— not imported —" leaves it on the web (a
# former-district column kept beside the commune after 1/7/2025); "" in ColumnChoices.
NOT_IMPORTED = "none"


class ColumnsRefused(ValueError):
    """The columns staff gave cannot be used; the message says why."""


def choices_remembered() -> dict[str, ColumnChoices]:
    """Every remembered mapping, by the signature of the headers it was made for."""
    return {
        mapping.signature: choices_from_letters(mapping.columns)
        for mapping in ColumnMapping.objects.all()
    }


def choices_from_letters(columns: dict[str, str]) -> ColumnChoices:
    return {column_index(letter): key for letter, key in columns.items()}


def column_options(shape: str, date: datetime.date | None = None) -> list[tuple[str, str]]:
    """(field key, label) of every column a report of `shape` may have, for a choice list;
    labelled in the units of the report's date when it is known (no "thị trấn" after
    1/7/2025)."""
    return [(known.key, known.label_on(date)) for known in f.FIELDS_BY_SHAPE[shape]]


def column_mapping_save(*, header: SheetHeader, choices: ColumnChoices, user=None) -> ColumnMapping:
    """Remember staff's choices for this set of headers (replacing earlier ones for it)."""
    _fields_once(choices)
    known = {key for key, _label in column_options(header.shape)}
    unknown = [key for key in choices.values() if key and key not in known]
    if unknown:
        raise ColumnsRefused(_unknown_field(unknown[0], header.shape))
    mapping, _created = ColumnMapping.objects.update_or_create(
        signature=header.signature,
        defaults={
            "shape": header.shape,
            "headers": {column.letter: column.header for column in header.columns},
            "columns": {column_letter(index): key for index, key in sorted(choices.items())},
            "user": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    return mapping


def columns_parse(specs: list[str]) -> ColumnChoices:
    """The command line's `--column FIELD=LETTER` options, each checked."""
    choices: ColumnChoices = {}
    for spec in specs:
        key, sep, letter = spec.partition("=")
        key, letter = key.strip(), letter.strip()
        if not sep or not key or not letter:
            raise ColumnsRefused(str(BAD_SPEC % {"spec": spec}))
        if key == NOT_IMPORTED:
            key = ""
        elif key not in _all_keys():
            raise ColumnsRefused(_unknown_field(key, None))
        try:
            choices[column_index(letter)] = key
        except ValueError:
            raise ColumnsRefused(str(BAD_LETTER % {"letter": letter})) from None
    _fields_once(choices)
    return choices


def _all_keys() -> list[str]:
    keys = [known.key for fields in f.FIELDS_BY_SHAPE.values() for known in fields]
    return list(dict.fromkeys(keys))


def _unknown_field(key: str, shape: str | None) -> str:
    keys = [k for k, _label in column_options(shape)] if shape else [*_all_keys(), NOT_IMPORTED]
    return str(UNKNOWN_FIELD % {"field": key, "fields": ", ".join(keys)})


def _fields_once(choices: ColumnChoices) -> None:
    by_field: dict[str, list[int]] = {}
    for index, key in sorted(choices.items()):
        if key:
            by_field.setdefault(key, []).append(index)
    for key, indexes in by_field.items():
        if len(indexes) > 1:
            letters = ", ".join(column_letter(index) for index in indexes)
            raise ColumnsRefused(str(FIELD_TWICE % {"field": key, "columns": letters}))
