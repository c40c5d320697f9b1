"""A list of ids or names as one query parameter, for `field__in=ids_in(ids)`.

A national report names 10,051 communes. Passed as a list, Django prepares every value through
the field (about 5 µs each) and the query must be cut into chunks under the database's
parameter limit; SQLite then tests an OR of two long lists row by row. The importer asks several
such queries per report (tenths of a second of CPU, bench/README.md 4/12/2026). Sent as one
array parameter, the database unpacks it itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL


def ids_in(ids: Iterable[int]) -> RawSQL:
    """The ids as a subquery: a JSON array on SQLite (json_each), an array on PostgreSQL."""
    return _values_in([int(value) for value in ids], "bigint")


def texts_in(texts: Iterable[str]) -> RawSQL:
    """The texts as a subquery, as `ids_in`."""
    return _values_in([str(text) for text in texts], "text")


def _values_in(values: list, sql_type: str) -> RawSQL:
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{sql_type}[])", [values])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])
