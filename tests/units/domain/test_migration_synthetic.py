"""Migration 0007 fills Coverage.synthetic and DataVersion.synthetic_villages for the
databases made before it: a direct count where real and synthetic villages mix."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from units.models import Coverage, DataVersion

BEFORE = ("units", "0006_sort_key")
AFTER = ("units", "0007_coverage_synthetic")
DATE = datetime.date(2017, 12, 31)
START = datetime.date(2015, 1, 1)


def migrated(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def mixed_before(apps) -> None:
    """A province, a district and two communes at 31/12/2017: one with a real village and a
    synthetic one, one with a real village only; coverage as 0006 counted it."""
    Unit = apps.get_model("units", "Unit")
    end = datetime.date(2025, 6, 30)
    unit = {"scheme": "gso2004", "valid_from": START, "valid_to": end, "sort_key": "k"}
    province = Unit.objects.create(level="province", code="11", name="Tỉnh A", **unit)
    district = Unit.objects.create(
        level="district", code="100", name="Huyện B", parent=province, **unit
    )
    mixed = Unit.objects.create(level="commune", code="1", name="Xã C", parent=district, **unit)
    real = Unit.objects.create(level="commune", code="2", name="Xã D", parent=district, **unit)
    Village = apps.get_model("units", "Village")
    Placement = apps.get_model("units", "VillagePlacement")
    for name, commune, synthetic in (("E", mixed, True), ("F", mixed, False), ("G", real, False)):
        village = Village.objects.create(
            name=name, name_key=name, sort_key=name, valid_from=START, synthetic=synthetic
        )
        Placement.objects.create(village=village, commune=commune, valid_from=START)
    period = apps.get_model("units", "Period").objects.create(date=DATE, label="2017Q4")
    for unit_, villages in ((province, 3), (district, 3), (mixed, 2), (real, 1)):
        apps.get_model("units", "Coverage").objects.create(
            unit=unit_, period=period, villages=villages, own_cell=0, joined=0, no_members=0,
            not_reported=villages, members=0, admissions=0,
        )  # fmt: skip
    apps.get_model("units", "DataVersion").objects.create(
        pk=1, number=1, changed=datetime.datetime(2018, 1, 1, tzinfo=datetime.UTC)
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_synthetic_villages_of_a_mixed_database():
    mixed_before(migrated(BEFORE))
    migrated(AFTER)
    stored = dict(Coverage.objects.values_list("unit__name", "synthetic"))
    assert stored == {"Tỉnh A": 1, "Huyện B": 1, "Xã C": 1, "Xã D": 0}
    assert DataVersion.current().synthetic_villages
