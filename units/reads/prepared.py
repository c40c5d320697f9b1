"""Queries a page runs on every request with only an id changing, compiled by the ORM once.

Compiling a queryset into SQL (its joins, aliases, quoting) took the ORM 0.2 to 0.4 ms a query
on the village page, four to ten times what SQLite took to run it (bench/README.md, "Village
page at 1 connection"). A `PreparedQuery` keeps what the ORM compiled for each database
connection and runs it again with the next id. The SQL is the ORM's own, so it is right on
SQLite and PostgreSQL alike and follows the models; the rows go through the ORM's own
converters (dates and booleans on SQLite), as `values_list` gives them, as tuples.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

PLACEHOLDER = 987654321  # an id no row has: stands for the id while the ORM compiles


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    id_count: int  # how many times the SQL takes the id (a query both ways takes it twice)
    compiler: SQLCompiler
    converters: dict  # the compiler's, by column: what `values_list` does to each value


class PreparedQuery:
    """`queryset_for(id)`'s rows as tuples, the SQL compiled once per database connection.

    `queryset_for` builds a `values_list` queryset whose only parameter is the id, wherever it
    appears: any other parameter would be frozen at its first value, so compiling refuses it.
    """

    def __init__(self, model: type[Model], queryset_for: Callable[[int], QuerySet]):
        self.model = model
        self.queryset_for = queryset_for
        # Per connection, not per database alias: a connection is a thread's, and so are the
        # converters the compiler holds. Gone with the connection.
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def rows(self, object_id: int) -> list[tuple]:
        connection = connections[router.db_for_read(self.model)]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, [int(object_id)] * compiled.id_count)
            rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        converted = compiled.compiler.apply_converters(rows, compiled.converters)
        return [tuple(row) for row in converted]

    def _compile(self, connection) -> Compiled:
        queryset = self.queryset_for(PLACEHOLDER)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if not params or any(param != PLACEHOLDER for param in params):
            raise ValueError(f"a prepared query takes the id and nothing else: {params}")
        # As `SQLCompiler.results_iter` takes them, once per connection instead of per query.
        columns = [column for column, *_ in compiler.select[: compiler.col_count]]
        return Compiled(sql, len(params), compiler, compiler.get_converters(columns))
