"""The reads every page makes find their rows through an index (issue 10, bench/README.md).

At national scale (100,000 villages, 417,280 coverage rows) a read that scans a whole table
costs a tenth of a second or more per request; on the demo data it costs nothing, so timing
cannot show it. SQLite's plan does (EXPLAIN QUERY PLAN names each table it SCANs and each index
it SEARCHes), whatever the size of the tables. PostgreSQL chooses by its statistics, and on the
demo data (one province: every placement is inside it) a scan is rightly its choice, so there the
tests check the shape that lets it use the index at scale: the rows' unit compared with one
`IN (SELECT …)`, never an OR over the rows' joined parents.
"""

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from units.models import Coverage, Unit, VillagePlacement
from units.reads.coverage_table import coverage_table
from units.reads.dates import periods_with_coverage
from units.reads.village_lists import units_within

pytestmark = pytest.mark.django_db


def sql_of(read) -> str:
    """The one query `read()` runs."""
    with CaptureQueriesContext(connection) as queries:
        read()
    (query,) = queries.captured_queries
    return query["sql"]


def sqlite_plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(row[-1] for row in cursor.fetchall())


def searched(plan: str, model, field: str) -> bool:
    """The plan searches an index of the model's table that starts with the field's column (a
    foreign key's `<table>_<column>_…`, or a unique constraint's `sqlite_autoindex_<table>_N`)."""
    table, column = model._meta.db_table, model._meta.get_field(field).column
    named = rf"({table}_\S+|sqlite_autoindex_{table}_\d+)"
    return re.search(rf"USING (COVERING )?INDEX {named} \({column}=", plan) is not None


def scans(plan: str, model) -> bool:
    return re.search(rf"\bSCAN {model._meta.db_table}\b", plan) is not None


def test_the_dates_with_coverage_are_one_index_probe_each(demo):
    sql = sql_of(periods_with_coverage)
    assert "EXISTS" in sql and "DISTINCT" not in sql, sql
    if connection.vendor == "sqlite":
        plan = sqlite_plan(sql)
        assert searched(plan, Coverage, "period") and not scans(plan, Coverage), plan


def test_a_unit_and_what_is_inside_it_are_found_through_the_parent_index(demo_province):
    sql = sql_of(lambda: list(units_within(demo_province)))
    assert sql.count("JOIN") == 0, sql
    if connection.vendor == "sqlite":
        plan = sqlite_plan(sql)
        assert searched(plan, Unit, "parent") and not scans(plan, Unit), plan


@pytest.mark.parametrize(
    ("group", "model", "field"),
    [("village", VillagePlacement, "commune"), ("commune", Coverage, "unit")],
)
def test_the_coverage_table_of_a_province_reads_its_rows_through_their_unit(
    demo_province, group, model, field
):
    """One row per village: the placements of the province's communes, found by commune; one
    row per commune: their Coverage rows, found by unit. Never every row of the date."""
    params = QueryDict(f"date=2017-12-31&group={group}&province={demo_province.id}&status=joined")
    table = coverage_table(params=params)
    sql = sql_of(lambda: list(table.queryset))
    column = f'"{model._meta.db_table}"."{model._meta.get_field(field).column}" IN (SELECT'
    assert column in sql, sql
    if connection.vendor == "sqlite":
        plan = sqlite_plan(sql)
        assert searched(plan, model, field) and not scans(plan, model), plan
