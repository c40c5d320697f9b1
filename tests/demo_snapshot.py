"""The demo data, loaded through the importer once per test session and copied back after.

`load_demo` goes through the real importer (≈ 30 s). Tests that flush the database (browser
tests with a live server) or load the demo per module would pay that every time; instead the
first load is captured row by row and later loads insert the same rows in one transaction.
The importer path is still exercised by the first load and by
tests/imports/generators/test_demo_figures.py.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import sort_dependencies
from django.db import connection, transaction

from units.models import Unit

# Only the project's own tables: auth and content types are recreated by every flush.
DEMO_APPS = ("units", "imports")

_captured: list[tuple[type, str, list[tuple]]] | None = None


def demo_models() -> list[type]:
    app_list = [(apps.get_app_config(label), None) for label in DEMO_APPS]
    return sort_dependencies(app_list, allow_cycles=True)


def capture() -> list[tuple[type, str, list[tuple]]]:
    """Each demo table as an INSERT statement and its rows, already in database form."""
    captured = []
    for model in demo_models():
        fields = model._meta.concrete_fields
        rows = model._base_manager.order_by("pk").values_list(*[f.attname for f in fields])
        prepared = [
            tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
            for row in rows
        ]
        captured.append((model, insert_sql(model), prepared))
    return captured


def insert_sql(model: type) -> str:
    quote = connection.ops.quote_name
    columns = [field.column for field in model._meta.concrete_fields]
    return "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )


@transaction.atomic
def restore(captured: list[tuple[type, str, list[tuple]]]) -> None:
    # Foreign keys are deferred to the commit on both SQLite and PostgreSQL, so rows that point
    # forward (an import run replaced by a later one) insert in primary-key order.
    with connection.cursor() as cursor:
        for _, sql, rows in captured:
            if rows:
                cursor.executemany(sql, rows)
    reset_sequences([model for model, _, _ in captured])


def reset_sequences(models: list[type]) -> None:
    """PostgreSQL sequences must continue after the restored primary keys."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def load_demo() -> None:
    """The demo in the (empty) test database: the real command the first time, a copy after."""
    global _captured
    if Unit.objects.exists():  # not empty: only the real command knows how to merge
        call_command("load_demo", verbosity=0)
    elif _captured is None:
        call_command("load_demo", verbosity=0)
        _captured = capture()
    else:
        restore(_captured)
