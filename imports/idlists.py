"""A list of ids as one query parameter, for `field__in=ids_in(ids)`.

A national report names 10,051 communes. Passed as a list, Django prepares every id through the
field (about 5 µs each) and the query must be cut into chunks under the database's parameter
limit; the importer asks several such queries per report (a few tenths of a second of CPU,
bench/README.md 4/12/2026). Sent as one array parameter, the database unpacks it itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL


def ids_in(ids: Iterable[int]) -> RawSQL:
    """The ids as a subquery: a JSON array on SQLite (json_each), an array on PostgreSQL."""
    values = [int(value) for value in ids]
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [values])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])
